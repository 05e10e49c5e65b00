"""Proves the API check (api_check.py) can fail, on copies of the real sources.

1. The unmodified ios/ and android/ trees pass against the generated bindings
   (the same run tests/mobile.sh makes; repeated here so the renames below
   are measured against a clean baseline).
2. An app that calls a method the bindings lack fails: in a copy of the app
   sources, the first call of `recordCheckin` is renamed `recordCheckin2`, in
   Swift and in Kotlin, and the check must name that call.
3. A method renamed in Rust fails: in a copy of the generated Swift and
   Kotlin, `recordCheckin` is renamed `recordCheckinRenamed` (what a rename
   in bindings/src would generate), and the unmodified apps must now fail at
   their calls of the old name.
Each prints PASS or FAIL; exits 1 if any failed.

Usage: api_check_selftest.py GENERATED.swift IOS_DIR GENERATED.kt ANDROID_DIR
"""

import pathlib
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import api_check  # noqa: E402  (the path is set just above)

METHOD = "recordCheckin"


def run(language, generated, root):
    check = api_check.check_swift if language == "Swift" else api_check.check_kotlin
    _, _, checker = check(str(generated), [str(root)])
    return checker.findings


def rename_first_call(root, suffix):
    """Renames the first `.recordCheckin(` call under root; returns (file, line)."""
    for path in api_check.source_files([root], suffix):
        source = path.read_text(encoding="utf-8")
        match = re.search(r"\.%s\(" % METHOD, source)
        if match:
            path.write_text(source[: match.start() + 1] + METHOD + "2" + source[match.end() - 1 :], encoding="utf-8")
            return path, source.count("\n", 0, match.start()) + 1
    return None, None


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("Usage:")[1].strip(), file=sys.stderr)
        return 2
    swift, ios, kotlin, android = map(pathlib.Path, argv)
    cases = [("Swift", swift, ios, ".swift"), ("Kotlin", kotlin, android, ".kt")]
    failed = 0

    def verdict(ok, what):
        nonlocal failed
        print(f"{'PASS' if ok else 'FAIL'} API check self-test: {what}")
        failed += 0 if ok else 1

    with tempfile.TemporaryDirectory(prefix="api-check-selftest-") as scratch:
        scratch = pathlib.Path(scratch)
        for language, generated, root, suffix in cases:
            clean = run(language, generated, root)
            verdict(not clean, f"{language}: the unmodified {root.name}/ passes" + (f" (but: {clean[0]})" if clean else ""))

            copy = scratch / f"{language}-app"
            shutil.copytree(root, copy, ignore=shutil.ignore_patterns("build", ".build", ".gradle"))
            path, line = rename_first_call(copy, suffix)
            if path is None:
                verdict(False, f"{language}: no `.{METHOD}(` call found to rename under {root}")
                continue
            found = [f for f in run(language, generated, copy) if f.path == str(path) and f.line == line]
            where = f"{path.relative_to(copy)}:{line}"
            verdict(
                any(f"{METHOD}2" in f.what for f in found),
                f"{language}: a call renamed to `{METHOD}2` ({where}) is reported"
                + (f" as: {found[0].what}" if found else ", but the check said nothing there"),
            )

            renamed = scratch / f"renamed-{generated.name}"
            source = generated.read_text(encoding="utf-8")
            declaration = r"(func |fun `?)%s\b" % METHOD
            if not re.search(declaration, source):
                verdict(False, f"{language}: no `{METHOD}` declaration in {generated} to rename")
                continue
            renamed.write_text(re.sub(declaration, lambda m: m.group(1) + METHOD + "Renamed", source), encoding="utf-8")
            found = [f for f in run(language, renamed, root) if f"`{METHOD}`" in f.what or f"{METHOD}(" in f.what]
            verdict(
                bool(found),
                f"{language}: with `{METHOD}` renamed in the bindings, the apps' calls of it are reported"
                + (f" ({len(found)}, first {found[0]})" if found else ", but the check said nothing"),
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
