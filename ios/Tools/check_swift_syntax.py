"""Syntax check for the hand-written Swift of the iOS package and sample app,
on a machine without a Swift compiler: every given .swift file must parse with
tree-sitter-swift with no ERROR or MISSING node.

It reuses the bindings' checker (tests/swift/check_swift.py: the parser set-up,
the node walk and the list of known grammar gaps) so both agree on what "parses"
means, and proves on a broken sample first that the parser reports errors at
all. It prints one PASS or FAIL line per file and, last, a count that is not a
test summary (tests/mobile.sh counts the PASS/FAIL lines itself).

Usage: check_swift_syntax.py FILE_OR_DIR...   (exits 1 on any error, 2 on no input)
"""

import pathlib
import sys

# Import the bindings' checker without leaving a __pycache__ in tests/swift.
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "swift"))

import check_swift  # noqa: E402  (the path is set just above)


def main(args):
    parser = check_swift.tree_sitter.Parser(
        check_swift.tree_sitter.Language(check_swift.tree_sitter_swift.language())
    )
    broken = check_swift.BROKEN_SAMPLE
    if not check_swift.problems(parser.parse(broken), broken):
        print("check_swift_syntax: the parser accepted broken Swift; the check would prove nothing", file=sys.stderr)
        return 1
    files = list(check_swift.swift_files(args))
    if not files:
        print("check_swift_syntax: no .swift files given", file=sys.stderr)
        return 2
    bad = 0
    for path in files:
        source, gaps = check_swift.neutralise_grammar_gaps(path.read_bytes())
        found = check_swift.problems(parser.parse(source), source)
        if found:
            bad += 1
            print(f"FAIL swift parse {path}: {len(found)} parse error(s)")
            for line, column, kind, snippet in found[:20]:
                print(f"  {path.name}:{line}:{column}: {kind} near {snippet!r}")
        else:
            lines = source.count(b"\n")
            note = f", {gaps} known grammar gaps rewritten" if gaps else ""
            print(f"PASS swift parse {path} ({lines} lines{note})")
    print(f"swift: {len(files) - bad} of {len(files)} file(s) parse cleanly")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
