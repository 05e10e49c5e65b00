"""The therapist's app (`rapport therapist app`) in real headless Chromium.

Playwright drives Debian's Chromium through the demo practice the way a
therapist would, and checks what they see:

  unlock       without the link's secret every page is the lock page (401);
               the link lets this browser in and leaves the address bar;
  today        Today shows the brief of the demo's practice;
  keyboard     Tab reaches the navigation, each focused control shows a
               focus ring, and Enter on "Clients" opens the list;
  discussed    S.L.'s concern is marked discussed from their page;
  script note  a client's note holding <script> is shown as text and runs
               nothing, after "Sync now" brings it in;
  reply        a reply to S.L.'s check-in is saved and sent; S.L.'s own home
               (the CLI) syncs and reads it;
  invite       an invite is made; its QR code, read back from a screenshot
               with zxing-cpp, is the link shown; a new client joins with it
               and "Sync now" pairs them;
  copy         the copy button (the app's one script, allowed by its hash)
               puts the link on the clipboard;
  rule         a flag rule changed in Settings is what the CLI reads back;
  kit          a weak passphrase is refused; a strong one downloads a kit;
  export       the export downloads as JSON with every client;
  hostile      a rebound host name (DNS rebinding, through Chromium's host
               resolver rules) is refused with 421; a form stripped of its
               token is refused with 403; a page of another origin cannot
               post into the app;
  axe          axe-core finds no serious or critical violation on any screen;
  zoom         at 200 % zoom (half the width in CSS pixels) no screen scrolls
               sideways;
  offline      the browser's network log holds no request to any origin but
               the app's (and the deliberately rebound one);
  console      no console error outside the deliberate refusals;
  languages    German, French and Spanish: every screen says its language,
               keeps no English control, fits at 200 % zoom, and passes axe.

Before any of it, the checks that could silently pass are shown to fail:
axe on a page with an unnamed button, the QR reader on a screenshot with no
code, and the network check on a page that loads an outside image.

Screenshots of each screen go to --shots (docs/ in the repository).

Usage:
  check_app.py --chromium BIN --rapport BIN --demo DIR --demo-log FILE --axe AXE_JS --shots DIR
Prints one line per check and `App checks: N passed, M failed`; exits 1 on
any failure.
"""

import argparse
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import zxingcpp
from PIL import Image
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from check_report import Tally  # noqa: E402  (the same tally and output as the report's checks)

THERAPIST_PASSPHRASE = "demo therapist passphrase"
# The demo's fourth story is S.L., who worsens and asks for support.
SL_HOME = "clients/client-4"
SL_PASSPHRASE = "demo client passphrase 4"
# The first story (M.R.) writes the note with markup.
MR_HOME = "clients/client-1"
MR_PASSPHRASE = "demo client passphrase 1"
SCRIPT_NOTE = 'Felt heard <script>window.pwned = 1</script> & "thanks"'
REPLY = "Thank you for telling me. Let's start there on Tuesday <b>together</b>."
REBOUND = "rebind.test"
OTHER_LANGUAGES = ["de", "fr", "es"]
# Words of the app's own controls and headings; none may be left in English
# on a screen in another language.
ENGLISH_CONTROLS = [
    "Sync now", "Settings", "Invite a client", "Create the invite", "Save the rules",
    "Save the reply", "Mark discussed", "Record the session", "End sharing",
    "Download the recovery kit", "Acknowledge every check-in", "Last sync at", "Not synced yet",
    "Day to prepare", "Recovery kit", "Your data",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rapport(binary, home, args, passphrase, **kw):
    env = dict(os.environ, RAPPORT_PASSPHRASE=passphrase, LC_ALL="C.UTF-8")
    env.pop("RAPPORT_KIT_PASSPHRASE", None)
    return subprocess.run(
        [binary, "--home", str(home), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )


def must(result, what):
    if result.returncode != 0:
        sys.exit(f"{what} failed: {result.stderr.strip()}")
    return result.stdout


def wait_for(url, what):
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"{what} did not start")
            time.sleep(0.1)


def serious(violations):
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s), "
        f"first {v['nodes'][0]['target']}"
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]


def axe_violations(page, axe_js):
    # Evaluated through the DevTools protocol, not by the page, so the
    # page's CSP (which forbids every script) does not apply to it.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_js)
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return serious(result["violations"])


def qr_text(png_path):
    found = zxingcpp.read_barcodes(Image.open(png_path))
    return [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode]


def sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def outside_requests(requests, allowed):
    return [u for u in requests if not any(u.startswith(a) for a in allowed)]


def self_test(browser, axe_js, work, tally):
    """Each check that could pass by saying nothing must fail here."""
    context = browser.new_context()
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_content(
        "<!DOCTYPE html><html lang='en'><title>bad</title><main>"
        "<button></button><img src='http://outside.invalid/x.png'>"
        "<input type='text'></main></html>"
    )
    found = axe_violations(page, axe_js)
    tally.record(
        "self-test: axe finds an unnamed button",
        [] if any("button-name" in f for f in found) else [f"axe said {found}"],
    )
    blank = work / "blank.png"
    page.screenshot(path=str(blank))
    tally.record(
        "self-test: no QR code is read from a page without one",
        [] if not qr_text(blank) else ["a code was read from nothing"],
    )
    page.wait_for_timeout(300)
    tally.record(
        "self-test: the network check sees an outside image",
        []
        if outside_requests(requests, ["about:", "data:"])
        else [f"requests seen: {requests}"],
    )
    context.close()


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--rapport", required=True)
    ap.add_argument("--demo", required=True, type=pathlib.Path)
    ap.add_argument("--demo-log", required=True, type=pathlib.Path)
    ap.add_argument("--axe", required=True, type=pathlib.Path)
    ap.add_argument("--shots", required=True, type=pathlib.Path)
    args = ap.parse_args(argv)
    demo = args.demo.resolve()
    axe_js = args.axe.read_text()
    args.shots.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="rapport-app-"))
    tally = Tally()

    # The demo's relay stopped with the demo: start it again on its port,
    # which the homes know it by.
    log = args.demo_log.read_text()
    listen = re.search(r"--listen (127\.0\.0\.1:\d+)", log)
    if not listen:
        sys.exit("the demo's output does not say where its relay listened")
    relay = subprocess.Popen(
        [args.rapport, "relay", "serve", "--db", str(demo / "relay.db"), "--listen", listen[1]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = None
    try:
        wait_for(f"http://{listen[1]}/v1/health", "the relay")
        app, link = start_app(args.rapport, demo, "en")
        origin = link.split("/unlock")[0]
        port = origin.rsplit(":", 1)[1]
        run_checks(args, demo, axe_js, work, tally, link, origin, port)
        stop(app)
        for lang in OTHER_LANGUAGES:
            app, link = start_app(args.rapport, demo, lang)
            check_language(args, axe_js, tally, lang, link)
            stop(app)
        app = None
    finally:
        stop(app)
        stop(relay)
    print(f"App checks: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


def start_app(binary, demo, lang):
    """The app on the demo's therapist home in `lang`, and its link."""
    env = dict(os.environ, RAPPORT_PASSPHRASE=THERAPIST_PASSPHRASE)
    app = subprocess.Popen(
        [binary, "--home", str(demo / "therapist"), "therapist", "app",
         "--no-open", "--port", "0", "--lang", lang],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first = app.stdout.readline().strip()
    link = first.removeprefix("The app is at ")
    if not link.startswith("http://127.0.0.1:"):
        stop(app)
        sys.exit(f"the app printed no link: {first!r}")
    return app, link


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=20)


def check_language(args, axe_js, tally, lang, link):
    """Every screen in `lang`, at 200 % zoom: the page says its language,
    none of the English words of the controls is left, nothing scrolls
    sideways (long German words included), and axe finds nothing serious."""
    origin = link.split("/unlock")[0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=args.chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 640, "height": 900})
        page.goto(link)
        page.goto(origin + "/clients")
        client = page.locator("a[href^='/clients/']").first.get_attribute("href")
        paths = ["/", "/clients", client, "/invite", "/settings"]
        problems = []
        for path in paths:
            page.goto(origin + path)
            if page.get_attribute("html", "lang") != lang:
                problems.append(f"{path}: lang={page.get_attribute('html', 'lang')}")
            text = page.locator("body").inner_text()
            left = [w for w in ENGLISH_CONTROLS if w in text]
            if left:
                problems.append(f"{path}: English left: {left}")
            over = sideways_scroll(page)
            if over > 0:
                problems.append(f"{path}: scrolls {over}px sideways at 200 %")
            problems += [f"{path}: {v}" for v in axe_violations(page, axe_js)]
        browser.close()
    tally.record(f"{lang}: every screen in its language, at 200 %, no serious axe finding", problems)


def run_checks(args, demo, axe_js, work, tally, link, origin, port):
    rebound = f"http://{REBOUND}:{port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=args.chromium,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                # A hostile name that resolves to this computer, as DNS
                # rebinding makes one; nothing else resolves.
                f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        self_test(browser, axe_js, work, tally)

        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        requests, console = [], []
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        page.on("console", lambda m: console.append((m.type, m.text)))
        page.on("pageerror", lambda e: console.append(("pageerror", str(e))))
        shots = {}

        def screen(name):
            path = args.shots / f"app-{name}.png"
            page.screenshot(path=str(path), full_page=True)
            shots[name] = page.url
            tally.record(f"axe: {name}", axe_violations(page, axe_js))

        def notice():
            found = page.locator(".app-notice")
            return found.first.inner_text() if found.count() else ""

        # ---- unlock
        locked = page.goto(origin + "/")
        problems = []
        if locked.status != 401:
            problems.append(f"no cookie: status {locked.status}")
        if "Rapport is locked" not in page.content():
            problems.append("no lock page")
        answer = page.goto(link)
        if answer.status != 200 or "key=" in page.url or not page.url.startswith(origin + "/"):
            problems.append(f"the link: {answer.status} at {page.url}")
        tally.record("unlock: lock page without the link, in with it", problems)

        # ---- today
        problems = []
        brief = page.locator("section.brief")
        if brief.count() != 1:
            problems.append("no brief")
        elif "S.L." not in brief.inner_text():
            problems.append("the brief has no card for S.L.")
        if not page.locator("h2", has_text="Today").count():
            problems.append("no 'Today' heading")
        tally.record("today: the brief of the demo practice", problems)
        screen("today")

        # ---- keyboard
        problems = []
        page.keyboard.press("Tab")
        seen = []
        for _ in range(8):
            focused = page.evaluate(
                "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
                " return {tag: e.tagName, text: e.innerText || e.value || '',"
                " outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0}; })()"
            )
            seen.append(focused["text"].strip())
            if not focused["outline"]:
                problems.append(f"no focus ring on {focused}")
            if focused["text"].strip() == "Clients":
                break
            page.keyboard.press("Tab")
        else:
            problems.append(f"Tab never reached Clients: {seen}")
        if not problems:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            if not page.url.endswith("/clients"):
                problems.append(f"Enter led to {page.url}")
        tally.record("keyboard: Tab to the navigation, focus visible, Enter opens", problems)
        screen("clients")

        # ---- a note with a script, brought in by Sync now
        mr = demo / MR_HOME
        today = time.strftime("%Y-%m-%d")
        must(rapport(args.rapport, mr, ["client", "checkin", "--heard", "4", "--hopeful", "4",
                                        "--note", SCRIPT_NOTE, "--session-date", today],
                     MR_PASSPHRASE), "M.R.'s check-in")
        must(rapport(args.rapport, mr, ["sync"], MR_PASSPHRASE), "M.R.'s sync")
        page.get_by_role("button", name="Sync now").click()
        page.wait_for_load_state()
        problems = []
        if "Synced:" not in notice():
            problems.append(f"after Sync now: {notice()!r}")
        page.get_by_role("link", name="M.R.", exact=True).click()
        page.wait_for_load_state()
        if SCRIPT_NOTE not in page.locator("main").inner_text():
            problems.append("the note is not shown as its text")
        if page.evaluate("typeof window.pwned") != "undefined":
            problems.append("the note's script ran")
        if page.locator("main script").count():
            problems.append("a script element is in the page")
        tally.record("script note: shown as text, runs nothing", problems)

        # ---- S.L.: mark the concern discussed
        page.get_by_role("link", name="Clients", exact=True).click()
        page.get_by_role("link", name="S.L.", exact=True).click()
        page.wait_for_load_state()
        screen("client")
        problems = []
        buttons = page.get_by_role("button", name="Mark discussed")
        before = buttons.count()
        if before == 0:
            problems.append("S.L. has no flag to discuss")
        else:
            described = buttons.first.get_attribute("aria-describedby")
            flag_id = described.removeprefix("flag-") if described else ""
            buttons.first.click()
            page.wait_for_load_state()
            if "Marked discussed" not in notice():
                problems.append(f"notice: {notice()!r}")
            if page.get_by_role("button", name="Mark discussed").count() != before - 1:
                problems.append("the flag is still open on the page")
            flags = json.loads(must(rapport(args.rapport, demo / "therapist",
                                            ["therapist", "flags", "--json", "--all"],
                                            THERAPIST_PASSPHRASE), "flags"))["flags"]
            done = [f for f in flags if f["id"] == flag_id]
            if not done or done[0]["open"] or done[0]["resolution"]["kind"] != "discussed":
                problems.append(f"the CLI does not see flag {flag_id} discussed: {done}")
        tally.record("discussed: S.L.'s concern marked discussed", problems)

        # ---- reply, sync, and S.L. reads it
        problems = []
        page.get_by_label(re.compile("^Reply")).fill(REPLY)
        page.get_by_role("button", name="Save the reply").click()
        page.wait_for_load_state()
        if "Saved your reply" not in notice():
            problems.append(f"notice: {notice()!r}")
        if REPLY not in page.locator("section.reply blockquote").inner_text():
            problems.append("the reply is not shown as text")
        page.get_by_role("button", name="Sync now").click()
        page.wait_for_load_state()
        sl = demo / SL_HOME
        must(rapport(args.rapport, sl, ["sync"], SL_PASSPHRASE), "S.L.'s sync")
        history = json.loads(must(rapport(args.rapport, sl, ["client", "history", "--json"],
                                          SL_PASSPHRASE), "S.L.'s history"))
        replies = [c["reply"]["text"] for c in history["checkins"] if c.get("reply")]
        if REPLY not in replies:
            problems.append(f"S.L. sees no reply: {replies}")
        tally.record("reply: saved, sent, and read by the client", problems)

        # ---- hostile: a form without its token, from the app's own page
        problems = []
        page.evaluate("document.querySelector('form[action=\"/reply\"] input[name=csrf]').remove()")
        with page.expect_navigation() as nav:
            page.get_by_role("button", name="Save the reply").click()
        if nav.value.status != 403 or "Refused" not in page.content():
            problems.append(f"status {nav.value.status}")
        tally.record("hostile: a form without its token is refused (403)", problems)
        page.go_back()

        # ---- invite, QR read back, a client joins
        page.get_by_role("link", name="Invite", exact=True).click()
        page.get_by_label("What you call this client").fill("N.W.")
        page.get_by_label(re.compile("Valid for how many days")).fill("5")
        page.get_by_role("button", name="Create the invite").click()
        page.wait_for_load_state()
        screen("invite")
        problems = []
        shown = page.locator("#invite-link").input_value()
        code_png = work / "qr.png"
        page.locator(".qr").screenshot(path=str(code_png))
        read = qr_text(code_png)
        if read != [shown] or not shown.startswith("rapport:invite/"):
            problems.append(f"read {read!r}, shown {shown[:40]!r}…")
        else:
            new = work / "new-client"
            must(rapport(args.rapport, new, ["client", "join", read[0], "--accept-consent", "2"],
                         "new client passphrase"), "joining with the decoded invite")
            page.get_by_role("button", name="Sync now").click()
            page.wait_for_load_state()
            if "Newly paired: N.W." not in notice():
                problems.append(f"after sync: {notice()!r}")
        tally.record("invite: the QR code on screen is the link, and it pairs", problems)

        # ---- the copy button: the app's one script, allowed by its hash
        problems = []
        page.get_by_role("link", name="Invite", exact=True).click()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        copy = page.get_by_role("button", name="Copy the link")
        if not copy.is_visible():
            problems.append("no copy button: did the CSP block the script?")
        else:
            copy.click()
            page.wait_for_function("document.getElementById('copy-status').textContent !== ''")
            if page.locator("#copy-status").inner_text() != "Copied.":
                problems.append(f"status: {page.locator('#copy-status').inner_text()!r}")
            if page.evaluate("navigator.clipboard.readText()") != shown:
                problems.append("the clipboard does not hold the link")
        tally.record("copy: the link's copy button copies it", problems)

        # ---- settings: a rule, a kit, the export
        page.get_by_role("link", name="Settings", exact=True).click()
        page.wait_for_load_state()
        screen("settings")
        problems = []
        field = page.locator("#rule-drop_by_at_least")
        new_value = "3" if field.input_value() != "3" else "4"
        field.fill(new_value)
        page.get_by_role("button", name="Save the rules").click()
        page.wait_for_load_state()
        if "Rules saved (1 changed)" not in notice():
            problems.append(f"notice: {notice()!r}")
        rules = must(rapport(args.rapport, demo / "therapist", ["therapist", "rules"],
                             THERAPIST_PASSPHRASE), "rules")
        line = next((l for l in rules.splitlines() if l.startswith("drop_by_at_least ")), "")
        if line.split()[1:2] != [new_value]:
            problems.append(f"the CLI reads {line!r}")
        tally.record("rule: changed in Settings, read back by the CLI", problems)

        problems = []
        page.get_by_label("Passphrase for the kit").fill("password123")
        page.get_by_label("The same passphrase again").fill("password123")
        page.get_by_role("button", name="Download the recovery kit").click()
        page.wait_for_load_state()
        if "too easy to guess" not in notice():
            problems.append(f"weak passphrase: {notice()!r}")
        strong = "velvet harbour quietly juggles 74 lanterns"
        page.get_by_label("Passphrase for the kit").fill(strong)
        page.get_by_label("The same passphrase again").fill(strong)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the recovery kit").click()
        kit = pathlib.Path(download.value.path()).read_bytes()
        if not kit.startswith(b"age-encryption.org/v1\n"):
            problems.append("the kit is not an age file")
        if strong.encode() in kit:
            problems.append("the passphrase is in the kit")
        tally.record("kit: weak passphrase refused, strong one downloads a kit", problems)

        problems = []
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the export (JSON)").click()
        export = json.loads(pathlib.Path(download.value.path()).read_text())
        labels = {c["label"] for c in export["clients"]["clients"]}
        if not {"S.L.", "M.R.", "N.W."} <= labels:
            problems.append(f"clients in the export: {sorted(labels)}")
        tally.record("export: a JSON file with every client", problems)

        # ---- zoom: 200 % is half the width in CSS pixels
        problems = []
        page.set_viewport_size({"width": 640, "height": 900})
        for name, url in shots.items():
            page.goto(url)
            over = sideways_scroll(page)
            if over > 0:
                problems.append(f"{name} scrolls {over}px sideways")
        page.set_viewport_size({"width": 1280, "height": 900})
        tally.record("zoom: no screen scrolls sideways at 200 %", problems)

        # ---- console: nothing went wrong before the deliberate refusals
        errors = [c for c in console if c[0] in ("error", "pageerror")
                  and "status of 401" not in c[1] and "status of 403" not in c[1]]
        tally.record("console: no errors", [str(e) for e in errors])

        # ---- hostile: a rebound name, and another origin's form
        problems = []
        rebound_page = context.new_page()
        answer = rebound_page.goto(rebound + "/")
        if answer.status != 421:
            problems.append(f"rebound host: status {answer.status}")
        if "rapport_app" in str(context.cookies(rebound)):
            problems.append("the cookie was given to the rebound name")
        # A page of another origin (the rebound name serves nothing of its
        # own, so a blank page stands in) posts a form into the app: the
        # SameSite=Strict cookie stays behind and the app answers 401.
        other = context.new_page()
        other.goto("about:blank")
        other.set_content(
            f"<form method='post' action='{origin}/settings/rules'>"
            "<input name='drop_by_at_least' value='9'><button>go</button></form>"
        )
        with other.expect_navigation() as nav:
            other.click("button")
        if nav.value.status != 401:
            problems.append(f"another origin's form: status {nav.value.status}")
        rules = must(rapport(args.rapport, demo / "therapist", ["therapist", "rules"],
                             THERAPIST_PASSPHRASE), "rules")
        if re.search(r"^drop_by_at_least\s+9\b", rules, re.M):
            problems.append("another origin changed a rule")
        tally.record("hostile: rebound host refused (421), another origin's form refused (401)",
                     problems)

        # ---- offline: every request went to the app (or the rebound name)
        outside = outside_requests(requests, [origin, rebound, "about:", "data:"])
        tally.record("offline: no request to any other origin", [f"request to {u}" for u in outside])
        context.close()
        browser.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
