"""Checks the apps' own words in every language Rapport speaks.

For Android (values/strings.xml and values-LANG/strings.xml) and for iOS (the
String Catalog, Localizable.xcstrings), each language in LANGUAGES must have:

1. every key English has, and no key English lacks (Android: strings and
   plurals alike);
2. the same placeholders as English in each string, compared as a multiset of
   (position, conversion) -- `%1$s` against `%1$d`, or a `%s` that went
   missing, fails; iOS `%@`/`%lld` likewise. Each quantity of an Android
   plural (a language has its own: French adds "many") has the placeholders
   of English's "other", and every plural has an "other";
3. (Android) no apostrophe or double quote without its backslash, which the
   Android resource compiler rejects;
4. "not monitored": every string shown where a client could expect a reply
   (REPLY_PLACES) carries, in its own language, the sentence
   core/resources/checkin-texts.v1.json has as not_monitored -- the library's
   wording, word for word, so the apps and core cannot drift apart. The
   crisis sheet shows the library's own statement (SHOWS_CORE_STATEMENT
   lists where the source must render it);
5. (iOS) every key the Swift code names (`Localized.text("key")`,
   `Localized.format("key", ...)`) is in the catalog, every catalog entry is
   marked translated, and no SwiftUI Text, Button, Toggle, Label, TextField,
   Section, navigationTitle or accessibility label/hint/value is given a
   string literal, nor is a Picker (hard-coded words, or a key SwiftUI would
   look up in the main bundle instead of the catalog's).

Prints PASS or FAIL per check; exits 1 if any failed.

Usage: check_strings.py REPO_ROOT
(check_strings_selftest.py feeds it broken copies and expects failures.)
"""

import json
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

LANGUAGES = ("de", "fr", "es")

ANDROID_RES = "android/sample/src/main/res"
IOS_CATALOG = "ios/SampleApp/RapportSample.swiftpm/Localizable.xcstrings"
IOS_SWIFT_DIRS = ("ios/SampleApp/RapportSample.swiftpm", "ios/Sources/Rapport")
CORE_TEXTS = "core/resources/checkin-texts.v1.json"

# The strings a client reads where a reply could be expected: the "tell my
# therapist I asked for support" switch (label and spoken description), the
# "sent" confirmation, "seen by your therapist", and the two confirmations of
# resuming sharing (check-ins flow again, held-back ones too if chosen).
REPLY_PLACES = {
    "android": (
        "tell_therapist_support",
        "tell_therapist_support_description",
        "delivery_sent",
        "seen",
        "confirm_resume_body",
        "resume_question_body",
    ),
    "ios": (
        "tell_therapist_support",
        "tell_therapist_support_hint",
        "delivery_sent",
        "seen",
        "confirm_resume_body",
        "resume_question_body",
    ),
}

# The crisis sheet shows the library's statement ("... not a crisis service:
# neither the app nor your therapist watches your check-ins in real time")
# in the client's language; these sources must render it.
SHOWS_CORE_STATEMENT = (
    ("android/sample/src/main/kotlin/app/rapport/sample/CrisisResourcesSheet.kt", "sheet.notMonitored"),
    ("ios/SampleApp/RapportSample.swiftpm/CrisisSheetView.swift", "sheet.notMonitored"),
)

# Java/Android format specifiers, and Apple's (%@, %lld, %1$@ ...).
PLACEHOLDER = re.compile(r"%(?:(\d+)\$)?[-#+ 0,(]*\d*(?:\.\d+)?(@|ll[du]|l[du]|[a-zA-Z%])")

# Swift names a key as the first argument of Localized.text / Localized.format
# (a literal, or both branches of a `?:`).
SWIFT_KEY_USE = re.compile(r"Localized\.(?:text|format)\(([^,)]*)")
SWIFT_LITERAL = re.compile(r'"([^"\\]*)"')
# A SwiftUI view or modifier given a string literal shows it as it is (or looks
# it up in the main bundle, where the catalog is not): words a person sees
# must go through Localized instead. Text(verbatim:) is for text that is not
# words of the app's own (a date, a note, a bullet).
SWIFT_HARD_CODED = re.compile(
    r'(?:\b(?:Text|Button|Toggle|Label|TextField|Section|Picker)|\.(?:navigationTitle|accessibilityLabel|accessibilityHint|accessibilityValue))\(\s*"([^"]*)"'
)


class Report:
    """Collects PASS/FAIL lines."""

    def __init__(self):
        self.failed = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for problem in problems[:20]:
                print(f"  - {problem}")
            if len(problems) > 20:
                print(f"  - ... and {len(problems) - 20} more")
        else:
            print(f"PASS {name}")


def placeholders(text):
    """The placeholders of a string as a sorted list; `%%` is a literal, not one."""
    found = []
    implicit = 0
    for match in PLACEHOLDER.finditer(text):
        position, conversion = match.group(1), match.group(2)
        if conversion == "%":
            continue
        if position is None:
            implicit += 1
            position = str(implicit)
        found.append((int(position), conversion))
    return sorted(found)


def android_unescape(text):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def read_android(path):
    """key -> raw text (escapes kept) of one strings.xml."""
    root = ET.parse(path).getroot()
    strings = {}
    for element in root.iter("string"):
        if element.get("translatable") == "false":
            continue
        strings[element.get("name")] = "".join(element.itertext())
    return strings


def read_android_plurals(path):
    """name -> {quantity: raw text (escapes kept)} of one strings.xml."""
    root = ET.parse(path).getroot()
    plurals = {}
    for element in root.iter("plurals"):
        if element.get("translatable") == "false":
            continue
        plurals[element.get("name")] = {item.get("quantity"): "".join(item.itertext()) for item in element.iter("item")}
    return plurals


def sentence_words(sentence):
    """The sentence without its closing full stop, so a text may go on after it."""
    return sentence.strip().rstrip(".")


def core_sentences(root):
    texts = json.loads((root / CORE_TEXTS).read_text(encoding="utf-8"))["texts"]
    return {language: sentence_words(texts[language]["not_monitored"]) for language in ("en",) + LANGUAGES}


def compare(report, platform, english, translations, sentences, english_plurals=None, translated_plurals=None):
    """Checks 1, 2 and 4 for one platform: english and translations are key -> text;
    the plurals (Android) are name -> {quantity: text}, and language -> that."""
    english_plurals = english_plurals or {}
    translated_plurals = translated_plurals or {}
    for language, strings in translations.items():
        if strings is None:
            report.check(f"{platform} {language}: has a translation", [f"no {language} strings found"])
            continue
        plurals = translated_plurals.get(language) or {}
        missing = sorted(set(english) - set(strings)) + sorted(set(english_plurals) - set(plurals))
        extra = sorted(set(strings) - set(english)) + sorted(set(plurals) - set(english_plurals))
        count = f"{len(english)}" + (f" and {len(english_plurals)} plurals" if english_plurals else "")
        report.check(
            f"{platform} {language}: every key English has ({count})",
            [f"missing key {k!r}" for k in missing] + [f"key {k!r} is not in English" for k in extra],
        )
        mismatched = []
        for key, text in english.items():
            if key in strings and placeholders(strings[key]) != placeholders(text):
                mismatched.append(f"{key}: English has {placeholders(text)}, {language} has {placeholders(strings[key])}")
        for name, english_forms in english_plurals.items():
            if name not in plurals:
                continue
            wanted = placeholders(english_forms.get("other", ""))
            if "other" not in plurals[name]:
                mismatched.append(f"{name}: no 'other' quantity in {language}")
            for quantity, text in plurals[name].items():
                if placeholders(text) != wanted:
                    mismatched.append(f"{name} ({quantity}): English 'other' has {wanted}, {language} has {placeholders(text)}")
        report.check(f"{platform} {language}: the same placeholders as English", mismatched)
    for language, strings in {"en": english, **translations}.items():
        if strings is None:
            continue
        sentence = sentences[language]
        lacking = [
            f"{key} lacks {sentence!r}" if key in strings else f"{key} is missing"
            for key in REPLY_PLACES[platform]
            if sentence not in strings.get(key, "")
        ]
        report.check(f"{platform} {language}: 'not monitored' where a reply could be expected", lacking)


def check_android(report, root, sentences):
    res = root / ANDROID_RES
    raw_english = read_android(res / "values" / "strings.xml")
    raw = {lang: read_android(res / f"values-{lang}" / "strings.xml") if (res / f"values-{lang}" / "strings.xml").exists() else None for lang in LANGUAGES}
    english_plurals = read_android_plurals(res / "values" / "strings.xml")
    plurals = {lang: read_android_plurals(res / f"values-{lang}" / "strings.xml") for lang, s in raw.items() if s is not None}
    unescaped = []
    for language, strings in {"en": raw_english, **raw}.items():
        items = dict(strings or {})
        for name, forms in (english_plurals if language == "en" else plurals.get(language, {})).items():
            items.update({f"{name} ({quantity})": text for quantity, text in forms.items()})
        for key, text in items.items():
            if re.search(r"(?<!\\)['\"]", text):
                unescaped.append(f"{language} {key}: an apostrophe or quote without its backslash")
    report.check("android: apostrophes and quotes escaped", unescaped)
    english = {k: android_unescape(v) for k, v in raw_english.items()}
    translations = {lang: None if s is None else {k: android_unescape(v) for k, v in s.items()} for lang, s in raw.items()}
    compare(report, "android", english, translations, sentences, english_plurals, plurals)


def check_ios(report, root, sentences):
    path = root / IOS_CATALOG
    if not path.exists():
        report.check("ios: the String Catalog exists", [f"{IOS_CATALOG} is missing"])
        return
    catalog = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if catalog.get("sourceLanguage") != "en":
        problems.append("sourceLanguage is not en")
    tables = {language: {} for language in ("en",) + LANGUAGES}
    for key, entry in catalog.get("strings", {}).items():
        for language, localization in entry.get("localizations", {}).items():
            unit = localization.get("stringUnit", {})
            if language in tables and unit.get("value"):
                if unit.get("state") != "translated":
                    problems.append(f"{key} ({language}) is not marked translated")
                tables[language][key] = unit["value"]
        if key not in tables["en"]:
            problems.append(f"{key} has no English value")
    report.check("ios: the catalog's source is English and every entry is translated", problems)
    compare(report, "ios", tables["en"], {lang: tables[lang] for lang in LANGUAGES}, sentences)

    unknown = []
    hard_coded = []
    for directory in IOS_SWIFT_DIRS:
        for swift in sorted((root / directory).rglob("*.swift")):
            for number, line in enumerate(swift.read_text(encoding="utf-8").splitlines(), 1):
                if line.lstrip().startswith("//"):
                    continue
                where = f"{swift.relative_to(root)}:{number}"
                for use in SWIFT_KEY_USE.finditer(line):
                    for key in SWIFT_LITERAL.findall(use.group(1)):
                        if key not in tables["en"]:
                            unknown.append(f"{where}: {key!r} is not a catalog key")
                for literal in SWIFT_HARD_CODED.finditer(line):
                    hard_coded.append(f"{where}: {literal.group(1)!r} is shown as it is: use Localized.text")
    report.check("ios: every key the Swift code names is in the catalog", unknown)
    report.check("ios: no text hard-coded in SwiftUI views", hard_coded)


def check_core_statement(report, root):
    problems = []
    for relative, snippet in SHOWS_CORE_STATEMENT:
        path = root / relative
        if not path.exists() or snippet not in path.read_text(encoding="utf-8"):
            problems.append(f"{relative} does not show {snippet}")
    report.check("crisis sheet shows the library's 'not monitored' statement", problems)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(argv[1]).resolve()
    report = Report()
    sentences = core_sentences(root)
    check_android(report, root, sentences)
    check_ios(report, root, sentences)
    check_core_statement(report, root)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
