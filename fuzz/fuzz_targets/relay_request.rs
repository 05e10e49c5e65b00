//! The relay's request handling: routing, the bearer token, rate limits,
//! paths, queries and bodies, storage and its refusals, through the real
//! router over SQLite (on a RAM disk when there is one), in process.
//!
//! Input: one byte choosing the limits, then up to six requests separated by
//! a line `=====`, each written like HTTP: `METHOD PATH`, header lines, an
//! empty line, the body. `{mailbox}`, `{read}`, `{post}` and `{token}` stand
//! for a mailbox made for this input and its read token, post token and post
//! token id; `{mailbox2}`, `{read2}`, `{post2}`, `{token2}` for the last ones
//! the relay itself handed out during the input. A header `x-peer: N` sends
//! the request as from peer N (what `serve` adds; without it the per-peer
//! limits do not apply, as in the relay's own tests).
//!
//! Checked, beyond "no panic": no 5xx but a full mailbox's 507; every error
//! is the API's JSON with a known code and a sentence, a 429 says how long
//! to wait; and against a model of every mailbox the input knows: only the
//! read token reads, prunes, mints and revokes, only a live post token
//! posts; sequence numbers go up by one and are never reused; a fetch
//! returns exactly what was posted and not pruned, in order, up to its
//! limit, and says whether more is waiting; a prune deletes what it says.

#![no_main]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use rapport_protocol::{
    CreatedMailbox, DEFAULT_FETCH_LIMIT, ErrorBody, ErrorCode, FetchQuery, FetchedPage,
    MintedPostToken, Posted, PruneQuery, Pruned,
};
use rapport_relay::{Limits, MailboxId, PeerKey, RelayStorage, SqliteStorage, TokenHash, TokenId};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

/// Most requests one input makes.
const MAX_REQUESTS: usize = 6;
/// Mailboxes made ahead in each database, one per input: made together,
/// they cost a few commits instead of two per input. A fresh database
/// follows, so it stays small over millions of runs.
const MAILBOXES_PER_DATABASE: u64 = 2_000;

/// The runtime the relay runs on, and its current database.
struct Harness {
    runtime: tokio::runtime::Runtime,
    database: Option<Database>,
    /// Inputs run so far: input `n` gets mailbox `n`.
    runs: u64,
}

/// A relay database with mailboxes made ahead for the inputs
/// `first..first + MAILBOXES_PER_DATABASE`.
struct Database {
    storage: Arc<SqliteStorage>,
    first: u64,
    _dir: tempfile::TempDir,
}

thread_local! {
    static HARNESS: RefCell<Harness> = RefCell::new(Harness {
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime"),
        database: None,
        runs: 0,
    });
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, requests)) = data.split_first() else {
        return;
    };
    HARNESS.with(|harness| harness.borrow_mut().run(setup, requests));
});

impl Harness {
    fn run(&mut self, setup: u8, requests: &[u8]) {
        let n = self.runs;
        self.runs += 1;
        let storage = self.storage_for(n);
        let mut model = Model::default();
        model.setup(n);
        let limits = limits(setup);
        let router = rapport_relay::router(storage, limits.clone());
        for text in split(requests).take(MAX_REQUESTS) {
            let Some(call) = Call::parse(text, &model) else {
                continue;
            };
            let response = self.runtime.block_on(router.clone().oneshot(call.request));
            let response = response.expect("the router never fails");
            let status = response.status();
            let headers = response.headers().clone();
            let body = self
                .runtime
                .block_on(response.into_body().collect())
                .expect("the body")
                .to_bytes();
            answer_rules(status, &headers, &body, call.head);
            model.check(&call.operation, status, &body, call.head, &limits);
        }
    }

    /// The storage holding input `n`'s mailbox.
    fn storage_for(&mut self, n: u64) -> Arc<SqliteStorage> {
        if let Some(database) = &self.database
            && n < database.first + MAILBOXES_PER_DATABASE
        {
            return Arc::clone(&database.storage);
        }
        if let Some(old) = self.database.take() {
            self.runtime
                .block_on(old.storage.close())
                .expect("storage closes");
        }
        let (storage, dir) = open_storage();
        self.runtime.block_on(make_mailboxes(&storage, n));
        self.database = Some(Database {
            storage: Arc::clone(&storage),
            first: n,
            _dir: dir,
        });
        storage
    }
}

/// Makes the mailboxes of inputs `first..first + MAILBOXES_PER_DATABASE`,
/// each with its read token and one post token, as the model has them.
async fn make_mailboxes(storage: &Arc<SqliteStorage>, first: u64) {
    let mailboxes: Vec<Mailbox> = (first..first + MAILBOXES_PER_DATABASE)
        .map(Mailbox::of_input)
        .collect();
    let ids = |m: &Mailbox| {
        (
            MailboxId::parse(&m.id).expect("an id"),
            TokenHash::of_presented(&m.read).expect("a token"),
        )
    };
    // Queued all at once, the writer commits them in a few batches.
    let mut writes = tokio::task::JoinSet::new();
    for m in &mailboxes {
        let (storage, (id, read)) = (Arc::clone(storage), ids(m));
        writes.spawn(async move { storage.create_mailbox(id, read).await });
    }
    while let Some(done) = writes.join_next().await {
        done.expect("a task").expect("a mailbox");
    }
    for m in &mailboxes {
        let (storage, (id, read)) = (Arc::clone(storage), ids(m));
        let (token_id, post, _) = &m.posts[0];
        let token_id = TokenId::parse(token_id).expect("an id");
        let post = TokenHash::of_presented(post).expect("a token");
        writes.spawn(async move { storage.add_post_token(id, read, token_id, post).await });
    }
    while let Some(done) = writes.join_next().await {
        done.expect("a task").expect("a post token");
    }
}

/// A relay database on a RAM disk when there is one: `synchronous=FULL`
/// costs an fsync per commit, which a RAM disk makes free. The last one is
/// left behind when libFuzzer exits; the next run removes it.
fn open_storage() -> (Arc<SqliteStorage>, tempfile::TempDir) {
    let shm = std::path::Path::new("/dev/shm");
    let parent = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    remove_stale(&parent);
    let dir = tempfile::Builder::new()
        .prefix(&format!("{STALE_PREFIX}{}-", std::process::id()))
        .tempdir_in(&parent)
        .expect("a temporary directory");
    let storage = SqliteStorage::open(dir.path().join("relay.db")).expect("a relay database");
    (Arc::new(storage), dir)
}

const STALE_PREFIX: &str = "rapport-fuzz-relay-";

/// Removes databases of fuzz runs whose process has ended.
fn remove_stale(parent: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(STALE_PREFIX)
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        let proc = std::path::Path::new("/proc");
        if proc.is_dir() && !proc.join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Generous limits (nothing is rate limited, small quotas so they are
/// reached), or, with the low bit set, tiny bursts so the 429 paths run.
fn limits(setup: u8) -> Limits {
    let tight = setup & 1 == 1;
    let burst = if tight {
        u32::from(setup >> 5) + 1
    } else {
        u32::MAX
    };
    let rate = if tight { 1e-6 } else { 1e9 };
    Limits {
        max_body_bytes: if setup & 2 == 0 { 64 * 1024 } else { 64 },
        rate_per_second: rate,
        burst,
        failures_per_second: rate,
        failure_burst: burst,
        mailboxes_per_hour: if tight { 1e-3 } else { 1e12 },
        mailbox_burst: burst,
        mailbox_quota_messages: u64::from((setup >> 2) & 7) + 1,
        mailbox_quota_bytes: if setup & 0x20 == 0 { 1 << 20 } else { 100 },
        max_fetch_limit: u32::from((setup >> 3) & 3) + 1,
    }
}

/// The inputs' requests, split on `=====` lines.
fn split(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    const SEPARATOR: &[u8] = b"\n=====\n";
    let mut rest = Some(input);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                rest = Some(&text[at + SEPARATOR.len()..]);
                Some(&text[..at])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// What every answer must look like, whatever was asked.
fn answer_rules(status: StatusCode, headers: &axum::http::HeaderMap, body: &[u8], head: bool) {
    assert!(
        !status.is_server_error() || status == StatusCode::INSUFFICIENT_STORAGE,
        "{status}: {}",
        String::from_utf8_lossy(body)
    );
    if status.is_success() {
        if !head && !body.is_empty() {
            serde_json::from_slice::<serde_json::Value>(body).expect("a success is JSON");
        }
        return;
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .expect("a 429 says how long to wait");
        assert!((1..=3600).contains(&wait), "Retry-After: {wait}");
    }
    if head {
        return;
    }
    let error: ErrorBody = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{status}: not the API's error ({e}): {body:?}"));
    assert_ne!(error.error, ErrorCode::Unknown, "{status}: {error:?}");
    assert!(error.detail.len() > 10, "{status}: {error:?}");
    if status == StatusCode::INSUFFICIENT_STORAGE {
        assert_eq!(error.error, ErrorCode::MailboxFull);
    }
}

/// A request, and what it asks of which mailbox.
struct Call {
    request: Request<Body>,
    operation: Operation,
    head: bool,
}

/// What a request asks, as far as the model can tell from its path.
enum Operation {
    Create,
    Mint {
        mailbox: String,
        token: Option<String>,
    },
    Revoke {
        mailbox: String,
        token: Option<String>,
        token_id: String,
    },
    Post {
        mailbox: String,
        token: Option<String>,
        body: Vec<u8>,
    },
    Fetch {
        mailbox: String,
        token: Option<String>,
        query: Option<FetchQuery>,
    },
    Prune {
        mailbox: String,
        token: Option<String>,
        query: Option<PruneQuery>,
    },
    Other,
}

impl Call {
    fn parse(text: &[u8], model: &Model) -> Option<Call> {
        let (head_text, body) = match text.windows(2).position(|w| w == b"\n\n") {
            Some(at) => (&text[..at], &text[at + 2..]),
            None => (text, &[][..]),
        };
        let head_text = model.fill(&String::from_utf8_lossy(head_text));
        let body = model.fill_bytes(body);
        let mut lines = head_text.split('\n');
        let (method, target) = lines.next()?.split_once(' ')?;
        let method = Method::from_bytes(method.as_bytes()).ok()?;
        let mut request = Request::builder()
            .method(method.clone())
            .uri(target)
            .body(Body::from(body.clone()))
            .ok()?;
        let mut authorization = Vec::new();
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if name.eq_ignore_ascii_case("x-peer") {
                let peer = value.trim().parse().unwrap_or(0);
                request.extensions_mut().insert(ConnectInfo(PeerKey(peer)));
                continue;
            }
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.trim_start().as_bytes()),
            ) else {
                continue;
            };
            if name == header::AUTHORIZATION {
                authorization.push(value.clone());
            }
            request.headers_mut().append(name, value);
        }
        let token = presented_token(&authorization);
        let uri = request.uri().clone();
        // The router matches the path as it is and decodes only the ids.
        let segments: Vec<&str> = uri.path().split('/').collect();
        let query = uri.query().unwrap_or("");
        let get_like = method == Method::GET || method == Method::HEAD;
        let operation = match (segments.as_slice(), &method) {
            (["", "v1", "mailboxes"], &Method::POST) => Operation::Create,
            (["", "v1", "mailboxes", m, "post-tokens"], &Method::POST) => Operation::Mint {
                mailbox: percent_decoded(m),
                token,
            },
            (["", "v1", "mailboxes", m, "post-tokens", t], &Method::DELETE) => Operation::Revoke {
                mailbox: percent_decoded(m),
                token,
                token_id: percent_decoded(t),
            },
            (["", "v1", "mailboxes", m, "messages"], &Method::POST) => Operation::Post {
                mailbox: percent_decoded(m),
                token,
                body,
            },
            (["", "v1", "mailboxes", m, "messages"], _) if get_like => Operation::Fetch {
                mailbox: percent_decoded(m),
                token,
                query: serde_urlencoded::from_str(query).ok(),
            },
            (["", "v1", "mailboxes", m, "messages"], &Method::DELETE) => Operation::Prune {
                mailbox: percent_decoded(m),
                token,
                query: serde_urlencoded::from_str(query).ok(),
            },
            _ => Operation::Other,
        };
        Some(Call {
            request,
            operation,
            head: method == Method::HEAD,
        })
    }
}

/// The token a request presents, read as the relay reads it: one
/// `Authorization` header, `Bearer` in any case, the token trimmed.
fn presented_token(values: &[HeaderValue]) -> Option<String> {
    let [value] = values else {
        return None;
    };
    let (scheme, token) = value.to_str().ok()?.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// A path segment as the router hands it to a handler.
fn percent_decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every mailbox this input knows, as the relay must hold it.
#[derive(Default)]
struct Model {
    mailboxes: Vec<Mailbox>,
    /// The mailbox and post token the relay handed out last.
    created: Option<usize>,
    minted: Option<(usize, usize)>,
}

struct Mailbox {
    id: String,
    read: String,
    /// Post tokens: id, token, revoked.
    posts: Vec<(String, String, bool)>,
    /// The highest sequence number given out.
    last_seq: u64,
    /// What it holds, by sequence number.
    held: BTreeMap<u64, Vec<u8>>,
}

impl Mailbox {
    /// Input `n`'s own mailbox. Its ids and tokens are hashes of `n` under
    /// a key drawn per process: the fuzzer learns the ids and tokens of
    /// inputs it has run (from the comparisons it sees), but can never
    /// guess those of an input to come and post to its mailbox first.
    fn of_input(n: u64) -> Mailbox {
        static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| {
            use std::hash::BuildHasher;
            let random = std::collections::hash_map::RandomState::new();
            let mut seed = Sha256::new();
            for part in 0..4u64 {
                seed.update(random.hash_one(part).to_be_bytes());
            }
            seed.finalize().into()
        });
        let text = |kind: u8, len: usize| {
            let digest = Sha256::new()
                .chain_update(key)
                .chain_update(n.to_be_bytes())
                .chain_update([kind])
                .finalize();
            URL_SAFE_NO_PAD.encode(&digest[..len])
        };
        let mut mailbox = Mailbox::new(text(b'm', 16), text(b'r', 32));
        mailbox.posts.push((text(b'i', 16), text(b'p', 32), false));
        mailbox
    }

    fn new(id: String, read: String) -> Mailbox {
        Mailbox {
            id,
            read,
            posts: Vec::new(),
            last_seq: 0,
            held: BTreeMap::new(),
        }
    }
}

impl Model {
    /// Adds input `n`'s own mailbox, made ahead (`make_mailboxes`).
    fn setup(&mut self, n: u64) {
        self.mailboxes.push(Mailbox::of_input(n));
    }

    /// `text` with the placeholders filled in.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        let mine = &self.mailboxes[0];
        let mut pairs = vec![
            ("{mailbox}", mine.id.clone()),
            ("{read}", mine.read.clone()),
            ("{post}", mine.posts[0].1.clone()),
            ("{token}", mine.posts[0].0.clone()),
        ];
        if let Some(created) = self.created {
            let m = &self.mailboxes[created];
            pairs.push(("{mailbox2}", m.id.clone()));
            pairs.push(("{read2}", m.read.clone()));
        }
        if let Some((m, p)) = self.minted {
            let (id, token, _) = &self.mailboxes[m].posts[p];
            pairs.push(("{post2}", token.clone()));
            pairs.push(("{token2}", id.clone()));
        }
        for (placeholder, value) in pairs {
            if out.contains(placeholder) {
                out = out.replace(placeholder, &value);
            }
        }
        out
    }

    fn fill_bytes(&self, body: &[u8]) -> Vec<u8> {
        if body.contains(&b'{') {
            if let Ok(text) = std::str::from_utf8(body) {
                return self.fill(text).into_bytes();
            }
        }
        body.to_vec()
    }

    fn find(&self, mailbox: &str) -> Option<usize> {
        self.mailboxes.iter().position(|m| m.id == mailbox)
    }

    /// Checks an answer against the model, and updates the model with it.
    /// A mailbox the model does not know is left alone: the database
    /// outlives one input, and the fuzzer may learn an earlier input's ids
    /// and tokens (it sees the comparisons made here).
    fn check(
        &mut self,
        operation: &Operation,
        status: StatusCode,
        body: &[u8],
        head: bool,
        limits: &Limits,
    ) {
        let ok = status.is_success();
        match operation {
            Operation::Create if ok => {
                assert_eq!(status, StatusCode::CREATED);
                let created: CreatedMailbox = serde_json::from_slice(body).expect("a mailbox");
                assert!(MailboxId::parse(&created.mailbox_id).is_some());
                assert!(TokenHash::of_presented(&created.read_token).is_some());
                assert!(self.find(&created.mailbox_id).is_none(), "a new id");
                self.mailboxes
                    .push(Mailbox::new(created.mailbox_id, created.read_token));
                self.created = Some(self.mailboxes.len() - 1);
            }
            Operation::Mint { mailbox, token } if ok => {
                let Some(m) = self.owner(mailbox, token, "mint") else {
                    return;
                };
                let minted: MintedPostToken = serde_json::from_slice(body).expect("a token");
                assert!(TokenId::parse(&minted.token_id).is_some());
                assert!(TokenHash::of_presented(&minted.post_token).is_some());
                self.mailboxes[m]
                    .posts
                    .push((minted.token_id, minted.post_token, false));
                self.minted = Some((m, self.mailboxes[m].posts.len() - 1));
            }
            Operation::Revoke {
                mailbox,
                token,
                token_id,
            } if ok => {
                let Some(m) = self.owner(mailbox, token, "revoke") else {
                    return;
                };
                let post = self.mailboxes[m]
                    .posts
                    .iter_mut()
                    .find(|(id, _, _)| id == token_id)
                    .expect("only a token of this mailbox is revoked");
                post.2 = true;
            }
            Operation::Post {
                mailbox,
                token,
                body: posted,
            } if ok => {
                let Some(m) = self.find(mailbox) else {
                    return;
                };
                let mailbox = &mut self.mailboxes[m];
                let live = mailbox
                    .posts
                    .iter()
                    .any(|(_, t, revoked)| Some(t) == token.as_ref() && !revoked);
                assert!(live, "a post only with a live post token of the mailbox");
                let seq = serde_json::from_slice::<Posted>(body).expect("a seq").seq;
                assert_eq!(
                    seq,
                    mailbox.last_seq + 1,
                    "numbers go up by one, never reused"
                );
                mailbox.last_seq = seq;
                mailbox.held.insert(seq, posted.clone());
                assert!(mailbox.held.len() as u64 <= limits.mailbox_quota_messages);
            }
            Operation::Fetch {
                mailbox,
                token,
                query,
            } if ok => {
                let Some(m) = self.owner(mailbox, token, "fetch") else {
                    return;
                };
                let (Some(query), false) = (query, head) else {
                    return;
                };
                let page: FetchedPage = serde_json::from_slice(body).expect("a page");
                let after = query.after.unwrap_or(0);
                let limit = query
                    .limit
                    .unwrap_or(u64::from(DEFAULT_FETCH_LIMIT))
                    .min(u64::from(limits.max_fetch_limit)) as usize;
                let waiting: Vec<_> = self.mailboxes[m]
                    .held
                    .range(after.saturating_add(1)..)
                    .collect();
                let returned: Vec<(u64, Vec<u8>)> = page
                    .messages
                    .iter()
                    .map(|msg| (msg.seq, STANDARD.decode(&msg.body).expect("base64")))
                    .collect();
                let expected: Vec<(u64, Vec<u8>)> = waiting
                    .iter()
                    .take(limit)
                    .map(|(s, b)| (**s, (*b).clone()))
                    .collect();
                assert_eq!(
                    returned, expected,
                    "exactly what is held after {after}, in order"
                );
                assert_eq!(page.more, waiting.len() > expected.len(), "more is waiting");
            }
            Operation::Prune {
                mailbox,
                token,
                query,
            } if ok => {
                let Some(m) = self.owner(mailbox, token, "prune") else {
                    return;
                };
                let Some(query) = query else {
                    return;
                };
                let held = &mut self.mailboxes[m].held;
                let kept = held.split_off(&query.through.saturating_add(1));
                let deleted = std::mem::replace(held, kept).len() as u64;
                if !head {
                    let pruned: Pruned = serde_json::from_slice(body).expect("a count");
                    assert_eq!(pruned.pruned, deleted, "pruned what it says");
                }
            }
            _ => {}
        }
    }

    /// The mailbox `mailbox` if the model knows it, which must then have
    /// `token` as its read token.
    fn owner(&self, mailbox: &str, token: &Option<String>, what: &str) -> Option<usize> {
        let m = self.find(mailbox)?;
        assert_eq!(
            token.as_ref(),
            Some(&self.mailboxes[m].read),
            "{what} only with the mailbox's read token"
        );
        Some(m)
    }
}
