#!/usr/bin/env bash
# Builds rapport-ffi for Android and puts it where the Gradle module expects it:
#   rapport/src/main/jniLibs/<abi>/librapport_ffi.so   for arm64-v8a, armeabi-v7a, x86_64
#   rapport/src/main/uniffi/uniffi/rapport_ffi/rapport_ffi.kt
# The Kotlin is generated (uniffi library mode, as bindings/generate.sh does) from
# the arm64 library this very run built, so its checksums match the .so files.
#
# Needs: rustup, cargo-ndk (`cargo install cargo-ndk`), and the Android NDK
# (ANDROID_NDK_HOME, or ANDROID_HOME with an ndk/ folder, as Android Studio's
# SDK Manager installs it). Run from anywhere; CARGO_TARGET_DIR is honoured.
#
#   RAPPORT_ANDROID_API   lowest Android API level to build for (default 26, the
#                         module's minSdk)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jni_libs="$here/rapport/src/main/jniLibs"
uniffi_out="$here/rapport/src/main/uniffi"
api="${RAPPORT_ANDROID_API:-26}"

# Android ABI name and the Rust target that builds it.
abis=(arm64-v8a armeabi-v7a x86_64)
rust_targets=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)

target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$root/$target_dir" ;;
esac

die() { echo "build-jni.sh: $*" >&2; exit 1; }

command -v cargo >/dev/null 2>&1 || die "cargo is missing: install Rust from https://rustup.rs"
command -v rustup >/dev/null 2>&1 || die "rustup is missing: the Android targets are added with it"
cargo ndk --version >/dev/null 2>&1 || die "cargo-ndk is missing: run 'cargo install cargo-ndk'"
if [ -z "${ANDROID_NDK_HOME:-}" ] && [ ! -d "${ANDROID_HOME:-/nonexistent}/ndk" ]; then
  die "no Android NDK found: install it with Android Studio's SDK Manager (SDK Tools > NDK) and set ANDROID_HOME, or set ANDROID_NDK_HOME"
fi

installed="$(rustup target list --installed)"
for target in "${rust_targets[@]}"; do
  if ! grep -qx "$target" <<<"$installed"; then
    echo "build-jni.sh: adding the Rust target $target" >&2
    rustup target add "$target"
  fi
done

ndk_targets=()
for abi in "${abis[@]}"; do ndk_targets+=(-t "$abi"); done

echo "build-jni.sh: building rapport-ffi (release) for ${abis[*]}, API $api" >&2
rm -rf "$jni_libs"
(cd "$root" && cargo ndk "${ndk_targets[@]}" --platform "$api" -o "$jni_libs" \
  build --release -p rapport-ffi --lib)

for abi in "${abis[@]}"; do
  [ -f "$jni_libs/$abi/librapport_ffi.so" ] || die "expected $jni_libs/$abi/librapport_ffi.so after the build"
done

echo "build-jni.sh: building uniffi-bindgen for this machine" >&2
(cd "$root" && cargo build --release -p rapport-ffi --features cli --bin uniffi-bindgen)
bindgen="$target_dir/release/uniffi-bindgen"
[ -x "$bindgen" ] || die "expected $bindgen after the build"

# Library mode reads the interface from the library itself; any ABI's copy
# carries the same metadata, so generate from the arm64 one that ships.
source_lib="$target_dir/${rust_targets[0]}/release/librapport_ffi.so"
[ -f "$source_lib" ] || die "expected $source_lib after the build"
rm -rf "$uniffi_out"
mkdir -p "$uniffi_out"
(cd "$root" && "$bindgen" generate --library "$source_lib" --language kotlin \
  --out-dir "$uniffi_out" --no-format)
[ -f "$uniffi_out/uniffi/rapport_ffi/rapport_ffi.kt" ] || die "uniffi-bindgen wrote no Kotlin"

echo "build-jni.sh: done; now build with Gradle (Android Studio, or 'gradle :sample:assembleDebug')" >&2
