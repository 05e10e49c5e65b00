#!/usr/bin/env bash
# The foreign-language suites of rapport-ffi, from a fresh machine:
#   1. installs what is missing (a Python venv with pytest and tree-sitter-swift,
#      the Kotlin compiler from npm, JNA and kotlinx-coroutines from Debian),
#   2. builds the library with the `test-panic` feature (for the test that a
#      panic crosses the FFI as an exception; release builds lack it) and
#      generates Swift, Kotlin and Python from that very library
#      (bindings/generate.sh),
#   3. runs the Python tests (pytest), the Kotlin tests on the JVM, and the
#      Swift checks (tree-sitter parse of every .swift file, gcc on the header).
# Exits non-zero if anything fails; a suite that runs no tests is a failure.
# Works unattended (CI=true, no stdin). Tools go under target/, nothing global
# but the Debian packages.
#
#   RAPPORT_BINDINGS_OUT   where generated sources go (default target/bindings)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${RAPPORT_BINDINGS_OUT:-$root/target/bindings}"
tools="$root/target/bindings-tools"
mkdir -p "$out" "$tools"

# The fewest tests each suite must run, so a suite that silently collects
# nothing (pytest exits 5 then) or loses most of its tests cannot pass.
MIN_PYTHON_TESTS=10
MIN_KOTLIN_TESTS=10

KOTLIN_COMPILER_VERSION="2.4.20"
DEBIAN_JARS=(jna.jar kotlinx-coroutines-core.jar atomicfu.jar)
DEBIAN_PACKAGES=(libjna-java libkotlinx-coroutines-java libkotlinx-atomicfu-java)

step() { printf '\n== bindings: %s (%ss) ==\n' "$*" "$SECONDS"; }
failures=()
fail() { failures+=("$1"); echo "FAILED: $1" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    echo "need root to run: $*" >&2
    return 1
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q "$@" </dev/null; then
    echo "apt-get install failed; refreshing the package lists once and retrying" >&2
    as_root apt-get update -q </dev/null
    as_root apt-get install -y -q "$@" </dev/null
  fi
}

# ---------------------------------------------------------------- tools
step "tools"
for tool in cargo python3 gcc npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required but not installed" >&2; exit 1; }
done
if ! command -v java >/dev/null 2>&1; then
  echo "java is missing; installing a JRE"
  apt_install default-jre-headless
fi

missing_packages=()
for i in "${!DEBIAN_JARS[@]}"; do
  [ -f "/usr/share/java/${DEBIAN_JARS[$i]}" ] || missing_packages+=("${DEBIAN_PACKAGES[$i]}")
done
if [ "${#missing_packages[@]}" -gt 0 ]; then
  echo "installing ${missing_packages[*]}"
  apt_install "${missing_packages[@]}"
fi

venv="$tools/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
py="$venv/bin/python"
if ! "$py" -c "import pytest, tree_sitter, tree_sitter_swift" 2>/dev/null; then
  "$py" -m pip install --disable-pip-version-check -q \
    "pytest>=8,<10" "tree-sitter>=0.25,<0.27" "tree-sitter-swift>=0.7.4,<0.8" </dev/null
fi

kotlinc="$tools/npm/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -x "$kotlinc" ]; then
  npm install --prefix "$tools/npm" --no-audit --no-fund --loglevel=error \
    "kotlin-compiler@$KOTLIN_COMPILER_VERSION" </dev/null
fi
kotlin_lib="$(dirname "$kotlinc")/../lib"

# ---------------------------------------------------------------- generate
step "build rapport-ffi (with test-panic) and generate Swift, Kotlin and Python"
RAPPORT_FFI_FEATURES=test-panic bash "$root/bindings/generate.sh" "$out"

# ---------------------------------------------------------------- python
step "Python (pytest)"
junit="$out/pytest.xml"
rm -f "$junit"
if PYTHONDONTWRITEBYTECODE=1 RAPPORT_BINDINGS_DIR="$out" RUST_BACKTRACE=0 \
  "$py" -m pytest "$root/tests/python" -q -p no:cacheprovider --junit-xml="$junit" </dev/null; then
  python_count="$("$py" -c "
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
suite = suite if suite.tag == 'testsuite' else suite.find('testsuite')
print(int(suite.get('tests')) - int(suite.get('skipped', 0)))" "$junit")"
  if [ "$python_count" -lt "$MIN_PYTHON_TESTS" ]; then
    fail "Python: only $python_count tests ran (expected at least $MIN_PYTHON_TESTS)"
  fi
else
  fail "Python: pytest exited $? (5 means it found no tests)"
fi

# ---------------------------------------------------------------- kotlin
step "Kotlin on the JVM"
classpath="/usr/share/java/jna.jar:/usr/share/java/kotlinx-coroutines-core.jar:/usr/share/java/atomicfu.jar"
sources=("$out/kotlin/uniffi/rapport_ffi/rapport_ffi.kt" "$root"/tests/kotlin/*.kt)
# Debian's kotlinx-coroutines predates a marker the generated code imports.
if ! "$py" -c "
import sys, zipfile
sys.exit(0 if 'kotlinx/coroutines/DelicateCoroutinesApi.class' in zipfile.ZipFile(sys.argv[1]).namelist() else 1)
" /usr/share/java/kotlinx-coroutines-core.jar; then
  sources+=("$root/tests/kotlin/compat/DelicateCoroutinesApi.kt")
fi
jar="$tools/kotlin-tests.jar"
# kotlinc takes about a minute: reuse the jar when no input changed.
inputs_hash="$(cat "${sources[@]}" | sha256sum | cut -d' ' -f1)-$classpath-$KOTLIN_COMPILER_VERSION"
if [ -f "$jar" ] && [ "$(cat "$jar.inputs" 2>/dev/null)" = "$inputs_hash" ]; then
  echo "kotlin: sources unchanged, reusing $jar"
  kotlin_built=yes
elif "$kotlinc" -nowarn -cp "$classpath" -d "$jar" "${sources[@]}" </dev/null; then
  echo "$inputs_hash" >"$jar.inputs"
  kotlin_built=yes
else
  fail "Kotlin: compilation failed"
  kotlin_built=no
fi
if [ "$kotlin_built" = yes ]; then
  kotlin_log="$out/kotlin-tests.log"
  if RUST_BACKTRACE=0 java -Djna.library.path="$out/lib" \
    -cp "$classpath:$kotlin_lib/kotlin-stdlib.jar:$jar" rapport.tests.RapportTestsKt \
    "$root/tests/vectors/v1.json" </dev/null 2>&1 | tee "$kotlin_log"; then
    last="$(tail -n 1 "$kotlin_log")"
    kotlin_count="$(sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p' <<<"$last")"
    if [ -z "$kotlin_count" ] || [ "$kotlin_count" -lt "$MIN_KOTLIN_TESTS" ]; then
      fail "Kotlin: unexpected summary '$last' (expected at least $MIN_KOTLIN_TESTS passed, 0 failed)"
    fi
  else
    fail "Kotlin: the test runner failed ($(tail -n 1 "$kotlin_log"))"
  fi
fi

# ---------------------------------------------------------------- swift
step "Swift: tree-sitter parse and C header"
if ! "$py" "$root/tests/swift/check_swift.py" "$out/swift" "$root/tests/swift" </dev/null; then
  fail "Swift: parse errors"
fi
# The header is for clang (Xcode); gcc does not know clang's nullability
# qualifiers, so they are defined away. Included twice to check its guard.
header_dir="$out/swift"
if printf '#include "rapport_ffiFFI.h"\n#include "rapport_ffiFFI.h"\nint main(void) { return 0; }\n' |
  gcc -fsyntax-only -std=c11 -Wall -Wextra -Werror -D_Nonnull= -D_Nullable= \
    -I "$header_dir" -x c -; then
  echo "PASS $header_dir/rapport_ffiFFI.h (gcc -fsyntax-only)"
else
  fail "Swift: the C header does not compile"
fi

# ---------------------------------------------------------------- summary
step "summary"
echo "python: ${python_count:-0} tests; kotlin: ${kotlin_count:-0} tests; swift: parse + header checks"
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'bindings: %d suite(s) failed:\n' "${#failures[@]}"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "bindings: all foreign-language suites passed"
