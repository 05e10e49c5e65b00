"""Checks the check-in screen's accessibility in both sample apps, statically.

The check-in is the screen a client uses most, often on a bad day, so it must
work with a screen reader, large text and imprecise taps. Without a device or
an emulator this reads the source of that screen (CHECKIN) and checks:

1. labels: every control has words a screen reader can speak --
   Android: each Button/TextButton/OutlinedButton/IconButton/TextField and
   each `.selectable`/`.clickable`/`.toggleable` modifier chain carries a
   `contentDescription` (or, for a button, a `Text` child); each Icon/Image
   says `contentDescription =` (null only where a labelled parent speaks).
   iOS: each Button/Toggle/TextField/Link has its title from `Localized`, a
   `Text(Localized...)`/`Label(Localized...)` label, or an
   `.accessibilityLabel(...)`; each `Image(` has a label or is hidden;
2. targets: every control asks for at least 48dp (Android, `heightIn(min =
   N.dp)` or `size(N.dp)`) or 44pt (iOS, `minHeight: N` in its label's frame or
   its own) -- the platforms' minimum touch targets;
3. text size: nothing fixes a height or caps lines so that larger text is
   clipped or shrunk: no `.height(`, `requiredHeight`, `requiredSize`,
   `maxLines` (Android); no `.frame(height:`, `.lineLimit(1)`,
   `.lineLimit(2)`, `.minimumScaleFactor(`, `.font(.system(size:` (iOS);
4. order: the required items (`RatingRow`) come before every other input on
   the screen, so the two required taps are the first controls a client
   reaches (no goal, note or switch above them).

What it cannot see: real sizes on a real screen (how many points fit a row on
the narrowest phone, where the fold falls at the largest text), what a
screen reader actually says, and contrast. The README's "Accessibility of the
check-in" says what needs a device.

Prints PASS or FAIL per check; exits 1 if any failed.

Usage: check_a11y.py REPO_ROOT
(check_a11y_selftest.py feeds it broken copies and expects failures.)
"""

import pathlib
import re
import sys

ANDROID_MIN_DP = 48
# The check-in has two rating rows, goal ratings, a note, two switches, send
# and "I need support now": fewer controls found means the check lost its way.
MIN_CONTROLS = 6
IOS_MIN_PT = 44

# The check-in screen's source: Android by composable, iOS by file.
CHECKIN = {
    "android": (
        ("android/sample/src/main/kotlin/app/rapport/sample/ClientScreens.kt",
         ("CheckInScreen", "RatingRow", "RatingCell", "GoalRatingRow", "DeliveryText")),
        ("android/sample/src/main/kotlin/app/rapport/sample/CommonUi.kt", ("LabelledSwitch",)),
    ),
    "ios": ("ios/SampleApp/RapportSample.swiftpm/CheckInView.swift",),
}
# The composable / view whose order of inputs rule 4 checks, and the inputs.
SCREEN = {"android": "CheckInScreen", "ios": "CheckInView"}
LATER_INPUTS = {
    "android": ("GoalRatingRow(", "OutlinedTextField(", "LabelledSwitch(", "Button("),
    "ios": ("GoalRatings(", "NoteField(", "Toggle(", "SendButton("),
}


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
        else:
            print(f"PASS {name}")


def skip_string(text, i):
    """The index just past the string literal starting at text[i] (a quote)."""
    if text.startswith('"""', i):
        end = text.find('"""', i + 3)
        return len(text) if end < 0 else end + 3
    i += 1
    while i < len(text) and text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def matching(text, i):
    """The index just past the bracket that closes the one at text[i]."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack = [pairs[text[i]]]
    i += 1
    while i < len(text) and stack:
        c = text[i]
        if c == '"':
            i = skip_string(text, i)
            continue
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
        i += 1
    return i


def line_of(text, i):
    return text.count("\n", 0, i) + 1


def strip_comments(text):
    """The text with // and /* */ comments blanked (strings kept), same length."""
    out = list(text)
    i = 0
    while i < len(text):
        if text[i] == '"':
            i = skip_string(text, i)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i)
            end = len(text) if end < 0 else end + 2
            out[i:end] = [c if c == "\n" else " " for c in text[i:end]]
            i = end
        else:
            i += 1
    return "".join(out)


def kotlin_function(text, name):
    """(start, body) of `fun name(...)`'s body, or None."""
    match = re.search(rf"\bfun {name}\(", text)
    if not match:
        return None
    after_params = matching(text, match.end() - 1)
    brace = text.find("{", after_params)
    return brace, text[brace:matching(text, brace)]


def call_at(text, i):
    """The call starting at text[i] (a name): its arguments and trailing
    closures (`{ ... }` on the same line, then Swift's `label: { ... }`)."""
    end = i + re.match(r"\w+\s*", text[i:]).end()
    if end < len(text) and text[end] == "(":
        end = matching(text, end)
    closure = re.match(r"[ \t]*\{", text[end:])
    if closure:
        end = matching(text, end + closure.end() - 1)
        while True:
            labelled = re.match(r"\s*\w+:\s*\{", text[end:])
            if not labelled:
                break
            end = matching(text, end + labelled.end() - 1)
    return text[i:end], end


def swift_modifiers(text, end):
    """The `.modifier(...)` chain that follows a Swift view expression."""
    start = end
    while True:
        match = re.match(r"\s*\.(\w+)", text[end:])
        if not match:
            return text[start:end]
        end += match.end()
        if end < len(text) and text[end] == "(":
            end = matching(text, end)
        while True:
            closure = re.match(r"[ \t]*\{", text[end:])
            if not closure:
                break
            end = matching(text, end + closure.end() - 1)


def kotlin_chain(text, i):
    """The Modifier chain around index i (inside it): from `Modifier` (or a
    composable's own `modifier` parameter) to its end."""
    start = max(text.rfind("Modifier", 0, i), text.rfind("modifier", 0, i))
    end = i
    depth = 0
    while end < len(text):
        c = text[end]
        if c == '"':
            end = skip_string(text, end)
            continue
        if c in "({[":
            end = matching(text, end)
            continue
        if c in ")}]" or (c == "," and depth == 0):
            break
        end += 1
    return text[start:end]


def min_size(expression, unit):
    """The largest minimum size the expression asks for, in dp or pt."""
    if unit == "dp":
        found = re.findall(r"(?:heightIn\(min\s*=\s*|\.size\(|defaultMinSize\(minHeight\s*=\s*)(\d+)\.dp", expression)
        if "minimumInteractiveComponentSize" in expression:
            found.append(str(ANDROID_MIN_DP))
    else:
        found = re.findall(r"minHeight:\s*(\d+)", expression)
    return max((int(n) for n in found), default=0)


# ---------------------------------------------------------------- Android

ANDROID_CONTROLS = re.compile(
    r"\b(Button|TextButton|OutlinedButton|IconButton|FilledTonalButton|ElevatedButton|OutlinedTextField|TextField|Checkbox|Switch|RadioButton)\("
)
ANDROID_TAP_MODIFIERS = re.compile(r"\.(selectable|clickable|toggleable)\(")
ANDROID_FIXED = re.compile(r"\.height\(|requiredHeight\(|requiredSize\(|\bmaxLines\s*=")


def check_android(root, report):
    labels, targets, text_size, order = [], [], [], []
    controls = 0
    for relative, functions in CHECKIN["android"]:
        path = root / relative
        source = strip_comments(path.read_text(encoding="utf-8"))
        for name in functions:
            found = kotlin_function(source, name)
            if found is None:
                if name in (SCREEN["android"], "RatingRow", "LabelledSwitch"):
                    labels.append(f"{relative}: no `fun {name}(`: the check-in screen moved, update CHECKIN")
                continue
            offset, body = found
            where = lambda i: f"{relative}:{line_of(source, offset + i)} ({name})"  # noqa: E731
            for match in ANDROID_CONTROLS.finditer(body):
                kind = match.group(1)
                call, _ = call_at(body, match.start())
                # A Switch/Checkbox drawn inside a toggleable row is not a target of its own.
                if re.search(r"onCheckedChange\s*=\s*null", call):
                    continue
                controls += 1
                if "contentDescription" not in call and not (kind.endswith("Button") and "Text(" in call) \
                        and not re.search(r"\blabel\s*=", call):
                    labels.append(f"{where(match.start())}: {kind} without a contentDescription or text")
                if min_size(call, "dp") < ANDROID_MIN_DP:
                    targets.append(f"{where(match.start())}: {kind} asks for less than {ANDROID_MIN_DP}dp (heightIn(min = ...))")
            for match in ANDROID_TAP_MODIFIERS.finditer(body):
                controls += 1
                chain = kotlin_chain(body, match.start())
                if "contentDescription" not in chain:
                    labels.append(f"{where(match.start())}: .{match.group(1)} without a contentDescription in its semantics")
                if min_size(chain, "dp") < ANDROID_MIN_DP:
                    targets.append(f"{where(match.start())}: .{match.group(1)} target under {ANDROID_MIN_DP}dp")
            for match in re.finditer(r"\b(Icon|Image)\(", body):
                call, _ = call_at(body, match.start())
                if "contentDescription" not in call:
                    labels.append(f"{where(match.start())}: {match.group(1)} without contentDescription")
            for match in ANDROID_FIXED.finditer(body):
                text_size.append(f"{where(match.start())}: `{match.group(0)}` can clip text at a large font scale")
            if name == SCREEN["android"]:
                order += input_order(body, "RatingRow(", LATER_INPUTS["android"], where)
    if controls < MIN_CONTROLS:
        labels.append(f"only {controls} controls found (at least {MIN_CONTROLS} expected): the check reads the wrong code")
    report.check(f"android check-in: every control has a TalkBack label ({controls} controls)", labels)
    report.check(f"android check-in: every touch target is at least {ANDROID_MIN_DP}dp", targets)
    report.check("android check-in: text follows the font scale (no fixed heights, no line caps)", text_size)
    report.check("android check-in: the required items are the first controls", order)


def input_order(body, first, later, where):
    start = body.find(first)
    if start < 0:
        return [f"{where(0)}: `{first}` not found: the required items are not on the screen"]
    return [
        f"{where(i)}: `{name}` comes before the required items"
        for name in later
        for i in [body.find(name)]
        if 0 <= i < start
    ]


# ---------------------------------------------------------------- iOS

IOS_CONTROLS = re.compile(r"(?<![\w.])(Button|Toggle|TextField|SecureField|Link|Stepper|Picker)\s*[({]")
IOS_FIXED = re.compile(
    r"\.frame\((?:width:\s*[^,)]+,\s*)?height:|\.lineLimit\([12]\)|\.minimumScaleFactor\(|\.font\(\.system\(size:"
)
IOS_SPOKEN = re.compile(r"(?:Text|Label)\(\s*Localized\.|\.accessibilityLabel\(")


def check_ios(root, report):
    labels, targets, text_size, order = [], [], [], []
    controls = 0
    for relative in CHECKIN["ios"]:
        source = strip_comments((root / relative).read_text(encoding="utf-8"))
        where = lambda i: f"{relative}:{line_of(source, i)}"  # noqa: E731
        for match in IOS_CONTROLS.finditer(source):
            kind = match.group(1)
            controls += 1
            call, end = call_at(source, match.start())
            modifiers = swift_modifiers(source, end)
            whole = call + modifiers
            titled = re.match(rf"{kind}\s*\(\s*Localized\.", call) is not None
            if not titled and not IOS_SPOKEN.search(whole):
                labels.append(f"{where(match.start())}: {kind} with no spoken words (Localized title, Text/Label(Localized...) or .accessibilityLabel)")
            if min_size(whole, "pt") < IOS_MIN_PT:
                targets.append(f"{where(match.start())}: {kind} asks for less than {IOS_MIN_PT}pt (minHeight:)")
        for match in re.finditer(r"(?<![\w.])Image\(", source):
            call, end = call_at(source, match.start())
            modifiers = swift_modifiers(source, end)
            if ".accessibilityLabel(" not in modifiers and ".accessibilityHidden(true)" not in modifiers:
                labels.append(f"{where(match.start())}: Image without .accessibilityLabel or .accessibilityHidden(true)")
        for match in IOS_FIXED.finditer(source):
            text_size.append(f"{where(match.start())}: `{match.group(0)}` can clip or shrink text at a large Dynamic Type size")
        screen = re.search(rf"struct {SCREEN['ios']}\b[^{{]*\{{", source)
        if screen is None:
            order.append(f"{relative}: no `struct {SCREEN['ios']}`: the check-in screen moved, update CHECKIN")
        else:
            body = source[screen.end() - 1:matching(source, screen.end() - 1)]
            order += input_order(body, "RatingRow(", LATER_INPUTS["ios"], lambda i: where(screen.end() + i))
    if controls < MIN_CONTROLS:
        labels.append(f"only {controls} controls found (at least {MIN_CONTROLS} expected): the check reads the wrong code")
    report.check(f"ios check-in: every control has a VoiceOver label ({controls} controls)", labels)
    report.check(f"ios check-in: every touch target is at least {IOS_MIN_PT}pt", targets)
    report.check("ios check-in: text follows Dynamic Type (no fixed heights, no line caps, no shrinking)", text_size)
    report.check("ios check-in: the required items are the first controls", order)


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    root = pathlib.Path(argv[1])
    report = Report()
    check_android(root, report)
    check_ios(root, report)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
