#!/usr/bin/env bash
# Builds rapport-ffi (debug) and generates its Swift, Kotlin and Python sources
# in library mode from that very library, so the checksums in the generated
# code match the library that is loaded next to them.
#
# Usage: bindings/generate.sh [OUT_DIR]        (default: target/bindings)
#   RAPPORT_FFI_PROFILE=release  build the release library instead
#   RAPPORT_FFI_FEATURES=a,b     extra features of rapport-ffi (tests/bindings.sh
#                                passes test-panic); the sources are generated
#                                from the library built with them
#   CARGO_TARGET_DIR             honoured, as by cargo
#
# Writes:
#   OUT_DIR/lib/librapport_ffi.so        the library the sources were made from
#   OUT_DIR/python/rapport_ffi.py        + a copy of the library beside it
#   OUT_DIR/kotlin/uniffi/rapport_ffi/rapport_ffi.kt
#   OUT_DIR/swift/rapport_ffi.swift, rapport_ffiFFI.h, rapport_ffiFFI.modulemap
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="${1:-$root/target/bindings}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
profile="${RAPPORT_FFI_PROFILE:-debug}"

target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$root/$target_dir" ;;
esac

case "$(uname -s)" in
  Darwin) lib_name="librapport_ffi.dylib" ;;
  *) lib_name="librapport_ffi.so" ;;
esac

features="cli${RAPPORT_FFI_FEATURES:+,$RAPPORT_FFI_FEATURES}"
cargo_flags=(-p rapport-ffi --features "$features" --lib --bin uniffi-bindgen)
if [ "$profile" = "release" ]; then
  cargo_flags+=(--release)
fi

echo "generate.sh: building rapport-ffi ($profile, features $features) and uniffi-bindgen" >&2
(cd "$root" && cargo build "${cargo_flags[@]}")

lib="$target_dir/$profile/$lib_name"
bindgen="$target_dir/$profile/uniffi-bindgen"
for f in "$lib" "$bindgen"; do
  if [ ! -f "$f" ]; then
    echo "generate.sh: expected $f after the build, but it is missing" >&2
    exit 1
  fi
done

rm -rf "$out/lib" "$out/python" "$out/kotlin" "$out/swift"
mkdir -p "$out/lib" "$out/python" "$out/kotlin" "$out/swift"
# Generate from the copy that will be loaded, not from the build output a
# later build may overwrite.
cp "$lib" "$out/lib/$lib_name"
ln -f "$out/lib/$lib_name" "$out/python/$lib_name" 2>/dev/null \
  || cp "$out/lib/$lib_name" "$out/python/$lib_name"

for lang in python kotlin swift; do
  echo "generate.sh: $lang -> $out/$lang" >&2
  (cd "$root" && "$bindgen" generate --library "$out/lib/$lib_name" \
    --language "$lang" --out-dir "$out/$lang" --no-format)
done

echo "$out"
