"""The therapist's HTML report as a browser shows it.

Each report is opened in headless Chromium twice: once to dump the rendered
DOM, once to take a screenshot; both runs keep a network log and Chromium's
console log. The checks:

  screenshot     a real PNG of the window's size and of non-trivial size;
  private        the file is readable by its owner only (it holds notes);
  no scripts     no <script> in the file nor in the rendered DOM;
  offline        no http(s)/ws URL in any attribute or CSS of the file, and no
                 request to one attempted by the page (Chromium's network log);
  console        no console message at all (an uncaught error or a Content
                 Security Policy violation shows up there);
  cards          every client of dashboard.json has one card with its label as
                 the heading;
  charts         every client with two or more check-ins has an svg.chart with
                 a line-heard and a line-hopeful path and a title and desc;
  goals          every goal a client shared is in its card, in the client's
                 words, and each rated one has its own svg.goal-chart (role=img)
                 whose title names the goal and whose desc states the latest
                 rating;
  status         a client no longer sharing has a status badge in words;
  brief          the first element of <main> is the brief (section.brief, "Today"),
                 with a card and an opening line for each active client;
  flags          every open flag's kind, severity, headline, and each reason's
                 rule id and text are in its client's card;
  notes          every client's newest shared note is in its card, as text;
  notice         the not-a-crisis-service statement is on the page;
  structure      one h1, headings never skip a level, a CSP meta element.

Each DOM check is then run again on a broken copy of the same report (a
label, a chart line, a status, a flag reason or rule, the brief, a note removed) and must fail. Before
any report, the same checks run on two deliberately bad pages (an
external image and a script, with and without the CSP) and must fail there, so
a check that cannot fail cannot pass.

Usage:
  check_report.py --chromium BIN --work DIR --report NAME HTML DASHBOARD_JSON PNG [--report ...]
Prints one line per check and `Browser checks: N passed, M failed`; exits 1 on
any failure.
"""

import argparse
import html
import html.parser
import json
import pathlib
import re
import shutil
import struct
import subprocess
import sys

WINDOW = (1280, 2400)
# A blank page of this window compresses to a few kilobytes; a report with
# cards, text and charts is far larger.
MIN_SCREENSHOT_BYTES = 40_000
CHROMIUM_TIMEOUT_S = 90

# Headless, offline and quiet: no sandbox (CI runs as root), no GPU, none of
# Chromium's own background services, and no name ever resolves, so nothing
# can leave the machine even if a page asked for it (the attempt is still in
# the network log, which is what the check reads).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-spell-checking",
    "--disable-features=Translate,OptimizationHints,MediaRouter,SpellCheck",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pings",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=1",
]

NOT_A_CRISIS_SERVICE = "Rapport is not a crisis service"
NOT_REAL_TIME = "not watched in real time"

EXTERNAL_URL = re.compile(r"\b(?:https?|wss?):", re.IGNORECASE)
CONSOLE_LINE = re.compile(r":CONSOLE[(:\]]")

BAD_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>bad</title></head>
<body><main><h1>Bad page</h1><img src="https://example.com/x.png" alt="">
<script>throw new Error("self-test");</script></main></body></html>
"""
BAD_PAGE_WITH_CSP = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>bad</title></head><body><main><h1>Bad page</h1>
<img src="https://example.com/y.png" alt=""><script>document.title = "ran";</script></main></body></html>
"""


# ------------------------------------------------------------------ the DOM


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = {k: (v or "") for k, v in attrs}
        self.parent = parent
        self.children = []

    def classes(self):
        return self.attrs.get("class", "").split()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag=None, cls=None):
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag) and (cls is None or cls in e.classes())
        ]

    def text(self):
        parts = []
        for child in self.children:
            parts.append(child.text() if isinstance(child, Element) else child)
        return "".join(parts)

    def clean_text(self):
        return " ".join(self.text().split())


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class TreeBuilder(html.parser.HTMLParser):
    """A forgiving DOM: enough structure for the checks, from the stdlib parser."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", [], None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(text):
    builder = TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# ------------------------------------------------------------------ Chromium


class Rendering:
    """What Chromium made of one page: the DOM, the console, the requests."""

    def __init__(self, source, console, page_requests, background_requests):
        self.source = source
        self.dom = parse(source)
        self.console = console
        self.page_requests = page_requests
        self.background_requests = background_requests


def run_chromium(chromium, page, work, name, extra):
    work.mkdir(parents=True, exist_ok=True)
    profile = work / f"{name}-profile"
    shutil.rmtree(profile, ignore_errors=True)
    net_log = work / f"{name}-netlog.json"
    net_log.unlink(missing_ok=True)
    command = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--log-net-log={net_log}",
        *extra,
        page.resolve().as_uri(),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, errors="replace", timeout=CHROMIUM_TIMEOUT_S
    )
    shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
    console = [line for line in done.stderr.splitlines() if CONSOLE_LINE.search(line)]
    page_requests, background = requests_in(net_log)
    return done.stdout, console, page_requests, background


def requests_in(net_log):
    """(requests the page made, Chromium's own) to http(s)/ws URLs.

    A request belongs to the page when it has an initiator (a file:// page's is
    "null") or is keyed to the page's site; Chromium's own services (component
    updates, sign-in) say "not an origin" and are keyed elsewhere.
    """
    try:
        log = json.loads(net_log.read_text(errors="replace"))
    except (OSError, ValueError):
        # A log cut short still names every URL; count them all as the page's.
        text = net_log.read_text(errors="replace") if net_log.exists() else ""
        urls = set(re.findall(r'"url":"((?:https?|wss?)://[^"]*)"', text))
        return sorted(urls), []
    page, background = set(), set()
    for event in log.get("events", []):
        params = event.get("params") or {}
        url = params.get("url", "")
        if not EXTERNAL_URL.match(url) or "initiator" not in params:
            continue
        initiator = params.get("initiator", "")
        isolation = params.get("network_isolation_key", "")
        if initiator != "not an origin" or "file://" in isolation:
            page.add(url)
        else:
            background.add(url)
    # Connections opened without a request event (WebSocket, preconnect).
    for event in log.get("events", []):
        url = (event.get("params") or {}).get("url", "")
        if url[:3].lower() in ("ws:", "wss") and url not in background:
            page.add(url)
    return sorted(page), sorted(background)


def render(chromium, page, work, name, screenshot=None):
    dom, console, page_requests, background = run_chromium(
        chromium, page, work, f"{name}-dom", ["--dump-dom"]
    )
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.unlink(missing_ok=True)
        _, console2, page2, background2 = run_chromium(
            chromium,
            page,
            work,
            f"{name}-shot",
            [f"--screenshot={screenshot}", f"--window-size={WINDOW[0]},{WINDOW[1]}"],
        )
        console += console2
        page_requests = sorted(set(page_requests) | set(page2))
        background = sorted(set(background) | set(background2))
    return Rendering(dom, console, page_requests, background)


# ------------------------------------------------------------------ checks
# Each returns a list of problems; empty means the check passed.


def check_screenshot(path):
    if not path.exists():
        return [f"no screenshot at {path}"]
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return [f"{path} is not a PNG"]
    width, height = struct.unpack(">II", data[16:24])
    problems = []
    if (width, height) != WINDOW:
        problems.append(f"screenshot is {width}x{height}, not {WINDOW[0]}x{WINDOW[1]}")
    if len(data) < MIN_SCREENSHOT_BYTES:
        problems.append(f"screenshot is only {len(data)} bytes: a blank page?")
    return problems


def check_private(page):
    mode = page.stat().st_mode & 0o777
    return [] if mode & 0o077 == 0 else [f"{page} has mode {mode:o}, readable by others"]


def check_no_scripts(source, rendering):
    problems = []
    if re.search(r"<script\b", source, re.IGNORECASE):
        problems.append("the file contains <script")
    if rendering.dom.find_all("script"):
        problems.append("the rendered DOM has a script element")
    handlers = [
        f"{e.tag}[{name}]"
        for e in rendering.dom.iter()
        for name in e.attrs
        if name.startswith("on")
    ]
    if handlers:
        problems.append(f"event handler attributes: {handlers[:5]}")
    return problems


def check_offline(source, rendering):
    problems = []
    document = parse(source)
    for e in document.iter():
        for name, value in e.attrs.items():
            if name in ("xmlns", "content") and e.tag in ("svg", "meta"):
                continue
            if EXTERNAL_URL.search(value) and name in (
                "src", "href", "srcset", "action", "data", "poster", "style", "xlink:href", "background",
            ):
                problems.append(f"<{e.tag} {name}={value[:80]!r}>")
    for style in document.find_all("style"):
        if re.search(r"url\(\s*['\"]?(?!data:)", style.text(), re.IGNORECASE) or re.search(
            r"@import", style.text(), re.IGNORECASE
        ):
            problems.append("CSS loads something (url() or @import)")
    for url in rendering.page_requests:
        problems.append(f"the page requested {url[:100]}")
    return problems


def check_console(rendering):
    return [f"console: {line[-200:]}" for line in rendering.console]


def card_of(dom, label):
    return [
        card
        for card in dom.find_all("section", "client-card")
        if any(h.clean_text() == label for h in card.find_all("h2"))
    ]


def check_cards(dom, clients):
    problems = []
    cards = dom.find_all("section", "client-card")
    if len(cards) != len(clients):
        problems.append(f"{len(cards)} cards for {len(clients)} clients")
    for client in clients:
        found = card_of(dom, client["label"])
        if len(found) != 1:
            problems.append(f"{len(found)} cards headed {client['label']!r}")
            continue
        heading = found[0].find_all("h2")[0]
        if found[0].attrs.get("aria-labelledby") != heading.attrs.get("id", "-"):
            problems.append(f"the card of {client['label']!r} is not labelled by its heading")
    return problems


def check_status(dom, clients):
    """A client no longer sharing says so in words; an active one shows no status."""
    problems = []
    for client in clients:
        cards = card_of(dom, client["label"])
        if not cards:
            continue
        badges = [b.clean_text() for b in cards[0].find_all(cls="status")]
        if client.get("status", "active") != "active" and not any(badges):
            problems.append(f"{client['label']!r} is {client['status']} but its card does not say so")
        if client.get("status", "active") == "active" and badges:
            problems.append(f"{client['label']!r} is active but shows {badges}")
    return problems


def check_charts(dom, clients):
    problems = []
    for client in clients:
        if len(client["checkins"]) < 2:
            continue
        label = client["label"]
        cards = card_of(dom, label)
        charts = cards[0].find_all("svg", "chart") if cards else []
        if len(charts) != 1:
            problems.append(f"{label!r}: {len(charts)} svg.chart")
            continue
        chart = charts[0]
        for line in ("line-heard", "line-hopeful"):
            paths = [p for p in chart.find_all("path", line) if p.attrs.get("d", "").strip()]
            if not paths:
                problems.append(f"{label!r}: no path.{line}")
        for tag in ("title", "desc"):
            texts = [t.clean_text() for t in chart.find_all(tag)]
            if not texts or not texts[0]:
                problems.append(f"{label!r}: the chart has no {tag}")
        desc = " ".join(t.clean_text() for t in chart.find_all("desc"))
        latest = client["checkins"][-1]["answers"]
        for item in ("heard", "hopeful"):
            if item in latest and str(latest[item]) not in desc:
                problems.append(f"{label!r}: the desc does not state the latest {item} rating")
        if chart.attrs.get("role") != "img":
            problems.append(f"{label!r}: the chart is not role=img")
    return problems


def check_goals(dom, clients):
    problems = []
    for client in clients:
        goals = client.get("goals") or []
        if not goals:
            continue
        label = client["label"]
        cards = card_of(dom, label)
        if not cards:
            problems.append(f"{label!r}: no card for its goals")
            continue
        headings = [h.clean_text() for h in cards[0].find_all("h4")]
        charts = cards[0].find_all("svg", "goal-chart")
        rated = [g for g in goals if g.get("series")]
        if len(charts) != len(rated):
            problems.append(f"{label!r}: {len(charts)} svg.goal-chart for {len(rated)} rated goals")
        text = " ".join(goal_text(g) for g in goals)
        for goal in goals:
            if not any(goal_text(goal) in h for h in headings):
                problems.append(f"{label!r}: the goal {goal_text(goal)[:40]!r} is not a heading")
        for goal, chart in zip(rated, charts):
            title = " ".join(t.clean_text() for t in chart.find_all("title")[:1])
            desc = " ".join(t.clean_text() for t in chart.find_all("desc"))
            if goal_text(goal) not in title:
                problems.append(f"{label!r}: a goal chart's title does not name {goal_text(goal)[:40]!r}")
            if str(goal["series"][-1]["rating"]) not in desc or not desc:
                problems.append(f"{label!r}: a goal chart's desc does not state the latest rating")
            if chart.attrs.get("role") != "img":
                problems.append(f"{label!r}: a goal chart is not role=img")
        if not text:
            problems.append(f"{label!r}: goals without text")
    return problems


def goal_text(goal):
    return " ".join(goal["text"].split())


def flags_of(client):
    """The client's open flags from dashboard.json (`flags`, each with its reasons)."""
    if "flags" not in client:
        raise KeyError(f"{client.get('label')!r} has no 'flags' in dashboard.json (an old build?)")
    return client["flags"] or []


def reason_text(reason):
    return " ".join((reason.get("text") or reason.get("reason") or "").split())


def check_flags(dom, clients):
    problems = []
    for client in clients:
        flags = flags_of(client)
        cards = card_of(dom, client["label"])
        if not cards:
            if flags:
                problems.append(f"{client['label']!r}: no card for its flags")
            continue
        card = cards[0]
        text = card.clean_text()
        shown = card.find_all("li", "flag")
        # A rule id is shown as such (code.rule), not just somewhere in the text:
        # support_requested is both a rule and a flag kind.
        rules = {c.clean_text() for c in card.find_all("code", "rule")}
        if len(shown) != len(flags):
            problems.append(f"{client['label']!r}: {len(shown)} flags shown for {len(flags)} open")
        for flag in flags:
            if flag["kind"] not in text:
                problems.append(f"{client['label']!r}: flag kind {flag['kind']} missing")
            if flag["severity"] not in text.lower():
                problems.append(f"{client['label']!r}: severity {flag['severity']} not in words")
            if " ".join(flag["headline"].split()) not in text:
                problems.append(f"{client['label']!r}: headline missing: {flag['headline'][:60]}")
            for reason in flag.get("reasons") or []:
                if reason["rule"] not in rules:
                    problems.append(f"{client['label']!r}: reason rule {reason['rule']} missing")
                if reason_text(reason) not in text:
                    problems.append(f"{client['label']!r}: reason missing: {reason_text(reason)[:60]}")
    return problems


def check_brief(dom, clients):
    """The first thing in <main> is the brief, with a card for each active client
    (both set-ups here see every active client today) and an opening line each."""
    problems = []
    mains = dom.find_all("main")
    first = next((c for c in mains[0].children if isinstance(c, Element)), None) if mains else None
    if first is None or first.tag != "section" or "brief" not in first.classes():
        problems.append("the first element of <main> is not section.brief")
        return problems
    headings = first.find_all("h2")
    if not headings or not headings[0].clean_text().startswith("Today"):
        problems.append("the brief has no 'Today' heading")
    cards = first.find_all("article", "brief-card")
    labels = [next(iter(c.find_all("h3")), Element("h3", [], None)).clean_text() for c in cards]
    known = {c["label"] for c in clients}
    for label in labels:
        if label not in known:
            problems.append(f"a brief card for an unknown client: {label!r}")
    for client in clients:
        if client.get("status", "active") == "active" and client["label"] not in labels:
            problems.append(f"{client['label']!r}: no brief card")
    for card, label in zip(cards, labels):
        opening = card.find_all("p", "opening")
        if not opening or len(opening[0].clean_text()) < 15:
            problems.append(f"{label!r}: no opening line in the brief")
        flags = next((flags_of(c) for c in clients if c["label"] == label), [])
        if flags and not any(" ".join(f["headline"].split()) in card.clean_text() for f in flags):
            problems.append(f"{label!r}: the brief does not show a flag's headline")
    if not cards:
        problems.append("the brief has no card")
    return problems


def check_notes(dom, clients):
    problems = []
    for client in clients:
        notes = [c["note"] for c in client["checkins"] if (c.get("note") or "").strip()]
        if not notes:
            continue
        cards = card_of(dom, client["label"])
        quotes = [q.clean_text() for q in cards[0].find_all("blockquote")] if cards else []
        newest = " ".join(notes[-1].split())
        if newest not in quotes:
            problems.append(f"{client['label']!r}: the newest note is not shown as text: {newest[:60]!r}")
    return problems


def check_notice(dom):
    text = dom.clean_text()
    return [
        f"missing: {phrase!r}"
        for phrase in (NOT_A_CRISIS_SERVICE, NOT_REAL_TIME)
        if phrase not in text
    ]


def check_structure(dom, clients):
    problems = []
    if len(dom.find_all("h1")) != 1:
        problems.append(f"{len(dom.find_all('h1'))} h1 elements")
    if not dom.find_all("main") or not dom.find_all("header"):
        problems.append("no <main> or no <header>")
    level = 0
    for e in dom.iter():
        if re.fullmatch(r"h[1-6]", e.tag):
            new = int(e.tag[1])
            if new > level + 1:
                problems.append(f"<{e.tag}> {e.clean_text()[:40]!r} follows h{level}")
            level = new
    csp = [
        m for m in dom.find_all("meta")
        if m.attrs.get("http-equiv", "").lower() == "content-security-policy"
    ]
    if not csp or "default-src 'none'" not in csp[0].attrs.get("content", ""):
        problems.append("no Content-Security-Policy meta with default-src 'none'")
    for table in dom.find_all("table"):
        if any("scope" not in th.attrs for th in table.find_all("th")):
            problems.append("a table header without scope")
    summary = dom.find_all("p", "summary")
    expected = f"{len(clients)} client" if len(clients) == 1 else f"{len(clients)} clients"
    if not summary or not summary[0].clean_text().startswith(expected):
        problems.append(f"the summary line does not start with {expected!r}")
    return problems


# ------------------------------------------------------------------ running


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name, problems):
        if problems:
            self.failed += 1
            print(f"  FAIL  {name}")
            for problem in problems[:12]:
                print(f"          {problem}")
        else:
            self.passed += 1
            print(f"  ok    {name}")


def self_test(chromium, work, tally):
    """The checks must fail on pages that break the rules, or they prove nothing."""
    print("self-test: the checks must catch a bad page")
    cases = [("bad-page", BAD_PAGE), ("bad-page-csp", BAD_PAGE_WITH_CSP)]
    for name, text in cases:
        page = work / f"{name}.html"
        page.write_text(text)
        rendering = render(chromium, page, work, name)
        expectations = [
            ("the no-scripts check fails", check_no_scripts(text, rendering)),
            ("the offline check fails", check_offline(text, rendering)),
            ("the console check fails", check_console(rendering)),
            ("the notice check fails", check_notice(rendering.dom)),
            ("the structure check fails", check_structure(rendering.dom, [{}])),
        ]
        for what, problems in expectations:
            tally.record(f"self-test {name}: {what}", [] if problems else ["the check let it through"])
        if name == "bad-page":
            tally.record(
                f"self-test {name}: the network log shows the page's request",
                [] if "https://example.com/x.png" in rendering.page_requests else ["not seen"],
            )
        else:
            tally.record(
                f"self-test {name}: the console shows the CSP violation",
                [] if any("Content Security Policy" in line for line in rendering.console)
                else ["not seen"],
            )
    shot = work / "blank.png"
    (work / "blank.html").write_text("<!DOCTYPE html><title>blank</title>")
    render(chromium, work / "blank.html", work, "blank", screenshot=shot)
    tally.record(
        "self-test blank page: the screenshot check fails",
        [] if check_screenshot(shot) else ["the check let it through"],
    )


def check_report(chromium, work, name, page, dashboard, screenshot, tally):
    print(f"report {name}: {page}")
    source = page.read_text()
    clients = json.loads(dashboard.read_text())["clients"]
    rendering = render(chromium, page, work, name, screenshot=screenshot)
    dom = rendering.dom
    if rendering.background_requests:
        print(
            f"  note  Chromium's own services tried {len(rendering.background_requests)} "
            "URL(s); none resolved (--host-resolver-rules), and none came from the page"
        )
    tally.record(f"{name}: screenshot is a real PNG ({screenshot})", check_screenshot(screenshot))
    tally.record(f"{name}: the file is readable by its owner only", check_private(page))
    tally.record(f"{name}: no scripts in the file or the DOM", check_no_scripts(source, rendering))
    tally.record(f"{name}: nothing external referenced or requested", check_offline(source, rendering))
    tally.record(f"{name}: no console errors or CSP violations", check_console(rendering))
    tally.record(f"{name}: one card per client ({len(clients)}), headed by its label", check_cards(dom, clients))
    ended = sum(c.get("status", "active") != "active" for c in clients)
    goals = sum(len(c.get("goals") or []) for c in clients)
    tally.record(f"{name}: each shared goal ({goals}) in its client's words, a chart each", check_goals(dom, clients))
    tally.record(f"{name}: a status in words for clients no longer sharing ({ended})", check_status(dom, clients))
    tally.record(f"{name}: charts for clients with 2+ check-ins", check_charts(dom, clients))
    tally.record(f"{name}: the page opens on today's brief ({len(dom.find_all('article', 'brief-card'))} cards)", check_brief(dom, clients))
    flags = sum(len(flags_of(c)) for c in clients)
    reasons = sum(len(f.get("reasons") or []) for c in clients for f in flags_of(c))
    tally.record(f"{name}: every open flag ({flags}) with kind, severity, headline and its {reasons} reasons' rules", check_flags(dom, clients))
    tally.record(f"{name}: the newest shared note of each client, as text", check_notes(dom, clients))
    tally.record(f"{name}: the not-a-crisis-service statement", check_notice(dom))
    tally.record(f"{name}: headings in order, CSP, table scopes, summary", check_structure(dom, clients))
    tally.record(f"{name}: each DOM check fails once this report is broken", check_mutations(rendering, clients, name))


def remove_last(page, text):
    """The rendered DOM (text escaped as Chromium serialises it) without the last
    occurrence of text: the client cards come after the brief, which may quote
    the same words."""
    at = page.rfind(text)
    return page if at < 0 else page[:at] + page[at + len(text):]


def check_mutations(rendering, clients, name=None):
    """The DOM checks must fail on this very report once it is broken."""
    dom = rendering.source
    problems = []

    def must_fail(what, check, broken):
        if broken == dom:
            problems.append(f"could not break the page for: {what}")
        elif not check(parse(broken), clients):
            problems.append(f"not caught: {what}")

    first = clients[0]["label"] if clients else None
    if first:
        escaped = html.escape(first, quote=False)
        must_fail("a card without its label", check_cards, dom.replace(f">{escaped}</h2>", "></h2>", 1))
    if any(len(c["checkins"]) >= 2 for c in clients):
        must_fail("charts without the hopeful line", check_charts, dom.replace('class="line-hopeful"', 'class="line"'))
        must_fail("charts without a desc", check_charts, re.sub(r"<desc[^>]*>[^<]*</desc>", "", dom))
    else:
        problems.append("no client with two check-ins: the chart check would prove nothing")
    if name == "demo" or any(c.get("goals") for c in clients):
        must_fail("goal charts gone", check_goals, dom.replace('class="goal-chart"', 'class="gone"'))
        rated = [g for c in clients for g in c.get("goals") or [] if g.get("series")]
        if rated:
            must_fail("a goal chart without its title", check_goals,
                      re.sub(r'(<svg class="goal-chart"[^>]*>)<title[^>]*>[^<]*</title>', r"\1", dom, count=1))
    if any(c.get("status", "active") != "active" for c in clients):
        must_fail("an ended client without its status", check_status, dom.replace('class="badge status"', 'class="badge"'))
    reasons = [r for c in clients for f in flags_of(c) for r in f.get("reasons") or []]
    if reasons:
        text = reasons[0].get("text") or reasons[0].get("reason")
        must_fail("a flag without its reason", check_flags, remove_last(dom, html.escape(text, quote=False)))
        must_fail("a flag reason without its rule", check_flags,
                  dom.replace(f'<code class="rule">{reasons[0]["rule"]}</code>', "<code></code>"))
    else:
        problems.append("no open flag with a reason: the flag check would prove nothing")
    must_fail("the brief after the cards", check_brief, dom.replace('<section class="brief"', '<section class="later"', 1))
    must_fail("the brief without its opening lines", check_brief, dom.replace('class="opening"', 'class="x"'))
    notes = [c["note"] for client in clients for c in client["checkins"][::-1] if (c.get("note") or "").strip()]
    if notes:
        must_fail("a card without its newest note", check_notes, remove_last(dom, html.escape(notes[0], quote=False)))
    else:
        problems.append("no shared note: the note check would prove nothing")
    return problems


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--work", required=True, type=pathlib.Path)
    parser.add_argument(
        "--report",
        nargs=4,
        action="append",
        required=True,
        metavar=("NAME", "HTML", "DASHBOARD_JSON", "PNG"),
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    try:
        self_test(args.chromium, args.work, tally)
        for name, page, dashboard, screenshot in args.report:
            check_report(
                args.chromium,
                args.work,
                name,
                pathlib.Path(page),
                pathlib.Path(dashboard),
                pathlib.Path(screenshot),
                tally,
            )
    except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
        tally.record("the checker ran to the end", [f"{type(e).__name__}: {e}"])
    print(f"Browser checks: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
