//! Shared by the end-to-end tests: a relay over a temporary database, driven
//! either in-process (`tower::ServiceExt::oneshot` on the router) or over
//! real TCP (a spawned relay and hyper's client); and the storage backends
//! the conformance suite runs on (`Backend`, `on_every_backend!`).

#![allow(dead_code)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rapport_relay::{Limits, PostgresStorage, RelayConfig, RelayStorage, SqliteStorage};
use serde_json::Value;
use tower::ServiceExt;

/// An answer from the relay.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (panics with the body if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {} {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `error` code of an error answer.
    pub fn error_code(&self) -> String {
        self.json()["error"].as_str().unwrap_or("").to_owned()
    }

    /// Asserts the answer is an error with `status` and `code`, in the
    /// API's JSON shape with a non-empty explanation.
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let json = self.json();
        assert_eq!(json["error"], code, "{json}");
        assert!(
            json["detail"].as_str().is_some_and(|d| d.len() > 10),
            "{json}"
        );
    }

    /// [`Answer::assert_error`], with a detail that says `words`.
    pub fn assert_error_saying(&self, status: StatusCode, code: &str, words: &str) {
        self.assert_error(status, code);
        let json = self.json();
        assert!(
            json["detail"].as_str().is_some_and(|d| d.contains(words)),
            "{json}"
        );
    }
}

/// One request.
pub struct Call<'a> {
    pub method: Method,
    pub uri: String,
    pub auth: Option<&'a str>,
    pub body: Vec<u8>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, uri: impl Into<String>) -> Call<'a> {
        Call {
            method,
            uri: uri.into(),
            auth: None,
            body: Vec::new(),
        }
    }

    pub fn bearer(mut self, token: &'a str) -> Call<'a> {
        self.auth = Some(token);
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Call<'a> {
        self.body = body.into();
        self
    }

    fn request<B>(&self, body: B) -> Request<B> {
        let mut request = Request::builder()
            .method(self.method.clone())
            .uri(&self.uri)
            .header(header::CONTENT_TYPE, "application/octet-stream");
        if let Some(token) = self.auth {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(body).unwrap()
    }
}

/// A mailbox and its read token.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub id: String,
    pub read_token: String,
}

/// A post token and its id.
#[derive(Debug, Clone)]
pub struct PostToken {
    pub id: String,
    pub token: String,
}

/// The API calls a device makes, over any way of reaching the relay.
#[allow(async_fn_in_trait)]
pub trait Api {
    async fn send(&self, call: Call<'_>) -> Answer;

    async fn create_mailbox(&self) -> Mailbox {
        let answer = self.send(Call::new(Method::POST, "/v1/mailboxes")).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
        let json = answer.json();
        Mailbox {
            id: json["mailbox_id"].as_str().unwrap().to_owned(),
            read_token: json["read_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn mint(&self, mailbox: &Mailbox) -> PostToken {
        let answer = self
            .send(
                Call::new(
                    Method::POST,
                    format!("/v1/mailboxes/{}/post-tokens", mailbox.id),
                )
                .bearer(&mailbox.read_token),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
        let json = answer.json();
        PostToken {
            id: json["token_id"].as_str().unwrap().to_owned(),
            token: json["post_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn post(&self, mailbox: &Mailbox, token: &str, body: &[u8]) -> Answer {
        self.send(
            Call::new(
                Method::POST,
                format!("/v1/mailboxes/{}/messages", mailbox.id),
            )
            .bearer(token)
            .body(body),
        )
        .await
    }

    /// Posts and returns the sequence number (panics unless 201).
    async fn post_ok(&self, mailbox: &Mailbox, token: &str, body: &[u8]) -> u64 {
        let answer = self.post(mailbox, token, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
        answer.json()["seq"].as_u64().unwrap()
    }

    async fn fetch(&self, mailbox: &Mailbox, token: &str, query: &str) -> Answer {
        self.send(
            Call::new(
                Method::GET,
                format!("/v1/mailboxes/{}/messages?{query}", mailbox.id),
            )
            .bearer(token),
        )
        .await
    }

    /// Fetches with the read token; returns (seq, body) pairs and `more`.
    async fn fetch_ok(&self, mailbox: &Mailbox, query: &str) -> (Vec<(u64, Vec<u8>)>, bool) {
        let answer = self.fetch(mailbox, &mailbox.read_token, query).await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        let json = answer.json();
        let messages = json["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let body = base64::engine::general_purpose::STANDARD
                    .decode(m["body"].as_str().unwrap())
                    .unwrap();
                (m["seq"].as_u64().unwrap(), body)
            })
            .collect();
        (messages, json["more"].as_bool().unwrap())
    }
}

/// Where the PostgreSQL tests find a server: a superuser URL (tests/pg.sh
/// starts a throwaway server and sets it).
pub const POSTGRES_ENV: &str = "RAPPORT_TEST_POSTGRES";

/// A storage backend with a fresh, empty database of its own.
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite(tempfile::TempDir),
    /// A new PostgreSQL database, by its URL.
    Postgres(String),
}

impl Backend {
    pub fn sqlite() -> Backend {
        Backend::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A new database on the server in `RAPPORT_TEST_POSTGRES`. Without
    /// one, `None` after saying why the test is skipped; but under CI=true
    /// a missing server fails the test, so CI cannot pass by skipping.
    pub async fn postgres() -> Option<Backend> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "{POSTGRES_ENV} is not set under CI=true: run the tests through tests/pg.sh"
                );
            }
            // Straight to stderr: the test harness would swallow eprintln!.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: no PostgreSQL ({POSTGRES_ENV} is not set; tests/pg.sh sets it)"
            );
            return None;
        };
        Some(Backend::Postgres(create_database(&admin_url).await))
    }

    /// Opens the backend's storage (again: a second call is a second
    /// handle on the same data, like a restarted or second relay process).
    pub async fn open(&self) -> Arc<dyn RelayStorage> {
        match self {
            Backend::Sqlite(dir) => {
                Arc::new(SqliteStorage::open(dir.path().join("relay.db")).unwrap())
            }
            Backend::Postgres(url) => Arc::new(PostgresStorage::connect(url, 8).await.unwrap()),
        }
    }

    /// `n` handles on the same data that may write at the same time: one
    /// shared handle for SQLite (one process owns the file), `n` separate
    /// pools for PostgreSQL (like `n` relay processes).
    pub async fn writers(&self, n: usize) -> Vec<Arc<dyn RelayStorage>> {
        match self {
            Backend::Sqlite(_) => vec![self.open().await; n],
            Backend::Postgres(_) => {
                let mut handles = Vec::new();
                for _ in 0..n {
                    handles.push(self.open().await);
                }
                handles
            }
        }
    }

    /// The PostgreSQL URL, if this is PostgreSQL.
    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            Backend::Postgres(url) => Some(url),
            Backend::Sqlite(_) => None,
        }
    }
}

/// Creates a database with a random name on the server at `admin_url`;
/// returns a URL for it.
pub async fn create_database(admin_url: &str) -> String {
    let config: tokio_postgres::Config = admin_url.parse().unwrap();
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).unwrap();
    let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("rapport_test_{name}");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(host) => host.clone(),
        tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
    };
    format!(
        "host={host} port={} user={} dbname={name}",
        config.get_ports().first().copied().unwrap_or(5432),
        config.get_user().unwrap_or("postgres"),
    )
}

/// Runs each named `async fn(Backend)` as two tests, `sqlite::NAME` and
/// `postgres::NAME`: the storage conformance suite. The PostgreSQL ones
/// skip (saying so) without a server, except under CI=true.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::Backend::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = super::common::Backend::postgres().await {
                        super::$name(backend).await;
                    }
                }
            )*
        }
    };
}

/// A relay driven in-process through its router.
pub struct InProcess {
    pub router: Router,
    pub backend: Backend,
}

impl InProcess {
    pub fn new() -> InProcess {
        InProcess::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> InProcess {
        let backend = Backend::sqlite();
        let Backend::Sqlite(dir) = &backend else {
            unreachable!()
        };
        let storage = SqliteStorage::open(dir.path().join("relay.db")).unwrap();
        InProcess {
            router: rapport_relay::router(Arc::new(storage), limits),
            backend,
        }
    }

    /// A relay over `backend`'s storage.
    pub async fn on(backend: Backend, limits: Limits) -> InProcess {
        let storage = backend.open().await;
        InProcess {
            router: rapport_relay::router(storage, limits),
            backend,
        }
    }

    /// Sends a request built by hand (for hostile input).
    pub async fn raw(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body,
        }
    }
}

impl Api for InProcess {
    async fn send(&self, call: Call<'_>) -> Answer {
        self.raw(call.request(Body::from(call.body.clone()))).await
    }
}

/// A relay over real TCP.
pub struct OverTcp {
    pub addr: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl OverTcp {
    pub fn new(addr: SocketAddr) -> OverTcp {
        OverTcp {
            addr,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }
}

impl OverTcp {
    /// Sends a request; `Err` when the connection failed.
    pub async fn try_send(&self, mut call: Call<'_>) -> Result<Answer, String> {
        call.uri = format!("http://{}{}", self.addr, call.uri);
        let request = call.request(Full::new(Bytes::from(call.body.clone())));
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

impl Api for OverTcp {
    async fn send(&self, call: Call<'_>) -> Answer {
        self.try_send(call).await.unwrap()
    }
}

/// A config for a relay on a free loopback port.
pub fn config(db_path: &Path, limits: Limits) -> RelayConfig {
    RelayConfig {
        db_path: PathBuf::from(db_path),
        listen: "127.0.0.1:0".parse().unwrap(),
        metrics_listen: None,
        limits,
    }
}
