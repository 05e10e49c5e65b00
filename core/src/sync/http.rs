//! The relay's `/v1` API over the app's own HTTP client.
//!
//! An app implements one small [`HttpClient`]: send a request, return the
//! status, headers and body, or say the connection failed. Everything else
//! happens here, once for every platform: [`RelayClient`] builds each request
//! from the shared `rapport-protocol` crate and maps each answer to a
//! [`TransportError`] (see [`RelayClient::interpret`] for the table), so the
//! CLI, iOS and Android react to the same answer the same way.
//!
//! The request carries a bearer token in a header, never in the URL, so an
//! address in an error message is safe to show; an app's client must not log
//! headers or bodies and must not follow redirects (a redirect would carry
//! the token elsewhere): a 3xx is answered as a refusal here.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rapport_protocol::{
    CreatedMailbox, Endpoint, ErrorBody, FetchQuery, FetchedPage, MintedPostToken, Posted,
    PruneQuery, Pruned, RETRY_AFTER,
};
use serde::de::DeserializeOwned;

use super::transport::{FetchPage, Fetched, MailboxCredentials, PostToken, Transport};
use crate::error::{RelayCode, TransportError};
use crate::relay_url::RelayUrl;

/// How long a request may take before the app's client gives up on it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest `Retry-After` taken at its word: a relay asking for more is
/// asked again after an hour.
pub const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// The wait when a 429 gives no usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 1;

/// An HTTP method the relay's API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Reads.
    Get,
    /// Creates.
    Post,
    /// Revokes and prunes.
    Delete,
}

impl Method {
    /// The method as HTTP spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One request to send, complete: the client adds nothing but what its
/// platform must (`Host`, `Content-Length`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, path segments already escaped.
    pub url: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body; empty for none.
    pub body: Vec<u8>,
    /// Give up when no complete answer has come within this long.
    pub timeout: Duration,
}

/// An answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers as received (names matched without regard to case).
    pub headers: Vec<(String, String)>,
    /// The body; empty for none.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// No answer at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpFailure {
    /// Offline, DNS, refused connection, TLS, a connection cut mid-answer.
    #[error("{detail}")]
    Unreachable {
        /// What the platform said.
        detail: String,
    },
    /// No complete answer within the request's timeout.
    #[error("no answer within {} s", .after.as_secs())]
    TimedOut {
        /// The timeout that passed.
        after: Duration,
    },
}

/// The app's HTTP stack: URLSession, HttpURLConnection, OkHttp, ureq.
pub trait HttpClient: Send + Sync {
    /// Sends `request` and waits for the whole answer. Must not follow
    /// redirects, log tokens or bodies, or retry on its own.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure>;
}

impl<H: HttpClient + ?Sized> HttpClient for &H {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        (**self).send(request)
    }
}

impl<H: HttpClient + ?Sized> HttpClient for Arc<H> {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        (**self).send(request)
    }
}

impl<H: HttpClient + ?Sized> HttpClient for Box<H> {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        (**self).send(request)
    }
}

/// The relay at one address, reached through an app's [`HttpClient`].
pub struct RelayClient<H> {
    base: RelayUrl,
    http: H,
    timeout: Duration,
}

impl<H: HttpClient> RelayClient<H> {
    /// The relay at `base`, with the default timeout.
    pub fn new(base: RelayUrl, http: H) -> RelayClient<H> {
        RelayClient {
            base,
            http,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The same relay with another timeout per request.
    pub fn with_timeout(self, timeout: Duration) -> RelayClient<H> {
        RelayClient { timeout, ..self }
    }

    /// The relay's address.
    pub fn base(&self) -> &RelayUrl {
        &self.base
    }

    /// Whether the relay answers its health check with `ok`: for a
    /// "connected" badge. Never an error: unreachable is `false`.
    pub fn is_reachable(&self) -> bool {
        self.call::<rapport_protocol::Health>(Method::Get, Endpoint::Health, "", None, Vec::new())
            .is_ok_and(|h| h.is_some_and(|h| h.status == "ok"))
    }

    /// Sends one request and reads a 2xx answer's body as `T` (`None` for
    /// an empty body), or the typed error the answer stands for.
    fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        endpoint: Endpoint<'_>,
        query: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Option<T>, TransportError> {
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        if let Some(token) = token {
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        if method == Method::Post {
            headers.push((
                "content-type".to_owned(),
                "application/octet-stream".to_owned(),
            ));
        }
        let request = HttpRequest {
            method,
            url: self.base.join(&endpoint.segments(), query),
            headers,
            body,
            timeout: self.timeout,
        };
        let response = self.http.send(request).map_err(|e| {
            let detail = match e {
                HttpFailure::Unreachable { detail } => format!("{}: {detail}", self.base.host()),
                HttpFailure::TimedOut { .. } => format!("{}: {e}", self.base.host()),
            };
            TransportError::Unreachable { detail }
        })?;
        let body = Self::interpret(&response)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(body)
            .map(Some)
            .map_err(|e| TransportError::Protocol {
                detail: format!(
                    "the answer to {} is not what the API names: {e}",
                    endpoint.route()
                ),
            })
    }

    /// What an answer means, the one table every platform shares
    /// (`tests/vectors/relay-answers.json` holds the cases, run from Rust,
    /// Python and Kotlin):
    ///
    /// | answer | result |
    /// |---|---|
    /// | 2xx with JSON or no body | the body, read by the caller as the endpoint's JSON (none is fine for 204) |
    /// | 429 | `RateLimited`, `Retry-After` seconds (1 when missing or not a number, at most an hour) |
    /// | 3xx | `Refused` with code `unknown`: never followed |
    /// | 4xx/5xx, JSON `{"error","detail"}` | `Refused` with the relay's code (`unknown` when new to this version) and sentence |
    /// | 4xx/5xx, no body or other JSON | `Refused` with code `unknown` |
    /// | 2xx/4xx/5xx with a body that is not JSON (a captive portal, a proxy's page) | `Protocol`: sync again later |
    /// | under 200 or over 599 | `Protocol` |
    pub fn interpret(response: &HttpResponse) -> Result<&[u8], TransportError> {
        let status = response.status;
        let body = response.body.as_slice();
        let json = || -> Result<Option<serde_json::Value>, TransportError> {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            serde_json::from_slice(body)
                .map(Some)
                .map_err(|_| TransportError::Protocol {
                    detail: format!("the relay answered {status} with a body that is not JSON"),
                })
        };
        match status {
            200..=299 => json().map(|_| body),
            429 => {
                let secs = response
                    .header(RETRY_AFTER)
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(DEFAULT_RETRY_AFTER_SECS)
                    .min(MAX_RETRY_AFTER_SECS);
                Err(TransportError::RateLimited {
                    retry_after_secs: secs,
                })
            }
            300..=399 => Err(TransportError::Refused {
                status,
                code: RelayCode::Unknown,
                detail: format!(
                    "the relay's address redirects{}, and Rapport never follows a redirect; \
                     check the relay address",
                    response
                        .header("location")
                        .map(|l| format!(" to {l}"))
                        .unwrap_or_default()
                ),
            }),
            400..=599 => {
                let (code, detail) = json()?
                    .and_then(|j| serde_json::from_value::<ErrorBody>(j).ok())
                    .map_or(
                        (RelayCode::Unknown, "the relay gave no reason".to_owned()),
                        |b| (b.error, b.detail),
                    );
                Err(TransportError::Refused {
                    status,
                    code,
                    detail,
                })
            }
            _ => Err(TransportError::Protocol {
                detail: format!("the relay answered with status {status}, which HTTP has not"),
            }),
        }
    }
}

/// A required body.
fn required<T>(answer: Option<T>, what: &str) -> Result<T, TransportError> {
    answer.ok_or_else(|| TransportError::Protocol {
        detail: format!("the relay's answer to {what} is empty"),
    })
}

impl<H: HttpClient> Transport for RelayClient<H> {
    fn create_mailbox(&self) -> Result<MailboxCredentials, TransportError> {
        let endpoint = Endpoint::Mailboxes;
        let created: CreatedMailbox = required(
            self.call(Method::Post, endpoint, "", None, Vec::new())?,
            endpoint.route(),
        )?;
        Ok(MailboxCredentials {
            mailbox_id: created.mailbox_id,
            read_token: created.read_token,
        })
    }

    fn mint_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
    ) -> Result<PostToken, TransportError> {
        let endpoint = Endpoint::PostTokens { mailbox_id };
        let minted: MintedPostToken = required(
            self.call(Method::Post, endpoint, "", Some(read_token), Vec::new())?,
            endpoint.route(),
        )?;
        Ok(PostToken {
            token_id: minted.token_id,
            post_token: minted.post_token,
        })
    }

    fn revoke_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
        token_id: &str,
    ) -> Result<(), TransportError> {
        let endpoint = Endpoint::PostToken {
            mailbox_id,
            token_id,
        };
        self.call::<serde_json::Value>(Method::Delete, endpoint, "", Some(read_token), Vec::new())?;
        Ok(())
    }

    fn post(
        &self,
        mailbox_id: &str,
        post_token: &str,
        envelope: &[u8],
    ) -> Result<u64, TransportError> {
        let endpoint = Endpoint::Messages { mailbox_id };
        let posted: Posted = required(
            self.call(
                Method::Post,
                endpoint,
                "",
                Some(post_token),
                envelope.to_vec(),
            )?,
            endpoint.route(),
        )?;
        Ok(posted.seq)
    }

    fn prune(
        &self,
        mailbox_id: &str,
        read_token: &str,
        through: u64,
    ) -> Result<u64, TransportError> {
        let endpoint = Endpoint::Messages { mailbox_id };
        let query = PruneQuery { through };
        let pruned: Pruned = required(
            self.call(
                Method::Delete,
                endpoint,
                &query.to_query(),
                Some(read_token),
                Vec::new(),
            )?,
            endpoint.route(),
        )?;
        Ok(pruned.pruned)
    }

    fn fetch(
        &self,
        mailbox_id: &str,
        read_token: &str,
        after: u64,
        limit: u32,
    ) -> Result<FetchPage, TransportError> {
        let endpoint = Endpoint::Messages { mailbox_id };
        let query = FetchQuery {
            after: Some(after),
            limit: Some(u64::from(limit)),
        };
        let page: FetchedPage = required(
            self.call(
                Method::Get,
                endpoint,
                &query.to_query(),
                Some(read_token),
                Vec::new(),
            )?,
            endpoint.route(),
        )?;
        let messages = page
            .messages
            .into_iter()
            .map(|m| {
                let body = STANDARD
                    .decode(m.body)
                    .map_err(|_| TransportError::Protocol {
                        detail: format!("the body of message {} is not base64", m.seq),
                    })?;
                Ok(Fetched { seq: m.seq, body })
            })
            .collect::<Result<Vec<_>, TransportError>>()?;
        Ok(FetchPage {
            messages,
            more: page.more,
        })
    }
}
