"""Swift checks without a Swift compiler: every given .swift file (the
generated bindings and the hand-written samples) must parse with
tree-sitter-swift without ERROR or MISSING nodes.

tree-sitter-swift (0.7.x) does not know two constructs that uniffi generates
and that Swift compilers accept; they are rewritten to equivalent text before
parsing, counted, and listed in KNOWN_GRAMMAR_GAPS. Lines keep their numbers.
Before the files, the checker proves on a broken sample that it does report
errors, so a parser that accepts everything cannot pass it.

Usage: check_swift.py FILE_OR_DIR...   (exits 1 on any error, 2 on no input)
"""

import pathlib
import sys

import tree_sitter
import tree_sitter_swift


# (valid Swift the grammar rejects, equivalent text it accepts)
KNOWN_GRAMMAR_GAPS = [
    # An attribute whose argument is a keyword (`private`).
    (b"@_documentation(visibility: private)", b""),
    # A closure whose body is the empty tuple.
    (b"{ () }", b"{ Void() }"),
]

BROKEN_SAMPLE = b"public func sync(transport: Transport async throws -> SyncReport {\n"


def neutralise_grammar_gaps(source):
    """The source with known grammar gaps rewritten, and how many there were."""
    count = 0
    for valid, accepted in KNOWN_GRAMMAR_GAPS:
        count += source.count(valid)
        source = source.replace(valid, accepted)
    return source, count


def problems(tree, source):
    """Every ERROR or MISSING node, as (line, column, kind, snippet)."""
    found = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            line, column = node.start_point
            snippet = source[node.start_byte:node.end_byte][:60].decode("utf-8", "replace")
            found.append((line + 1, column + 1, "MISSING " + node.type if node.is_missing else "ERROR", snippet))
            continue
        if node.has_error:
            stack.extend(node.children)
    return sorted(found)


def swift_files(args):
    for arg in args:
        path = pathlib.Path(arg)
        if path.is_dir():
            yield from sorted(path.rglob("*.swift"))
        else:
            yield path


def main(args):
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    if not problems(parser.parse(BROKEN_SAMPLE), BROKEN_SAMPLE):
        print("check_swift: the parser accepted broken Swift; the check would prove nothing", file=sys.stderr)
        return 1
    files = list(swift_files(args))
    if not files:
        print("check_swift: no .swift files given", file=sys.stderr)
        return 2
    failed = 0
    for path in files:
        source, gaps = neutralise_grammar_gaps(path.read_bytes())
        found = problems(parser.parse(source), source)
        if found:
            failed += 1
            print(f"FAIL {path}: {len(found)} parse error(s)")
            for line, column, kind, snippet in found[:20]:
                print(f"  {path.name}:{line}:{column}: {kind} near {snippet!r}")
        else:
            lines = source.count(b"\n")
            print(f"PASS {path} ({lines} lines, {gaps} known grammar gaps rewritten)")
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
