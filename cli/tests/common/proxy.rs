//! Someone between the devices and the relay: an HTTP proxy in front of a
//! real relay process that forwards every request as it is, except the
//! message posts a test asks it to hold.
//!
//! A held post is answered as the relay answers a post (201 and a
//! [`Posted`] body), so its sender takes it as delivered, and it reaches the
//! relay only when the test delivers it: late, in another order, or more
//! than once. That is what a relay, or anyone on the path, can do to
//! envelopes it cannot read; the devices must lose nothing and undo nothing
//! because of it.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rapport_protocol::{Endpoint, Posted};
use ureq::RequestExt;

/// Headers that describe one hop, not the request: never forwarded.
const HOP_BY_HOP: [&str; 5] = [
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
];

/// A post the proxy acknowledged and kept back.
#[derive(Debug, Clone)]
pub struct HeldPost {
    /// The mailbox it was posted to.
    pub mailbox_id: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// The proxy; it stops when dropped.
pub struct Proxy {
    /// The address devices are given instead of the relay's.
    pub url: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

struct Shared {
    relay: String,
    agent: ureq::Agent,
    posts: Mutex<Posts>,
}

#[derive(Default)]
struct Posts {
    /// How many of the next posts to each mailbox are to be held.
    to_hold: HashMap<String, usize>,
    held: Vec<HeldPost>,
    /// Sequence numbers told the senders of held posts: growing, and far
    /// above anything this relay hands out in a test. The sender never
    /// learns the number the relay gives the post once it is delivered.
    told: u64,
}

/// What the relay answered.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Proxy {
    /// Starts a proxy to the relay at `relay_url` on a free loopback port.
    pub fn start(relay_url: &str) -> Proxy {
        let shared = Arc::new(Shared {
            relay: relay_url.trim_end_matches('/').to_owned(),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into(),
            posts: Mutex::new(Posts {
                told: 1 << 40,
                ..Posts::default()
            }),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let router = Router::new()
            .fallback(forward)
            .layer(DefaultBodyLimit::disable())
            .with_state(shared.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, router).await });
        Proxy {
            url,
            shared,
            runtime: Some(runtime),
        }
    }

    /// Holds the next `count` posts to `mailbox_id`'s messages.
    pub fn hold_posts_to(&self, mailbox_id: &str, count: usize) {
        *self
            .shared
            .posts
            .lock()
            .unwrap()
            .to_hold
            .entry(mailbox_id.to_owned())
            .or_default() += count;
    }

    /// How many posts are held now.
    pub fn held(&self) -> usize {
        self.shared.posts.lock().unwrap().held.len()
    }

    /// The posts held so far, in the order they were sent; the proxy keeps
    /// none of them any more.
    pub fn take_held(&self) -> Vec<HeldPost> {
        std::mem::take(&mut self.shared.posts.lock().unwrap().held)
    }

    /// Delivers `post` to the relay as it was sent (it may be delivered
    /// again: a replay); returns the relay's status.
    pub fn deliver(&self, post: &HeldPost) -> u16 {
        self.send_post(post, post.headers.clone())
    }

    /// Delivers `post` with another post token for the same mailbox: what a
    /// relay that accepted the post when its token was valid, and stores it
    /// only now, does. The relay behind this proxy checks the token at
    /// delivery, so once the sender's token is revoked, only another one
    /// gets the post in.
    pub fn deliver_with_token(&self, post: &HeldPost, post_token: &str) -> u16 {
        let mut headers: Vec<_> = post
            .headers
            .iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
            .cloned()
            .collect();
        headers.push(("authorization".into(), format!("Bearer {post_token}")));
        self.send_post(post, headers)
    }

    fn send_post(&self, post: &HeldPost, headers: Vec<(String, String)>) -> u16 {
        let path = format!(
            "/{}",
            Endpoint::Messages {
                mailbox_id: &post.mailbox_id
            }
            .segments()
            .join("/")
        );
        self.shared
            .send("POST", &path, headers, post.body.clone())
            .status
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Shared {
    /// One request to the relay, answered whatever its status.
    fn send(
        &self,
        method: &str,
        path: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Answer {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.relay));
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        let mut response = builder
            .body(body)
            .unwrap()
            .with_agent(&self.agent)
            .run()
            .unwrap_or_else(|e| panic!("the relay did not answer {method} {path}: {e}"));
        let headers = response
            .headers()
            .iter()
            .filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()))
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .read_to_end(&mut body)
            .unwrap();
        Answer {
            status: response.status().as_u16(),
            headers,
            body,
        }
    }

    /// Whether this post is one to hold; if so it is counted off.
    fn take_hold(&self, mailbox_id: &str) -> bool {
        let mut posts = self.posts.lock().unwrap();
        match posts.to_hold.get_mut(mailbox_id) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// The mailbox a path posts messages to, if it is that endpoint.
fn messages_mailbox(path: &str) -> Option<&str> {
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let mailbox_id = *segments.get(2)?;
    (segments == Endpoint::Messages { mailbox_id }.segments()).then_some(mailbox_id)
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()))
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    if method == Method::POST
        && let Some(mailbox_id) = messages_mailbox(uri.path())
        && shared.take_hold(mailbox_id)
    {
        let mut posts = shared.posts.lock().unwrap();
        posts.told += 1;
        let seq = posts.told;
        posts.held.push(HeldPost {
            mailbox_id: mailbox_id.to_owned(),
            headers,
            body: body.to_vec(),
        });
        return (StatusCode::CREATED, axum::Json(Posted { seq })).into_response();
    }
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    let relay = shared.clone();
    let answer = tokio::task::spawn_blocking(move || {
        relay.send(method.as_str(), &path, headers, body.to_vec())
    })
    .await
    .unwrap();
    let mut response = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        response = response.header(name, value);
    }
    response.body(answer.body.into()).unwrap()
}
