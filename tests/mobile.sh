#!/usr/bin/env bash
# The iOS and Android packages, checked as far as a Linux machine without Xcode
# or the Android SDK allows. Run by tests/run.sh right after tests/bindings.sh,
# whose generated Kotlin/Swift and library (target/bindings) it uses:
#   1. every .swift file under ios/ parses with tree-sitter-swift, no error or
#      missing node (no Swift compiler here: syntax only);
#   1b. every use of the generated API in ios/ (and tests/swift's usage sample)
#      and android/ names a type, method, label, field or enum case the freshly
#      generated Swift / Kotlin has (tests/mobile/api_check.py, a tree-sitter
#      walk of both; its docstring gives the rule), and a self-test proves the
#      check fails on a renamed method (tests/mobile/api_check_selftest.py);
#   1c. the apps' strings (Android values-*, the iOS String Catalog) have every
#      key and the same placeholders in en, de, fr and es, and every string
#      where a client could expect a reply says nobody watches in real time
#      (tests/mobile/check_strings.py); its self-test feeds it broken copies
#      and expects each to fail (tests/mobile/check_strings_selftest.py);
#   1d. the check-in screen in both apps labels every control for TalkBack /
#      VoiceOver, asks for 48dp / 44pt targets, lets text grow with the font
#      scale / Dynamic Type, and puts the required items first
#      (tests/mobile/check_a11y.py, static); its self-test breaks copies and
#      expects each break to fail (tests/mobile/check_a11y_selftest.py);
#   2. every shell script under ios/, android/ and tests/ passes `bash -n`
#      and the ShellCheck linter;
#   3. the pure-Kotlin part of the Android library (android/rapport/.../core)
#      compiles with kotlinc against the generated bindings, JNA and coroutines,
#      in two steps: the transport and helpers, then the screen models (which
#      follow the newest API, so an API change shows up there alone);
#   4. two Kotlin runners exercise them on the JVM against the real library and
#      a real relay (`rapport relay serve`): the HTTP client, the shared relay
#      answer table, then pairing, sync and every screen model;
#   5. the Android-only Kotlin (keystore, Compose sample) parses with kotlinc
#      (syntax only: it needs the Android SDK to compile).
# Prints PASS/FAIL per check, each Kotlin runner's own `N passed, M failed`, and
# last `Mobile checks: N passed, M failed` for the checks that are not Kotlin
# tests (so tests/run.sh's closing count sees each check once). Exits non-zero
# on any failure. Installs what is missing the way tests/bindings.sh does.
#
#   RAPPORT_BINDINGS_OUT   generated sources and library (default target/bindings)
#   RAPPORT_BIN            the rapport binary for the relay (default: the debug
#                          build, built here when missing)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${RAPPORT_BINDINGS_OUT:-$root/target/bindings}"
tools="$root/target/bindings-tools"
work="$root/target/mobile"
mkdir -p "$tools" "$work"

# The fewest tests each Kotlin runner must run, so a runner that silently loses
# most of its tests cannot pass.
MIN_TRANSPORT_TESTS=55
MIN_SCREEN_TESTS=29

KOTLIN_COMPILER_VERSION="2.4.20"   # the one tests/bindings.sh installs
DEBIAN_JARS=(jna.jar kotlinx-coroutines-core.jar atomicfu.jar gson.jar)
DEBIAN_PACKAGES=(libjna-java libkotlinx-coroutines-java libkotlinx-atomicfu-java libgoogle-gson-java)

step() { printf '\n== mobile: %s (%ss) ==\n' "$*" "$SECONDS"; }
passed=0
failures=()
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failures+=("$1"); echo "FAIL $1"; }

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
for tool in cargo python3 npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required but not installed" >&2; exit 1; }
done
missing_packages=()
command -v java >/dev/null 2>&1 || missing_packages+=(default-jre-headless)
command -v shellcheck >/dev/null 2>&1 || missing_packages+=(shellcheck)
for i in "${!DEBIAN_JARS[@]}"; do
  [ -f "/usr/share/java/${DEBIAN_JARS[$i]}" ] || missing_packages+=("${DEBIAN_PACKAGES[$i]}")
done
if [ "${#missing_packages[@]}" -gt 0 ]; then
  echo "installing ${missing_packages[*]}"
  apt_install "${missing_packages[@]}"
fi

venv="$tools/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py="$venv/bin/python"
if ! "$py" -c "import tree_sitter, tree_sitter_swift, tree_sitter_kotlin" 2>/dev/null; then
  "$py" -m pip install --disable-pip-version-check -q \
    "tree-sitter>=0.25,<0.27" "tree-sitter-swift>=0.7.4,<0.8" "tree-sitter-kotlin>=1.1,<1.2" </dev/null
fi

kotlinc="$tools/npm/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -x "$kotlinc" ]; then
  npm install --prefix "$tools/npm" --no-audit --no-fund --loglevel=error \
    "kotlin-compiler@$KOTLIN_COMPILER_VERSION" </dev/null
fi
kotlin_stdlib="$(dirname "$kotlinc")/../lib/kotlin-stdlib.jar"

generated_kotlin="$out/kotlin/uniffi/rapport_ffi/rapport_ffi.kt"
generated_swift="$out/swift/rapport_ffi.swift"
if [ ! -f "$generated_kotlin" ] || [ ! -f "$generated_swift" ] || [ ! -f "$out/lib/librapport_ffi.so" ]; then
  echo "no generated bindings in $out: generating them (tests/bindings.sh does this first in a full run)"
  bash "$root/bindings/generate.sh" "$out" >/dev/null
fi

# The relay the Kotlin runners sync through. In a full run `cargo test` has just
# built the debug binary; building it again here with another package selection
# would recompile shared dependencies with other features, so an existing
# binary is used as it is.
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
rapport_bin="${RAPPORT_BIN:-$target_dir/debug/rapport}"
if [ ! -x "$rapport_bin" ]; then
  echo "building the rapport binary for the relay"
  cargo build --quiet -p rapport-cli --bin rapport
fi

# ---------------------------------------------------------------- swift
step "Swift: every file under ios/ parses (tree-sitter-swift)"
swift_log="$work/swift-parse.log"
swift_status=0
"$py" "$root/ios/Tools/check_swift_syntax.py" "$root/ios" >"$swift_log" 2>&1 </dev/null || swift_status=$?
cat "$swift_log"
swift_passed="$(grep -c '^PASS ' "$swift_log" || true)"
swift_failed="$(grep -c '^FAIL ' "$swift_log" || true)"
passed=$((passed + swift_passed))
for _ in $(seq 1 "$swift_failed"); do failures+=("a Swift file does not parse (see above)"); done
if [ "$swift_status" -ne 0 ] && [ "$swift_failed" -eq 0 ]; then
  fail "Swift: the syntax checker itself failed (exit $swift_status)"
fi

# ---------------------------------------------------------------- API check
# Runs a Python checker that prints PASS/FAIL lines ($1 the log, the rest its
# command) and counts them; a checker that fails without a FAIL line fails too.
checker() {
  local log="$1" status=0 found_passed found_failed
  shift
  "$@" >"$log" 2>&1 </dev/null || status=$?
  cat "$log"
  found_passed="$(grep -c '^PASS ' "$log" || true)"
  found_failed="$(grep -c '^FAIL ' "$log" || true)"
  passed=$((passed + found_passed))
  for _ in $(seq 1 "$found_failed"); do failures+=("$(basename "$log" .log): see its FAIL line above"); done
  if [ "$status" -ne 0 ] && [ "$found_failed" -eq 0 ]; then
    fail "$(basename "$log" .log): the checker itself failed (exit $status)"
  fi
}

step "API: ios/ and android/ use only what the generated bindings have"
checker "$work/api-check.log" "$py" "$root/tests/mobile/api_check.py" \
  --swift "$generated_swift" "$root/ios" "$root/tests/swift/ClientUsageSample.swift" \
  --kotlin "$generated_kotlin" "$root/android"
step "API check self-test: a renamed method fails it"
checker "$work/api-check-selftest.log" "$py" "$root/tests/mobile/api_check_selftest.py" \
  "$generated_swift" "$root/ios" "$generated_kotlin" "$root/android"

# ---------------------------------------------------------------- strings
step "strings: every key and placeholder in every language, 'not monitored' where a reply could be expected"
checker "$work/strings-check.log" "$py" "$root/tests/mobile/check_strings.py" "$root"
step "strings check self-test: a missing key, a wrong placeholder, a missing sentence fail it"
checker "$work/strings-check-selftest.log" "$py" "$root/tests/mobile/check_strings_selftest.py" "$root"

# ---------------------------------------------------------------- accessibility
step "accessibility of the check-in: labels, 48dp/44pt targets, text that scales, required items first"
checker "$work/a11y-check.log" "$py" "$root/tests/mobile/check_a11y.py" "$root"
step "accessibility check self-test: a missing label, a small target, a capped line, a control above the required items fail it"
checker "$work/a11y-check-selftest.log" "$py" "$root/tests/mobile/check_a11y_selftest.py" "$root"

# ---------------------------------------------------------------- shell
step "shell scripts: bash -n and shellcheck"
mapfile -t scripts < <(find "$root/ios" "$root/android" "$root/tests" -name '*.sh' -type f -not -path '*/build/*' | sort)
if [ "${#scripts[@]}" -eq 0 ]; then
  fail "no shell scripts found under ios/, android/ and tests/"
fi
for script in "${scripts[@]}"; do
  name="${script#"$root"/}"
  if ! bash -n "$script"; then
    fail "bash -n $name"
  elif ! shellcheck -x -P "$(dirname "$script")" "$script"; then
    fail "shellcheck $name"
  else
    pass "bash -n + shellcheck $name"
  fi
done

# ---------------------------------------------------------------- kotlin
step "Kotlin: the pure part of the Android library on the JVM"
classpath="/usr/share/java/jna.jar:/usr/share/java/kotlinx-coroutines-core.jar:/usr/share/java/atomicfu.jar:/usr/share/java/gson.jar"
core_dir="$root/android/rapport/src/main/kotlin/app/rapport/core"
jvm_tests="$root/android/jvm-tests"

# Compiles jar $1 from the remaining arguments (sources; `--` then extra
# kotlinc flags), unless its inputs are unchanged since the last build: each
# kotlinc run costs about a minute on two cores.
compile() {
  local jar="$1" key="$2"
  shift 2
  if [ -f "$jar" ] && [ "$(cat "$jar.inputs" 2>/dev/null)" = "$key" ]; then
    echo "kotlin: $(basename "$jar") inputs unchanged, reusing it"
    return 0
  fi
  rm -f "$jar" "$jar.inputs"
  if "$kotlinc" "$@" -d "$jar" </dev/null; then
    echo "$key" >"$jar.inputs"
  else
    return 1
  fi
}
hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

bindings_sources=("$generated_kotlin")
# Debian's kotlinx-coroutines predates a marker the generated code imports.
if ! "$py" -c "
import sys, zipfile
sys.exit(0 if 'kotlinx/coroutines/DelicateCoroutinesApi.class' in zipfile.ZipFile(sys.argv[1]).namelist() else 1)
" /usr/share/java/kotlinx-coroutines-core.jar; then
  bindings_sources+=("$root/tests/kotlin/compat/DelicateCoroutinesApi.kt")
fi
bindings_jar="$work/bindings.jar"
bindings_key="$(hash_of "${bindings_sources[@]}")-$classpath-$KOTLIN_COMPILER_VERSION"
core_sources=("$core_dir"/*.kt "$jvm_tests/Harness.kt" "$jvm_tests/TransportTests.kt")
core_jar="$work/core.jar"
core_key="$bindings_key-$(hash_of "${core_sources[@]}")"
screen_sources=("$core_dir"/screens/*.kt "$jvm_tests/ScreenTests.kt" "$jvm_tests/RightsTests.kt")
screens_jar="$work/screens.jar"
screens_key="$core_key-$(hash_of "${screen_sources[@]}")"

core_built=no
screens_built=no
if compile "$bindings_jar" "$bindings_key" -nowarn -cp "$classpath" "${bindings_sources[@]}"; then
  pass "kotlinc: the generated bindings"
  if compile "$core_jar" "$core_key" -cp "$classpath:$bindings_jar" "${core_sources[@]}"; then
    pass "kotlinc: UrlConnectionHttpClient and the pure helpers (app.rapport.core) with their tests"
    core_built=yes
    # The screen models are the same Gradle module as core, so they may use its
    # `internal` members: -Xfriend-paths says so to this separate compilation.
    if compile "$screens_jar" "$screens_key" -cp "$classpath:$bindings_jar:$core_jar" \
      "-Xfriend-paths=$core_jar" "${screen_sources[@]}"; then
      pass "kotlinc: the screen models (app.rapport.core.screens) with their tests"
      screens_built=yes
    else
      fail "kotlinc: the screen models (app.rapport.core.screens) do not compile against the current bindings"
    fi
  else
    fail "kotlinc: app.rapport.core does not compile"
  fi
else
  fail "kotlinc: the generated bindings do not compile"
fi

# Runs one Kotlin runner (main class $1, at least $2 tests) and checks its summary.
run_kotlin() {
  local main="$1" minimum="$2" jars="$3" log last count
  shift 3
  log="$work/${main##*.}.log"
  if RUST_BACKTRACE=0 java -Djna.library.path="$out/lib" -cp "$classpath:$kotlin_stdlib:$jars" \
    "$main" "$rapport_bin" "$@" </dev/null 2>&1 | tee "$log"; then
    last="$(tail -n 1 "$log")"
    count="$(sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p' <<<"$last")"
    # The runner's summary is not repeated here: tests/run.sh counts it once, above.
    if [ -z "$count" ] || [ "$count" -lt "$minimum" ]; then
      fail "Kotlin $main: fewer than $minimum tests ran, or some did not pass (see its summary above)"
    else
      pass "Kotlin $main: $count tests ran (at least $minimum), none failing"
    fi
  else
    fail "Kotlin $main: the runner exited non-zero (see its FAIL lines and summary above)"
  fi
}

if [ "$core_built" = yes ]; then
  step "Kotlin: UrlConnectionHttpClient against a real relay, a scripted server and the answer table"
  run_kotlin app.rapport.jvmtests.TransportTestsKt "$MIN_TRANSPORT_TESTS" "$bindings_jar:$core_jar" \
    "$root/tests/vectors/relay-answers.json"
fi
if [ "$screens_built" = yes ]; then
  step "Kotlin: screen models, pairing and sync over a real relay"
  run_kotlin app.rapport.jvmtests.ScreenTestsKt "$MIN_SCREEN_TESTS" "$bindings_jar:$core_jar:$screens_jar"
fi

# ---------------------------------------------------------------- android-only
# KeystoreSecretStore and the Compose screens need the Android SDK to compile,
# which this machine lacks; kotlinc still parses them, and its syntax errors
# (`error: syntax error: ...`) are told apart from the unresolved Android types.
# A deliberately broken probe file proves the filter catches syntax errors.
step "Kotlin: Android-only sources parse (syntax only: no Android SDK here)"
android_only=("$root"/android/rapport/src/main/kotlin/app/rapport/android/*.kt
  "$root"/android/sample/src/main/kotlin/app/rapport/sample/*.kt)
probe_dir="$work/syntax-probe"
mkdir -p "$probe_dir"
printf 'package probe\nfun broken( {\n' >"$probe_dir/SyntaxProbe.kt"
syntax_log="$work/android-syntax.log"
syntax_key="$(hash_of "${android_only[@]}" "$probe_dir/SyntaxProbe.kt")-$KOTLIN_COMPILER_VERSION"
if [ "$(cat "$syntax_log.inputs" 2>/dev/null)" = "$syntax_key" ]; then
  echo "kotlin: Android-only sources unchanged, reusing the last parse"
else
  # Fails as a compilation (no Android types); only its syntax errors matter.
  "$kotlinc" -d "$probe_dir/out" "${android_only[@]}" "$probe_dir/SyntaxProbe.kt" >"$syntax_log" 2>&1 </dev/null || true
  echo "$syntax_key" >"$syntax_log.inputs"
fi
if ! grep -q "SyntaxProbe.kt:.*error: syntax error:" "$syntax_log"; then
  fail "kotlinc syntax probe: a broken file was not reported, so this check proves nothing"
else
  for source in "${android_only[@]}"; do
    name="${source#"$root"/}"
    if grep -F "$source:" "$syntax_log" | grep -q "error: syntax error:"; then
      grep -F "$source:" "$syntax_log" | grep "error: syntax error:" | head -n 5
      fail "kotlinc parse $name"
    else
      pass "kotlinc parse $name (syntax only)"
    fi
  done
fi

# ---------------------------------------------------------------- summary
step "summary"
echo "Not checked here: type-checking the Swift and the iOS build (no Xcode); type-checking the"
echo "Android-only Kotlin (KeystoreSecretStore, Compose screens) and the Gradle build (no Android SDK)."
echo "Those sources are parsed, and their uses of the generated API checked by name (tests/mobile/api_check.py)."
echo "The Kotlin runners' own summary lines above count their tests; the line below counts the rest."
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'mobile: %d check(s) did not pass:\n' "${#failures[@]}"
  printf '  - %s\n' "${failures[@]}"
fi
echo "Mobile checks: $passed passed, ${#failures[@]} failed"
[ "${#failures[@]}" -eq 0 ]
