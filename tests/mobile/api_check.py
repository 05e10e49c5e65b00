"""Does the app code still call the Rapport API that was just generated?

No Swift compiler and no Android SDK here, so the iOS and Android sources are
never type-checked on this machine. This check catches the commonest way they
break: the Rust API changes (a method, field, label or case renamed or
removed) and an app still calls the old name. It parses the freshly generated
bindings and the app sources with tree-sitter and compares them.

The rule: a *use of the generated API* is
  1. a type name: a Swift type annotation, cast or inheritance, or a Kotlin
     `import uniffi.rapport_ffi.X`, or a qualified name whose head is a
     generated type (`RapportException.Network`, `Membership.Active`);
  2. a member `x.name` where `x` is a generated type itself (`Role.client`,
     `ClientApp.openWithPassphrase`, `Trend.IMPROVING`): `name` must be one of
     its static functions, enum cases or nested types;
  3. a member `x.name` where the value `x` has a generated type, followed
     through declarations and the expressions below: `name` must be one of
     its fields or methods (or those of its generated supertypes), a member
     every value has (`hashValue`, `toString`, `copy`, `let`...), or a member
     the app itself adds to that type in an extension;
  4. a call of a generated initializer, method, static function, enum case or
     top-level function: its argument labels (Swift) or argument names
     (Kotlin) must fit one of the generated signatures, defaults allowed;
  5. an enum case written without its type (Swift `.shared`) where the type is
     known: passed to a generated parameter, compared with `==` / `!=`,
     assigned, or matched in `switch` / `if case` on a generated enum, with
     the labels and count of its associated values;
  6. an app type adopting a generated protocol / interface (the foreign
     traits the app implements): it must declare every requirement (Swift:
     with the same argument labels).
In Swift, where a generated name needs no import, a renamed type or top-level
function leaves its old name declared nowhere, so a type name or an
unqualified call that neither the app nor the bindings declare is reported
too, unless it is a known Apple / Swift name (the lists in swift_api.py, the
one thing to extend by hand, as the failure says). In Kotlin the
`import uniffi.rapport_ffi.X` lines play that part.
A value's type is known when it comes from a declaration (`let x: CheckIn`,
`val x: CheckIn`, parameters, the app's own stored properties), from a
generated call or field (`client.recordCheckin(...)`, `outcome.safety`), from
`as?` / `as`, `if let` / `guard let` / `?.let`, `for ... in` over a list of a
generated type, closure parameters of the standard collection functions
(`map`, `filter`, `first(where:)`, `ForEach`...), `switch`/`when` patterns and
Kotlin smart casts in `when (x) { is T -> ... }`. Anything else has an
unknown type, and nothing is checked through an unknown type: names of the
app's own types and of the standard libraries are never looked up in the
bindings, so they cannot be reported as missing. The price is that a use the
walk cannot follow is not checked; the counts printed show how many uses were.

Usage:
  api_check.py --swift GENERATED.swift DIR... [--kotlin GENERATED.kt DIR...]
Prints one PASS or FAIL line per language (and every finding, as
path:line:column: what), and exits 1 if anything is missing, 2 on bad input.
"""

import pathlib
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import kotlin_api  # noqa: E402  (the path is set just above)
import kotlin_check  # noqa: E402
import swift_api  # noqa: E402
import swift_check  # noqa: E402


def source_files(roots, suffix):
    files = []
    for root in roots:
        root = pathlib.Path(root)
        if root.is_file():
            files.append(root)
        else:
            files.extend(
                p
                for p in sorted(root.rglob(f"*{suffix}"))
                if not any(part in ("build", ".build", "Generated") for part in p.parts)
            )
    return files


def check_swift(generated, roots):
    """Findings and the number of uses checked, for Swift sources under roots."""
    api = swift_api.read_api(pathlib.Path(generated).read_bytes())
    checker = swift_check.SwiftChecker(api)
    trees = []
    for path in source_files(roots, ".swift"):
        if path.name == "Package.swift":
            continue
        _, tree = swift_api.parse_source(path.read_bytes())
        trees.append((path, tree))
    for _, tree in trees:
        checker.declare_names(tree)
    for _, tree in trees:
        checker.declare_members(tree)
    for path, tree in trees:
        checker.check_file(str(path), tree)
    return api, trees, checker


def check_kotlin(generated, roots):
    """Findings and the number of uses checked, for Kotlin sources under roots."""
    api = kotlin_api.read_api(pathlib.Path(generated).read_bytes())
    checker = kotlin_check.KotlinChecker(api)
    trees = [(path, kotlin_api.parse_source(path.read_bytes())) for path in source_files(roots, ".kt")]
    for _, tree in trees:
        checker.declare(tree)
    for path, tree in trees:
        checker.check_file(str(path), tree)
    return api, trees, checker


def summarise(language, generated, api, trees, checker):
    if not api.types or not trees:
        print(
            f"FAIL {language} API check: nothing to compare ({len(api.types)} generated types "
            f"in {generated}, {len(trees)} app files)"
        )
        return False
    for finding in checker.findings:
        print(f"  {finding}")
    counts = f"{checker.checked} uses in {len(trees)} files against {len(api.types)} generated types"
    if checker.findings:
        print(f"FAIL {language} API check: {len(checker.findings)} use(s) of names {generated} lacks ({counts})")
        return False
    print(f"PASS {language} API check: every use names something {pathlib.Path(generated).name} has ({counts})")
    return True


def main(argv):
    groups, current = {}, None
    for arg in argv:
        if arg in ("--swift", "--kotlin"):
            current = arg[2:]
            groups[current] = []
        elif current is None:
            print(__doc__.split("Usage:")[1].strip(), file=sys.stderr)
            return 2
        else:
            groups[current].append(arg)
    if not groups or any(len(args) < 2 for args in groups.values()):
        print("api_check: give --swift and/or --kotlin, each with the generated file and app dirs", file=sys.stderr)
        return 2
    ok = True
    if "swift" in groups:
        generated, *roots = groups["swift"]
        ok &= summarise("Swift", generated, *check_swift(generated, roots))
    if "kotlin" in groups:
        generated, *roots = groups["kotlin"]
        ok &= summarise("Kotlin", generated, *check_kotlin(generated, roots))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
