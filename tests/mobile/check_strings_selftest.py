"""Proves the strings check (check_strings.py) can fail, on copies of the real files.

1. The unmodified strings pass (a clean baseline for what follows).
2. Each deliberate break, made in a fresh copy, must fail the check, and
   fail it in the check that names the break:
   - a key deleted from the German Android strings;
   - a plural deleted from the German Android strings;
   - `%2$s` dropped from the "many" form of a French Android plural;
   - `%1$d` turned into `%1$s` in a French Android string;
   - the `%1$s` dropped from a Spanish Android string;
   - "not monitored" cut from the German "sent" confirmation;
   - "not monitored" cut from the Spanish "send what was held back?" (Android);
   - an apostrophe without its backslash in the French Android strings;
   - the German value of a key deleted from the iOS catalog;
   - `%lld` turned into `%@` in a Spanish catalog entry;
   - "not monitored" cut from the French "seen" label in the catalog;
   - a Swift view naming a key the catalog lacks;
   - a Swift view showing a hard-coded English literal;
   - a Swift Picker labelled with a hard-coded English literal.
Each prints PASS or FAIL; exits 1 if any failed.

Usage: check_strings_selftest.py REPO_ROOT
"""

import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))

import check_strings  # noqa: E402  (the path is set just above)

COPIED = (
    check_strings.ANDROID_RES,
    check_strings.CORE_TEXTS,
    *check_strings.IOS_SWIFT_DIRS,
    *(relative for relative, _ in check_strings.SHOWS_CORE_STATEMENT),
)


def copy_of(root, into):
    for relative in COPIED:
        source = root / relative
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        elif source.exists():
            shutil.copy2(source, target)
    return into


def run_check(root):
    """(exit status, names of the FAIL lines) of check_strings.py on root."""
    done = subprocess.run(
        [sys.executable, str(HERE / "check_strings.py"), str(root)],
        capture_output=True,
        text=True,
    )
    failed = [line[5:] for line in done.stdout.splitlines() if line.startswith("FAIL ")]
    return done.returncode, failed, done.stdout + done.stderr


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise AssertionError(f"{path}: {old!r} not found, so the break could not be made")
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def edit_catalog(root, change):
    path = root / check_strings.IOS_CATALOG
    catalog = json.loads(path.read_text(encoding="utf-8"))
    change(catalog["strings"])
    path.write_text(json.dumps(catalog, ensure_ascii=False, indent=2), encoding="utf-8")


def android(root, language):
    return root / check_strings.ANDROID_RES / f"values-{language}" / "strings.xml"


def drop_android_key(root):
    path = android(root, "de")
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'\s*<string name="history_empty">.*?</string>', "", text, count=1), encoding="utf-8")


def drop_android_plural(root):
    path = android(root, "de")
    text = path.read_text(encoding="utf-8")
    dropped = re.sub(r'\s*<plurals name="rights_on_phone">.*?</plurals>', "", text, count=1, flags=re.S)
    if dropped == text:
        raise AssertionError("no rights_on_phone plural in German, so the break could not be made")
    path.write_text(dropped, encoding="utf-8")


def first_catalog_key_with(strings, placeholder):
    for key, entry in strings.items():
        if placeholder in entry["localizations"]["en"]["stringUnit"]["value"]:
            return key
    raise AssertionError(f"no catalog key has {placeholder}")


def ios_drop_german(strings):
    del strings["history_empty"]["localizations"]["de"]


def ios_wrong_placeholder(strings):
    unit = strings[first_catalog_key_with(strings, "lld")]["localizations"]["es"]["stringUnit"]
    unit["value"] = unit["value"].replace("lld", "@", 1)


def ios_cut_sentence(strings):
    unit = strings["seen"]["localizations"]["fr"]["stringUnit"]
    unit["value"] = unit["value"].split(".")[0] + "."


def swift_unknown_key(root):
    path = root / check_strings.IOS_SWIFT_DIRS[0] / "HistoryView.swift"
    edit(path, 'Localized.text("history_empty")', 'Localized.text("history_empty_typo")')


def swift_picker_hard_coded(root):
    path = root / check_strings.IOS_SWIFT_DIRS[0] / "RightsView.swift"
    edit(path, 'Picker(Localized.text("crisis_country_picker"),', 'Picker("Country",')


def swift_hard_coded(root):
    path = root / check_strings.IOS_SWIFT_DIRS[0] / "HistoryView.swift"
    edit(path, 'Text(Localized.text("history_empty"))', 'Text("Your check-ins will appear here.")')


BREAKS = (
    ("a key missing in German (Android)", drop_android_key, "android de: every key"),
    ("a plural missing in German (Android)", drop_android_plural, "android de: every key"),
    (
        "%2$s dropped from a French plural's 'many' (Android)",
        lambda r: edit(android(r, "fr"), '<item quantity="many">%1$d retours sur ce téléphone, du %2$s,', '<item quantity="many">%1$d retours sur ce téléphone,'),
        "android fr: the same placeholders",
    ),
    (
        "%1$d turned into %1$s in French (Android)",
        lambda r: edit(android(r, "fr"), "%1$d caractères", "%1$s caractères"),
        "android fr: the same placeholders",
    ),
    (
        "%1$s missing in Spanish (Android)",
        lambda r: edit(android(r, "es"), "%1$s (opcional)", "(opcional)"),
        "android es: the same placeholders",
    ),
    (
        "'not monitored' cut from the German 'sent' (Android)",
        lambda r: edit(android(r, "de"), "Gesendet. Danke. Niemand verfolgt Rückmeldungen in Echtzeit:", "Gesendet. Danke."),
        "android de: 'not monitored'",
    ),
    (
        "'not monitored' cut from the Spanish 'send what was held back?' (Android)",
        lambda r: edit(android(r, "es"), "nunca se envían a su terapeuta. Nadie revisa los registros en tiempo real.", "nunca se envían a su terapeuta."),
        "android es: 'not monitored'",
    ),
    (
        "an unescaped apostrophe in French (Android)",
        lambda r: edit(android(r, "fr"), "Lien d\\'invitation", "Lien d'invitation"),
        "android: apostrophes",
    ),
    ("German missing for a key (iOS)", lambda r: edit_catalog(r, ios_drop_german), "ios de: every key"),
    ("%lld turned into %@ in Spanish (iOS)", lambda r: edit_catalog(r, ios_wrong_placeholder), "ios es: the same placeholders"),
    ("'not monitored' cut from the French 'seen' (iOS)", lambda r: edit_catalog(r, ios_cut_sentence), "ios fr: 'not monitored'"),
    ("Swift names a key the catalog lacks", swift_unknown_key, "ios: every key the Swift code names"),
    ("Swift hard-codes English in a view", swift_hard_coded, "ios: no text hard-coded"),
    ("Swift labels a Picker with hard-coded English", swift_picker_hard_coded, "ios: no text hard-coded"),
)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(argv[1]).resolve()
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        clean = copy_of(root, pathlib.Path(scratch) / "clean")
        status, failures, output = run_check(clean)
        if status == 0 and not failures:
            print("PASS strings check self-test: the unmodified strings pass")
        else:
            failed += 1
            print("FAIL strings check self-test: the unmodified strings do not pass, so the breaks below prove nothing")
            print(output)
        for number, (name, breaks, expected) in enumerate(BREAKS):
            broken = copy_of(root, pathlib.Path(scratch) / f"broken-{number}")
            try:
                breaks(broken)
            except (AssertionError, OSError, KeyError) as error:
                failed += 1
                print(f"FAIL strings check self-test: {name}: {error}")
                continue
            status, failures, output = run_check(broken)
            if status != 0 and any(line.startswith(expected) for line in failures):
                print(f"PASS strings check self-test: {name} fails '{expected}'")
            else:
                failed += 1
                print(f"FAIL strings check self-test: {name} did not fail '{expected}' (exit {status}; failures {failures})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
