#!/usr/bin/env bash
# Builds rapport-ffi for iOS and assembles what ios/Package.swift expects:
#   ios/RapportFFI.xcframework                       librapport_ffi.a for device
#       (aarch64-apple-ios) and simulator (aarch64-apple-ios-sim + x86_64-apple-ios,
#       joined with lipo), with rapport_ffiFFI.h and its module map
#   ios/Sources/Rapport/Generated/rapport_ffi.swift  the Swift bindings
# The Swift is generated (uniffi library mode, as bindings/generate.sh does) from
# the device library this very run built, so its checksums match the xcframework.
#
# Needs macOS with Xcode (xcodebuild, lipo) and rustup. CARGO_TARGET_DIR is
# honoured.
#
#   RAPPORT_IOS_DEPLOYMENT_TARGET   lowest iOS version (default 16.0, Package.swift's)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$here/build"
xcframework="$here/RapportFFI.xcframework"
generated="$here/Sources/Rapport/Generated"
# The static library's objects must target the package's minimum iOS, or the
# app's link warns (and may fail) that they were built for a newer version.
export IPHONEOS_DEPLOYMENT_TARGET="${RAPPORT_IOS_DEPLOYMENT_TARGET:-16.0}"

device=aarch64-apple-ios
simulators=(aarch64-apple-ios-sim x86_64-apple-ios)

target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$root/$target_dir" ;;
esac

die() { echo "build-xcframework.sh: $*" >&2; exit 1; }

[ "$(uname -s)" = Darwin ] || die "this needs macOS with Xcode; on Linux, tests/mobile.sh checks the Swift syntax only"
for tool in cargo rustup xcodebuild lipo; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (install Xcode and its command line tools, and Rust from https://rustup.rs)"
done
# The xcframework needs a static library; the crate must list it.
grep -Eq '^crate-type *=.*"staticlib"' "$root/bindings/Cargo.toml" \
  || die "bindings/Cargo.toml's crate-type lacks \"staticlib\": an xcframework cannot be built from a dylib-only crate"

installed="$(rustup target list --installed)"
for target in "$device" "${simulators[@]}"; do
  if ! grep -qx "$target" <<<"$installed"; then
    echo "build-xcframework.sh: adding the Rust target $target" >&2
    rustup target add "$target"
  fi
done

for target in "$device" "${simulators[@]}"; do
  echo "build-xcframework.sh: building rapport-ffi (release) for $target" >&2
  (cd "$root" && cargo build --release -p rapport-ffi --lib --target "$target")
  [ -f "$target_dir/$target/release/librapport_ffi.a" ] || die "expected $target_dir/$target/release/librapport_ffi.a"
done

echo "build-xcframework.sh: building uniffi-bindgen for this Mac" >&2
(cd "$root" && cargo build --release -p rapport-ffi --features cli --bin uniffi-bindgen)
bindgen="$target_dir/release/uniffi-bindgen"
[ -x "$bindgen" ] || die "expected $bindgen after the build"

rm -rf "$work"
mkdir -p "$work/swift" "$work/headers" "$work/ios-simulator"
device_lib="$target_dir/$device/release/librapport_ffi.a"
(cd "$root" && "$bindgen" generate --library "$device_lib" --language swift \
  --out-dir "$work/swift" --no-format)
for f in rapport_ffi.swift rapport_ffiFFI.h rapport_ffiFFI.modulemap; do
  [ -f "$work/swift/$f" ] || die "uniffi-bindgen did not write $f"
done

# An xcframework's Headers must hold the module map as `module.modulemap`; the
# generated Swift imports the module it declares (rapport_ffiFFI). Only one
# such xcframework may be linked per app target: Xcode copies every
# Headers/module.modulemap to the same place.
cp "$work/swift/rapport_ffiFFI.h" "$work/headers/"
cp "$work/swift/rapport_ffiFFI.modulemap" "$work/headers/module.modulemap"

sim_libs=()
for target in "${simulators[@]}"; do sim_libs+=("$target_dir/$target/release/librapport_ffi.a"); done
lipo -create "${sim_libs[@]}" -output "$work/ios-simulator/librapport_ffi.a"
lipo -info "$work/ios-simulator/librapport_ffi.a"

rm -rf "$xcframework"
xcodebuild -create-xcframework \
  -library "$device_lib" -headers "$work/headers" \
  -library "$work/ios-simulator/librapport_ffi.a" -headers "$work/headers" \
  -output "$xcframework"

rm -rf "$generated"
mkdir -p "$generated"
cp "$work/swift/rapport_ffi.swift" "$generated/"

echo "build-xcframework.sh: done; open ios/Package.swift or ios/SampleApp/RapportSample.swiftpm in Xcode" >&2
