//! `rapport therapist app` through the real binary: a therapist's home with
//! one paired client (who asked for support and wrote markup in a note) is
//! served on a free loopback port, and each test speaks HTTP to it over a
//! plain TCP socket, so it controls every header (Host included) and sees
//! every header of every answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};

mod common;

use common::{BIN, Pair, Relay, json_of, ok, pair};

const NOTE: &str = "<script>alert(1)</script> the session felt rushed";

/// A relay, a therapist and one client who checked in last week asking for
/// support (an urgent flag), both synced.
struct Practice {
    _dir: tempfile::TempDir,
    relay: Relay,
    therapist: PathBuf,
    client: PathBuf,
}

fn practice() -> Practice {
    let dir = tempfile::tempdir().unwrap();
    let Pair {
        relay,
        therapist,
        client,
        ..
    } = pair(dir.path(), "Dr. App", "A.B.");
    ok(&therapist, &["sync"]);
    let last_week = (chrono::Local::now().date_naive() - chrono::Days::new(7)).to_string();
    ok(
        &client,
        &[
            "client",
            "checkin",
            "--heard",
            "2",
            "--hopeful",
            "1",
            "--need-support",
            "--locale",
            "en-GB",
            "--note",
            NOTE,
            "--session-date",
            &last_week,
        ],
    );
    ok(&client, &["sync"]);
    ok(&therapist, &["sync"]);
    Practice {
        _dir: dir,
        relay,
        therapist,
        client,
    }
}

/// The app running on a home; stopped when dropped.
struct App {
    child: Child,
    /// Kept open: the app prints more, and a closed pipe would end it.
    _stdout: BufReader<std::process::ChildStdout>,
    port: u16,
    key: String,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the app on any free port in `lang` and reads its link.
fn start_app(home: &Path, lang: &str) -> App {
    let mut child = Command::new(BIN)
        .arg("--home")
        .arg(home)
        .args([
            "therapist",
            "app",
            "--no-open",
            "--port",
            "0",
            "--lang",
            lang,
        ])
        .env("RAPPORT_PASSPHRASE", "correct horse battery")
        .env("RAPPORT_SCRYPT_WORK_FACTOR", "8")
        .env("RAPPORT_TEST_WEAK_KEYS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("The app is at http://127.0.0.1:")
        .unwrap_or_else(|| panic!("no link printed: {first:?}"));
    let (port, key) = url.split_once("/unlock?key=").unwrap();
    App {
        port: port.parse().unwrap(),
        key: key.to_owned(),
        child,
        _stdout: stdout,
    }
}

/// One HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    /// The body's bytes as sent (before any de-chunking), for downloads.
    bytes: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request as a browser (or an attacker) would send it.
struct Request<'a> {
    method: &'a str,
    path: &'a str,
    host: Option<String>,
    cookie: Option<&'a str>,
    /// One more header line, as `Name: value`.
    extra: Option<&'a str>,
    form: Option<String>,
}

impl<'a> Request<'a> {
    fn get(path: &'a str) -> Request<'a> {
        Request {
            method: "GET",
            path,
            host: None,
            cookie: None,
            extra: None,
            form: None,
        }
    }

    fn post(path: &'a str, form: &[(&str, &str)]) -> Request<'a> {
        let form = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        Request {
            method: "POST",
            form: Some(form),
            ..Request::get(path)
        }
    }

    fn cookie(self, cookie: &'a str) -> Request<'a> {
        Request {
            cookie: Some(cookie),
            ..self
        }
    }

    fn host(self, host: &str) -> Request<'a> {
        Request {
            host: Some(host.to_owned()),
            ..self
        }
    }

    fn send(&self, app: &App) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", app.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let host = self
            .host
            .clone()
            .unwrap_or_else(|| format!("127.0.0.1:{}", app.port));
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n",
            self.method, self.path
        );
        if let Some(cookie) = self.cookie {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        if let Some(line) = self.extra {
            head.push_str(&format!("{line}\r\n"));
        }
        let body = self.form.clone().unwrap_or_default();
        if self.form.is_some() {
            head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(head.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let bytes = raw[split + 4..].to_vec();
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let chunked = headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
        });
        Answer {
            status: status.parse().unwrap(),
            body: if chunked { dechunk(&body) } else { body },
            headers,
            bytes,
        }
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Opens the link as the browser does; returns the cookie to send.
fn unlock(app: &App) -> String {
    let answer = Request::get(&format!("/unlock?key={}", app.key)).send(app);
    assert_eq!(answer.status, 303, "{answer:?}");
    let set = answer.header("set-cookie").unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// The form token on a page.
fn form_token(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_owned()
}

fn open_flags(home: &Path) -> Vec<Value> {
    json_of(home, &["therapist", "flags", "--json"])["flags"]
        .as_array()
        .unwrap()
        .clone()
}

/// The address of the (only) client's page, as the list of clients links it.
fn client_page(app: &App, cookie: &str) -> String {
    let list = Request::get("/clients").cookie(cookie).send(app);
    assert_eq!(list.status, 200);
    let at = list.body.find("href=\"/clients/").unwrap() + "href=\"".len();
    list.body[at..].split('"').next().unwrap().to_owned()
}

fn assert_protective_headers(answer: &Answer, what: &str) {
    let csp = answer
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(csp.starts_with("default-src 'none';"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("form-action 'self'"), "{what}: {csp}");
    assert!(
        !csp.contains("http") && !csp.contains("unsafe"),
        "{what}: {csp}"
    );
    assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        answer.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(answer.header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(
        answer.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
}

#[test]
fn only_the_browser_that_opened_the_link_gets_in_and_only_by_our_host_name() {
    let p = practice();
    let app = start_app(&p.therapist, "en");
    let mut answers = Vec::new();

    // No cookie, or someone else's: a lock page, and nothing of the home.
    for request in [
        Request::get("/"),
        Request::get("/clients"),
        Request::get("/").cookie("rapport_app=guessed"),
        Request::post("/sync", &[("csrf", "x")]),
    ] {
        let answer = request.send(&app);
        assert_eq!(answer.status, 401, "{} {}", request.method, request.path);
        assert!(answer.body.contains("Open the link the terminal printed"));
        assert!(!answer.body.contains("A.B.") && !answer.body.contains("csrf"));
        answers.push(("locked", answer));
    }
    // A wrong key does not unlock.
    let wrong = Request::get("/unlock?key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").send(&app);
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());
    answers.push(("wrong key", wrong));

    // The right key: a strict session cookie, and the key leaves the address bar.
    let right = Request::get(&format!("/unlock?key={}", app.key)).send(&app);
    assert_eq!(right.status, 303);
    assert_eq!(right.header("location"), Some("/"));
    let set = right.header("set-cookie").unwrap().to_owned();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    assert!(!set.contains(&app.key), "the cookie is not the link's key");
    let cookie = set.split(';').next().unwrap().to_owned();
    answers.push(("unlock", right));
    // Led there by another site or a local file (the page that opens the
    // browser), where a redirect would not carry the new cookie: a page of
    // ours moves on to the clean address instead.
    let link = format!("/unlock?key={}", app.key);
    let mut from_file = Request::get(&link);
    from_file.extra = Some("Sec-Fetch-Site: cross-site");
    let from_file = from_file.send(&app);
    assert_eq!(from_file.status, 200);
    assert!(
        from_file
            .header("set-cookie")
            .unwrap()
            .contains("SameSite=Strict")
    );
    assert!(
        from_file
            .body
            .contains("<meta http-equiv=\"refresh\" content=\"0;url=/\">")
    );
    assert!(
        from_file
            .body
            .contains("<a href=\"/\">Continue to the app</a>")
    );
    assert!(!from_file.body.contains(&app.key));
    answers.push(("unlock from a file", from_file));

    let today = Request::get("/").cookie(&cookie).send(&app);
    assert_eq!(today.status, 200);
    assert!(today.body.contains("<html lang=\"en\">"));
    // The page's one stylesheet is the one the policy allows, by its hash.
    let style = today.body.split("<style>").nth(1).unwrap();
    let style = style.split("</style>").next().unwrap();
    let hash = STANDARD.encode(Sha256::digest(style.as_bytes()));
    let csp = today.header("content-security-policy").unwrap();
    assert!(
        csp.contains(&format!("style-src 'sha256-{hash}';")),
        "{csp}"
    );
    assert_eq!(today.body.matches("<style").count(), 1);
    assert!(!today.body.contains(" style="), "no inline style attribute");
    assert!(today.body.contains("A.B."), "the brief names the client");
    answers.push(("today", today));
    let by_name = Request::get("/clients")
        .cookie(&cookie)
        .host(&format!("localhost:{}", app.port))
        .send(&app);
    assert_eq!(by_name.status, 200);
    answers.push(("clients", by_name));

    // Another name for this address (DNS rebinding), or another port: refused,
    // cookie or not.
    for host in [
        format!("evil.example:{}", app.port),
        format!("127.0.0.1:{}", app.port + 1),
        "127.0.0.1".to_owned(),
    ] {
        let answer = Request::get("/").cookie(&cookie).host(&host).send(&app);
        assert_eq!(answer.status, 421, "{host}");
        assert!(!answer.body.contains("A.B."));
        answers.push(("wrong host", answer));
    }
    let missing = Request::get("/nowhere").cookie(&cookie).send(&app);
    assert_eq!(missing.status, 404);
    answers.push(("not found", missing));

    for (what, answer) in &answers {
        assert_protective_headers(answer, what);
    }
}

#[test]
fn a_form_without_this_launchs_token_changes_nothing() {
    let p = practice();
    let app = start_app(&p.therapist, "en");
    let cookie = unlock(&app);
    let flags = open_flags(&p.therapist);
    assert!(!flags.is_empty(), "the practice has open flags");
    let flag = flags[0]["id"].as_str().unwrap().to_owned();
    let page = Request::get(&client_page(&app, &cookie))
        .cookie(&cookie)
        .send(&app);
    let token = form_token(&page.body);

    for form in [
        vec![("flag", flag.as_str())],
        vec![("flag", flag.as_str()), ("csrf", "not-the-token")],
        vec![("flag", flag.as_str()), ("csrf", "")],
    ] {
        let answer = Request::post("/flags/discussed", &form)
            .cookie(&cookie)
            .send(&app);
        assert_eq!(answer.status, 403, "{form:?}");
        assert_protective_headers(&answer, "refused form");
        assert!(
            !answer.body.contains(&token),
            "a refusal must not hand out the token"
        );
    }
    // Nor by GET, whatever it carries.
    let by_get = Request::get(&format!("/flags/discussed?flag={flag}&csrf={token}"))
        .cookie(&cookie)
        .send(&app);
    assert_eq!(by_get.status, 405);
    let reply = Request::post("/reply", &[("checkin", "x"), ("text", "hello")])
        .cookie(&cookie)
        .send(&app);
    assert_eq!(reply.status, 403);
    for path in [
        "/sync",
        "/ack",
        "/session",
        "/revoke",
        "/invite",
        "/settings/rules",
        "/settings/kit",
    ] {
        let answer = Request::post(
            path,
            &[
                ("confirm", "yes"),
                ("label", "X.Y."),
                ("drop_by_at_least", "5"),
            ],
        )
        .cookie(&cookie)
        .send(&app);
        assert_eq!(answer.status, 403, "{path}");
    }
    let rules = ok(&p.therapist, &["therapist", "rules"]);
    assert!(
        !rules.contains("drop_by_at_least                    5"),
        "{rules}"
    );
    let dashboard = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    assert_eq!(
        dashboard["clients"].as_array().unwrap().len(),
        1,
        "no invite made"
    );
    assert_eq!(dashboard["clients"][0]["status"], "active", "not revoked");

    assert_eq!(open_flags(&p.therapist), flags, "the flag is still open");
    let dashboard = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    assert!(dashboard["clients"][0]["checkins"][0]["reply"].is_null());
}

#[test]
fn a_client_page_escapes_notes_and_its_buttons_discuss_reply_and_sync() {
    let p = practice();
    let app = start_app(&p.therapist, "en");
    let cookie = unlock(&app);
    let path = client_page(&app, &cookie);

    let page = Request::get(&path).cookie(&cookie).send(&app);
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; the session felt rushed"),
        "the note, escaped"
    );
    assert!(!page.body.to_ascii_lowercase().contains("<script"));
    assert!(
        page.body.contains("<svg class=\"chart\""),
        "the report's chart"
    );
    assert!(page.body.contains("support_requested"));
    let token = form_token(&page.body);
    // Every control has a name a screen reader says: each "Mark discussed"
    // button is described by its flag's headline, the reply field labelled.
    let flag = open_flags(&p.therapist)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(page.body.contains(&format!("id=\"flag-{flag}\"")));
    assert!(page.body.contains(&format!(
        "<button type=\"submit\" aria-describedby=\"flag-{flag}\">Mark discussed</button>"
    )));
    assert!(page.body.contains("<label for=\"reply-text\">"));
    assert!(
        page.body
            .contains("<textarea id=\"reply-text\" name=\"text\"")
    );

    // Mark the flag discussed: a 303 back to the client, a notice, and the
    // flag resolved for the command line too.
    let flag = open_flags(&p.therapist)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = Request::post("/flags/discussed", &[("csrf", &token), ("flag", &flag)])
        .cookie(&cookie)
        .send(&app);
    assert_eq!(done.status, 303, "{done:?}");
    assert_eq!(done.header("location"), Some(path.as_str()));
    let after = Request::get(&path).cookie(&cookie).send(&app);
    assert!(
        after
            .body
            .contains("role=\"status\">Marked discussed; the flag stays"),
        "the outcome is shown"
    );
    let open = open_flags(&p.therapist);
    assert!(open.iter().all(|f| f["id"] != flag.as_str()), "{open:?}");
    let all = json_of(&p.therapist, &["therapist", "flags", "--json", "--all"]);
    let resolved = all["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == flag.as_str())
        .unwrap();
    assert_eq!(resolved["open"], false);
    assert_eq!(resolved["resolution"]["kind"], "discussed", "{resolved}");
    let shown_once = Request::get(&path).cookie(&cookie).send(&app);
    assert!(
        !shown_once.body.contains("role=\"status\""),
        "and shown once"
    );

    // Reply to the check-in, sync from the app, and the client reads it.
    let dashboard = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    let checkin = dashboard["clients"][0]["checkins"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let words = "Thank you <b>for</b> telling me; let's start there.";
    let replied = Request::post(
        "/reply",
        &[("csrf", &token), ("checkin", &checkin), ("text", words)],
    )
    .cookie(&cookie)
    .send(&app);
    assert_eq!(replied.status, 303, "{replied:?}");
    let synced = Request::post("/sync", &[("csrf", &token), ("back", &path)])
        .cookie(&cookie)
        .send(&app);
    assert_eq!(synced.status, 303);
    assert_eq!(synced.header("location"), Some(path.as_str()));
    let after = Request::get(&path).cookie(&cookie).send(&app);
    assert!(
        after.body.contains("role=\"status\">Synced: sent 1,"),
        "{}",
        after.body
    );
    assert!(
        after
            .body
            .contains("Thank you &lt;b&gt;for&lt;/b&gt; telling me")
    );

    let out = ok(&p.client, &["sync"]);
    assert!(out.contains("replies from your therapist 1"), "{out}");
    let history = json_of(&p.client, &["client", "history", "--json"]);
    assert_eq!(history["checkins"][0]["reply"]["text"], words);
}

#[test]
fn today_in_german_is_german() {
    let p = practice();
    let app = start_app(&p.therapist, "de");
    let cookie = unlock(&app);
    let today = Request::get("/").cookie(&cookie).send(&app);
    assert_eq!(today.status, 200);
    for german in [
        "<html lang=\"de\">",
        "Heute — ",
        "Jetzt synchronisieren",
        "Vorzubereitender Tag",
        "Klientinnen und Klienten",
    ] {
        assert!(today.body.contains(german), "no {german:?}");
    }
    for english in ["Sync now", "Day to prepare", "Today — ", "Clients</a>"] {
        assert!(!today.body.contains(english), "English left: {english:?}");
    }
    let locked = Request::get("/clients").send(&app);
    assert!(locked.body.contains("Rapport ist gesperrt"));

    // Another day, chosen with the date field.
    let day = Request::get("/?date=2026-01-05").cookie(&cookie).send(&app);
    assert!(
        day.body
            .contains("Vorbereitung für <time datetime=\"2026-01-05\">5. Jan. 2026</time>")
    );
}

/// The notice the page at `path` shows once, if any.
fn notice(app: &App, cookie: &str, path: &str) -> String {
    let page = Request::get(path).cookie(cookie).send(app);
    assert_eq!(page.status, 200, "{path}");
    let Some(at) = page.body.find("class=\"app-notice") else {
        return String::new();
    };
    let text = &page.body[at..];
    let start = text.find('>').unwrap() + 1;
    text[start..].split("</p>").next().unwrap().to_owned()
}

/// The text of the `<textarea>` with this id on a page.
fn textarea(page: &str, id: &str) -> String {
    let at = page.find(&format!("<textarea id=\"{id}\"")).unwrap();
    let text = &page[at..];
    let start = text.find('>').unwrap() + 1;
    text[start..]
        .split("</textarea>")
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn an_invite_made_in_the_app_shows_its_code_and_pairs_a_client() {
    let p = practice();
    let app = start_app(&p.therapist, "en");
    let cookie = unlock(&app);
    let page = Request::get("/invite").cookie(&cookie).send(&app);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<svg"), "no invite yet, so no code");
    let token = form_token(&page.body);

    // Refused: no label, or a validity out of range; nothing is made.
    for (form, says) in [
        (
            vec![("label", " "), ("days", "7")],
            "Give the client a label",
        ),
        (
            vec![("label", "C.D."), ("days", "0")],
            "valid for 1 to 366 days",
        ),
        (
            vec![("label", "C.D."), ("days", "367")],
            "valid for 1 to 366 days",
        ),
        (
            vec![("label", "C.D."), ("days", "soon")],
            "valid for 1 to 366 days",
        ),
    ] {
        let mut form = form.clone();
        form.push(("csrf", &token));
        let answer = Request::post("/invite", &form).cookie(&cookie).send(&app);
        assert_eq!(answer.status, 303);
        let said = notice(&app, &cookie, "/invite");
        assert!(said.contains(says), "{form:?}: {said}");
    }
    assert!(
        !Request::get("/invite")
            .cookie(&cookie)
            .send(&app)
            .body
            .contains("<svg")
    );

    let made = Request::post(
        "/invite",
        &[("csrf", &token), ("label", "C.D. <i>"), ("days", "3")],
    )
    .cookie(&cookie)
    .send(&app);
    assert_eq!(made.status, 303, "{made:?}");
    assert_eq!(made.header("location"), Some("/invite"));
    let page = Request::get("/invite").cookie(&cookie).send(&app);
    assert!(
        page.body.contains("Invite for C.D. &lt;i&gt;"),
        "the label, escaped"
    );
    assert!(
        page.body
            .contains("role=\"img\" aria-label=\"QR code of the invite for C.D. &lt;i&gt;\"")
    );
    assert!(page.body.contains("<svg"), "the code is drawn");
    assert!(
        !page.body.contains("<?xml"),
        "as an element, not a document"
    );
    let expires = (chrono::Utc::now() + chrono::Days::new(3)).date_naive();
    assert!(
        page.body.contains(&format!("datetime=\"{expires}\"")) || page.body.contains("expires on")
    );
    // Its one script is the one the CSP allows by hash, and only here.
    let script = page.body.split("<script>").nth(1).unwrap();
    let script = script.split("</script>").next().unwrap();
    let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
    assert_eq!(page.body.matches("<script").count(), 1);
    let link = textarea(&page.body, "invite-link");
    assert!(link.starts_with("rapport:invite/"), "{link}");

    // The link pairs a client; the app's sync brings them in.
    let client = p.therapist.parent().unwrap().join("client-cd");
    ok(&client, &["client", "join", &link, "--accept-consent", "2"]);
    let synced = Request::post("/sync", &[("csrf", &token), ("back", "/invite")])
        .cookie(&cookie)
        .send(&app);
    assert_eq!(synced.header("location"), Some("/invite"));
    let said = notice(&app, &cookie, "/invite");
    assert!(said.contains("Newly paired: C.D. &lt;i&gt;"), "{said}");
    let list = Request::get("/clients").cookie(&cookie).send(&app);
    assert!(list.body.contains(">C.D. &lt;i&gt;</a>"));
}

#[test]
fn settings_change_a_rule_and_refuse_one_out_of_range() {
    let p = practice();
    let app = start_app(&p.therapist, "en");
    let cookie = unlock(&app);
    let page = Request::get("/settings").cookie(&cookie).send(&app);
    assert_eq!(page.status, 200);
    let token = form_token(&page.body);
    assert!(page.body.contains("<label for=\"rule-drop_by_at_least\">"));
    assert!(page.body.contains(&p.relay.url), "the relay is named");
    let rule = |home: &Path| {
        ok(home, &["therapist", "rules"])
            .lines()
            .find(|l| l.starts_with("drop_by_at_least "))
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_owned()
    };
    let before = rule(&p.therapist);
    assert_ne!(before, "4");

    let refused = Request::post(
        "/settings/rules",
        &[
            ("csrf", &token),
            ("drop_by_at_least", "11"),
            ("plateau_sessions", "5"),
        ],
    )
    .cookie(&cookie)
    .send(&app);
    assert_eq!(refused.status, 303);
    let said = notice(&app, &cookie, "/settings");
    assert!(said.contains("takes a whole number from 1 to 10"), "{said}");
    assert_eq!(rule(&p.therapist), before, "nothing saved");

    let saved = Request::post(
        "/settings/rules",
        &[("csrf", &token), ("drop_by_at_least", "4")],
    )
    .cookie(&cookie)
    .send(&app);
    assert_eq!(saved.status, 303);
    assert!(notice(&app, &cookie, "/settings").contains("Rules saved (1 changed)"));
    assert_eq!(rule(&p.therapist), "4");
    let page = Request::get("/settings").cookie(&cookie).send(&app);
    assert!(page.body.contains("name=\"drop_by_at_least\" value=\"4\""));
}

#[test]
fn a_recovery_kit_needs_a_strong_passphrase_typed_twice_and_restores() {
    let p = practice();
    let app = start_app(&p.therapist, "en");
    let cookie = unlock(&app);
    let token = form_token(&Request::get("/settings").cookie(&cookie).send(&app).body);
    let strong = "lantern orbit pickle meadow 58";
    for (passphrase, repeat, says) in [
        ("password1", "password1", "too easy to guess (strength"),
        (
            strong,
            "lantern orbit pickle meadow",
            "The two passphrases differ",
        ),
    ] {
        let answer = Request::post(
            "/settings/kit",
            &[
                ("csrf", &token),
                ("passphrase", passphrase),
                ("repeat", repeat),
            ],
        )
        .cookie(&cookie)
        .send(&app);
        assert_eq!(answer.status, 303, "{passphrase}");
        let said = notice(&app, &cookie, "/settings");
        assert!(said.contains(says), "{said}");
        assert!(
            !said.contains(passphrase),
            "the passphrase is not repeated back"
        );
    }
    let kit = Request::post(
        "/settings/kit",
        &[("csrf", &token), ("passphrase", strong), ("repeat", strong)],
    )
    .cookie(&cookie)
    .send(&app);
    assert_eq!(kit.status, 200);
    assert!(
        kit.header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=\"rapport-recovery-kit-")
    );
    assert_protective_headers(&kit, "the kit");
    assert!(kit.bytes.starts_with(b"age-encryption.org/v1\n"));

    let file = p.therapist.parent().unwrap().join("kit.age");
    std::fs::write(&file, &kit.bytes).unwrap();
    let restored = p.therapist.parent().unwrap().join("restored");
    let out = Command::new(BIN)
        .arg("--home")
        .arg(&restored)
        .args(["therapist", "restore", "--kit", file.to_str().unwrap()])
        .env("RAPPORT_PASSPHRASE", "a new home passphrase")
        .env("RAPPORT_KIT_PASSPHRASE", strong)
        .env("RAPPORT_SCRYPT_WORK_FACTOR", "8")
        .env("RAPPORT_TEST_WEAK_KEYS", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_export_is_a_download_of_everything_and_only_for_the_app() {
    let p = practice();
    let app = start_app(&p.therapist, "en");
    assert_eq!(Request::get("/settings/export").send(&app).status, 401);
    let cookie = unlock(&app);
    let export = Request::get("/settings/export").cookie(&cookie).send(&app);
    assert_eq!(export.status, 200);
    assert!(
        export
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=\"rapport-export-")
    );
    assert_eq!(export.header("content-type"), Some("application/json"));
    let json: Value = serde_json::from_slice(&export.bytes).unwrap();
    assert_eq!(json["clients"]["clients"][0]["label"], "A.B.");
    assert_eq!(json["clients"]["clients"][0]["checkins"][0]["note"], NOTE);
    assert!(!json["flags"]["flags"].as_array().unwrap().is_empty());
    assert!(json["rules"]["drop_by_at_least"].is_u64());
}

#[test]
fn a_session_is_recorded_and_sharing_ends_only_when_confirmed() {
    let p = practice();
    let app = start_app(&p.therapist, "en");
    let cookie = unlock(&app);
    let path = client_page(&app, &cookie);
    let id = path.trim_start_matches("/clients/").to_owned();
    let token = form_token(&Request::get(&path).cookie(&cookie).send(&app).body);

    let today = chrono::Local::now().date_naive().to_string();
    let recorded = Request::post(
        "/session",
        &[("csrf", &token), ("client", &id), ("date", &today)],
    )
    .cookie(&cookie)
    .send(&app);
    assert_eq!(recorded.header("location"), Some(path.as_str()));
    let said = notice(&app, &cookie, &path);
    assert!(said.contains("Recorded a session on"), "{said}");
    let brief = json_of(&p.therapist, &["therapist", "brief", "--json"]);
    assert_eq!(brief["cards"][0]["session_on_day"], true, "{brief}");

    let bad = Request::post(
        "/session",
        &[("csrf", &token), ("client", &id), ("date", "soon")],
    )
    .cookie(&cookie)
    .send(&app);
    assert_eq!(bad.status, 303);
    assert!(notice(&app, &cookie, &path).contains("not a date"));

    let unconfirmed = Request::post("/revoke", &[("csrf", &token), ("client", &id)])
        .cookie(&cookie)
        .send(&app);
    assert_eq!(unconfirmed.status, 303);
    assert!(notice(&app, &cookie, &path).contains("tick the box"));
    let dashboard = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    assert_eq!(dashboard["clients"][0]["status"], "active");

    let ended = Request::post(
        "/revoke",
        &[("csrf", &token), ("client", &id), ("confirm", "yes")],
    )
    .cookie(&cookie)
    .send(&app);
    assert_eq!(ended.status, 303);
    let said = notice(&app, &cookie, &path);
    assert!(said.contains("Ended sharing with A.B."), "{said}");
    let dashboard = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    assert_eq!(dashboard["clients"][0]["status"], "revoked", "{dashboard}");
    let out = ok(&p.client, &["sync"]);
    assert!(out.to_lowercase().contains("ended"), "{out}");
}

#[test]
fn the_app_syncs_by_itself_at_launch_and_says_when() {
    let p = practice();
    // A second check-in reaches the relay while the therapist is away.
    let today = chrono::Local::now().date_naive().to_string();
    ok(
        &p.client,
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "4",
            "--session-date",
            &today,
        ],
    );
    ok(&p.client, &["sync"]);
    let app = start_app(&p.therapist, "en");
    let cookie = unlock(&app);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let list = Request::get("/clients").cookie(&cookie).send(&app);
        if list.body.contains("Last sync at") {
            assert!(list.body.contains("received 1,"), "{}", list.body);
            assert!(list.body.contains("<td>2</td>"), "both check-ins listed");
            break;
        }
        assert!(list.body.contains("Not synced yet"), "{}", list.body);
        assert!(std::time::Instant::now() < deadline, "no sync at launch");
        std::thread::sleep(Duration::from_millis(100));
    }
}
