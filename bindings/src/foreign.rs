//! What the app implements in its own language: the platform keystore
//! ([`SecretStore`]: Keychain, Android Keystore) and one HTTP call
//! ([`HttpClient`]: URLSession, HttpURLConnection, OkHttp). Each is adapted to
//! the core trait of the same name, so the library carries no key files and no
//! network or TLS stack, and the relay's protocol lives in the core alone.

use std::sync::Arc;

use rapport_core::sync::http as core_http;

use crate::error::RapportError;

/// Named secrets kept by the platform keystore (Keychain on iOS, a key held in
/// the Android Keystore). Rapport stores one 32-byte data key per database
/// here, under a name starting `rapport.data-key.`.
///
/// Throw `RapportError.KeyUnavailable` when the keystore refuses (device
/// locked, user cancelled, ...).
#[uniffi::export(rust, foreign)]
pub trait SecretStore: Send + Sync {
    /// The secret stored under `name`, or nothing when there is none.
    fn get(&self, name: String) -> Result<Option<Vec<u8>>, RapportError>;
    /// Stores `secret` under `name`, replacing any previous one.
    fn put(&self, name: String, secret: Vec<u8>) -> Result<(), RapportError>;
    /// Forgets the secret under `name`; forgetting a missing one succeeds.
    fn delete(&self, name: String) -> Result<(), RapportError>;
}

/// The app's HTTP stack (URLSession, HttpURLConnection, OkHttp): send one
/// request, return the answer. Rapport builds every request of the relay's
/// `/v1` API and reads every answer itself, the same on every platform; the
/// app only makes the call.
///
/// Called from a background thread; may block until the answer is complete
/// or `timeout_ms` has passed. Must not follow redirects (hand the 3xx back),
/// retry, cache, or log headers or bodies: they hold bearer tokens and
/// envelopes. Return any status as an answer; throw `HttpError` only when
/// there is no answer. Anything else thrown counts as `Unreachable`.
#[uniffi::export(rust, foreign)]
pub trait HttpClient: Send + Sync {
    /// Sends `request` and returns the whole answer.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError>;
}

/// One request, complete: add only what the platform must (`Host`,
/// `Content-Length`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequest {
    /// `GET`, `POST` or `DELETE`.
    pub method: String,
    /// The absolute URL, path already escaped.
    pub url: String,
    /// Headers to send, names in lower case.
    pub headers: Vec<HttpHeader>,
    /// The body; empty for none.
    pub body: Vec<u8>,
    /// Give up when the whole answer has not come within this many milliseconds.
    pub timeout_ms: u64,
}

/// An answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    /// The status code, as received.
    pub status: u16,
    /// Headers as received (at least `Retry-After` and `Location` when present).
    pub headers: Vec<HttpHeader>,
    /// The body; empty for none.
    pub body: Vec<u8>,
}

/// One header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// Its name (any case).
    pub name: String,
    /// Its value.
    pub value: String,
}

/// No answer at all. Either way nothing was lost: sync again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HttpError {
    /// Offline, DNS, refused connection, TLS, a connection cut mid-answer.
    #[error("{reason}")]
    Unreachable {
        /// What the platform said (never a token or a body).
        reason: String,
    },
    /// No complete answer within the request's `timeout_ms`.
    #[error("{reason}")]
    TimedOut {
        /// What the platform said.
        reason: String,
    },
}

/// The app's callback threw something it did not declare.
impl From<uniffi::UnexpectedUniFFICallbackError> for HttpError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HttpError::Unreachable {
            reason: format!("the app's HTTP client failed unexpectedly: {}", e.reason),
        }
    }
}

/// The app's keystore as the core sees it.
pub(crate) struct ForeignSecretStore(pub(crate) Arc<dyn SecretStore>);

impl rapport_core::SecretStore for ForeignSecretStore {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, rapport_core::SecretStoreError> {
        Ok(self.0.get(name.to_owned())?)
    }

    fn put(&self, name: &str, secret: &[u8]) -> Result<(), rapport_core::SecretStoreError> {
        Ok(self.0.put(name.to_owned(), secret.to_vec())?)
    }

    fn delete(&self, name: &str) -> Result<(), rapport_core::SecretStoreError> {
        Ok(self.0.delete(name.to_owned())?)
    }
}

/// The app's HTTP client as the core sees it.
pub(crate) struct ForeignHttpClient(pub(crate) Arc<dyn HttpClient>);

impl core_http::HttpClient for ForeignHttpClient {
    fn send(
        &self,
        request: core_http::HttpRequest,
    ) -> Result<core_http::HttpResponse, core_http::HttpFailure> {
        let timeout = request.timeout;
        let answer = self.0.send(HttpRequest {
            method: request.method.as_str().to_owned(),
            url: request.url,
            headers: request
                .headers
                .into_iter()
                .map(|(name, value)| HttpHeader { name, value })
                .collect(),
            body: request.body,
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        });
        match answer {
            Ok(r) => Ok(core_http::HttpResponse {
                status: r.status,
                headers: r.headers.into_iter().map(|h| (h.name, h.value)).collect(),
                body: r.body,
            }),
            Err(HttpError::Unreachable { reason }) => {
                Err(core_http::HttpFailure::Unreachable { detail: reason })
            }
            Err(HttpError::TimedOut { .. }) => {
                Err(core_http::HttpFailure::TimedOut { after: timeout })
            }
        }
    }
}
