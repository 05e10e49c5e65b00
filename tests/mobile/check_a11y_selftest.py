"""Proves the check-in accessibility check (check_a11y.py) can fail, on copies.

1. The unmodified check-in sources pass (a clean baseline).
2. Each deliberate break, made in a fresh copy, must fail the check that names
   it:
   - a goal rating cell (Android) without its contentDescription;
   - a goal rating cell (Android) asking for 40dp instead of 48dp;
   - a goal's words (Android) capped at one line;
   - a switch (Android) placed above the required items;
   - a goal rating button (iOS) whose only words are a number, its
     accessibilityLabel removed;
   - a goal rating button (iOS) 30pt high;
   - a goal's words (iOS) capped at one line.
Each prints PASS or FAIL; exits 1 if any failed.

Usage: check_a11y_selftest.py REPO_ROOT
"""

import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))

import check_a11y  # noqa: E402  (the path is set just above)

ANDROID = "android/sample/src/main/kotlin/app/rapport/sample/ClientScreens.kt"
IOS = "ios/SampleApp/RapportSample.swiftpm/CheckInView.swift"
COPIED = (*(relative for relative, _ in check_a11y.CHECKIN["android"]), *check_a11y.CHECKIN["ios"])


def copy_of(root, into):
    for relative in COPIED:
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, target)
    return into


def run_check(root):
    """(exit status, names of the FAIL lines, output) of check_a11y.py on root."""
    done = subprocess.run([sys.executable, str(HERE / "check_a11y.py"), str(root)], capture_output=True, text=True)
    failed = [line[5:] for line in done.stdout.splitlines() if line.startswith("FAIL ")]
    return done.returncode, failed, done.stdout + done.stderr


def edit_after(path, anchor, old, new):
    """Replaces the first `old` after `anchor` in the file."""
    text = path.read_text(encoding="utf-8")
    at = text.find(anchor)
    if at < 0 or text.find(old, at) < 0:
        raise AssertionError(f"{path}: {old!r} after {anchor!r} not found, so the break could not be made")
    i = text.find(old, at)
    path.write_text(text[:i] + new + text[i + len(old):], encoding="utf-8")


BREAKS = (
    ("an Android goal rating cell without a contentDescription", "android check-in: every control has a TalkBack label",
     ANDROID, "fun GoalRatingRow(", "contentDescription = description", ""),
    ("an Android goal rating cell of 40dp", "android check-in: every touch target is at least 48dp",
     ANDROID, "fun GoalRatingRow(", "heightIn(min = 48.dp)", "heightIn(min = 40.dp)"),
    ("an Android goal's words capped at one line", "android check-in: text follows the font scale (no fixed heights, no line caps)",
     ANDROID, "fun GoalRatingRow(", "Text(goal.text, ", "Text(goal.text, maxLines = 1, "),
    ("an Android switch above the required items", "android check-in: the required items are the first controls",
     ANDROID, "fun CheckInScreen(", "for (item in state.items) RatingRow",
     'LabelledSwitch(label = "x", description = "x", checked = false, onChange = {})\n        for (item in state.items) RatingRow'),
    ("an iOS goal rating button without its accessibilityLabel", "ios check-in: every control has a VoiceOver label",
     IOS, "struct GoalRatings", '.accessibilityLabel(Localized.format("goal_rating_label", Int(value), top))', ""),
    ("an iOS goal rating button 30pt high", "ios check-in: every touch target is at least 44pt",
     IOS, "struct GoalRatings", "minHeight: 44", "minHeight: 30"),
    ("an iOS goal's words capped at one line", "ios check-in: text follows Dynamic Type (no fixed heights, no line caps, no shrinking)",
     IOS, "struct GoalRatings", "Text(goal.text)", "Text(goal.text).lineLimit(1)"),
)


def main(argv):
    root = pathlib.Path(argv[1]).resolve()
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        base = copy_of(root, pathlib.Path(scratch) / "base")
        status, names, output = run_check(base)
        if status == 0 and not names:
            print("PASS a11y self-test: the unmodified check-in passes")
        else:
            failed += 1
            print("FAIL a11y self-test: the unmodified check-in does not pass, so the breaks prove nothing")
            print(output)
        for n, (what, expected, relative, anchor, old, new) in enumerate(BREAKS):
            copy = copy_of(root, pathlib.Path(scratch) / f"break{n}")
            edit_after(copy / relative, anchor, old, new)
            status, names, output = run_check(copy)
            if status != 0 and any(name.startswith(expected) for name in names):
                print(f"PASS a11y self-test: {what} fails '{expected}'")
            else:
                failed += 1
                print(f"FAIL a11y self-test: {what} did not fail '{expected}'")
                print(output)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
