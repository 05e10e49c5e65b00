//! Every error the API answers with: a status, a `snake_case` code a program
//! can act on, and a sentence telling a person what happened and what to do.
//!
//! Body: `{"error": "<code>", "detail": "<sentence>"}`. This module also turns
//! axum's own rejections (body too large, unreadable path or query, unknown
//! route, wrong method) into the same shape, so a client never has to parse
//! plain text.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_protocol::{ErrorBody, ErrorCode};

use crate::limits::Limits;
use crate::storage::StorageError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    detail: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, detail)
    }

    /// 401: no usable `Authorization` header.
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, detail)
    }

    /// 404: the mailbox id cannot exist on this relay.
    pub fn no_such_mailbox() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NoSuchMailbox,
            "there is no mailbox with this id on this relay; check the relay address and the \
             mailbox id (in the invite or the device's settings)",
        )
    }

    /// 404: the post token id cannot exist on this relay.
    pub fn no_such_token() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NoSuchToken,
            "this mailbox has no post token with that id; use the token_id returned when the \
             token was minted",
        )
    }

    /// 413: the body is over the limit.
    pub fn too_large(max_body_bytes: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!(
                "the message is larger than this relay accepts ({max_body_bytes} bytes); \
                 Rapport envelopes are always smaller, so this is not one"
            ),
        )
    }

    /// 429: this token is making requests too fast.
    pub fn rate_limited(wait: Duration) -> ApiError {
        ApiError::too_many(wait, "too many requests with this token")
    }

    /// 429: this peer's failed requests (bad, unknown or revoked tokens,
    /// malformed requests) have used up its budget; anything it sends waits.
    pub fn too_many_failures(wait: Duration) -> ApiError {
        ApiError::too_many(wait, "too many failed requests from this address")
    }

    /// 429: this peer has created its share of mailboxes for now.
    pub fn too_many_mailboxes(wait: Duration) -> ApiError {
        ApiError::too_many(wait, "too many new mailboxes from this address")
    }

    fn too_many(wait: Duration, what: &str) -> ApiError {
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!("{what}; wait {seconds} s and try again"),
            )
        }
    }

    /// 503: storage failed; nothing was acknowledged.
    pub fn unavailable() -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "the relay could not complete this request right now and nothing was changed; \
                 try again shortly",
            )
        }
    }

    /// The answer to a refusal from storage, worded for what was attempted.
    pub fn from_storage(error: StorageError, attempt: Attempt, limits: &Limits) -> ApiError {
        match error {
            StorageError::NoSuchMailbox => ApiError::no_such_mailbox(),
            StorageError::NoSuchPostToken => ApiError::no_such_token(),
            StorageError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                match attempt {
                    Attempt::Post => {
                        "this token may not post to this mailbox; posting needs a post token \
                         minted for it (ask the mailbox's owner for a new invite)"
                    }
                    Attempt::Manage => {
                        "this token may not read or manage this mailbox; that needs the read \
                         token returned when the mailbox was created"
                    }
                },
            ),
            StorageError::TokenRevoked => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::TokenRevoked,
                "this post token was revoked by the mailbox's owner; ask them for a new invite",
            ),
            StorageError::MailboxFull => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                ErrorCode::MailboxFull,
                format!(
                    "the mailbox holds as much as this relay allows ({} messages or {} bytes); \
                     its owner has to sync and prune it before more can be posted",
                    limits.mailbox_quota_messages, limits.mailbox_quota_bytes
                ),
            ),
            StorageError::Unavailable { detail } => {
                tracing::error!(%detail, "storage failed");
                ApiError::unavailable()
            }
        }
    }
}

/// What the refused request was trying to do, to word `forbidden` usefully.
#[derive(Debug, Clone, Copy)]
pub enum Attempt {
    /// Posting a message (needs a post token).
    Post,
    /// Reading, pruning, or managing post tokens (needs the read token).
    Manage,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            detail: self.detail,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Answer for paths that match no route.
pub async fn no_such_endpoint() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "there is no such endpoint on this relay; the API lives under /v1 (see the relay's \
         README)",
    )
}

/// Answer for a known path with a method it does not take.
pub async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("this endpoint does not accept {method}; see the relay's README for the API"),
    )
}

/// Gives any error response that is not already JSON (axum's rejections,
/// anything a handler did not word itself) the API's error shape.
pub async fn ensure_json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let (code, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::TooLarge,
            "the request body is larger than this relay accepts",
        ),
        StatusCode::NOT_FOUND => (
            ErrorCode::NotFound,
            "there is no such endpoint on this relay",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "this endpoint does not accept that method",
        ),
        s if s.is_server_error() => (
            ErrorCode::Unavailable,
            "the relay could not complete this request; try again shortly",
        ),
        _ => (
            ErrorCode::BadRequest,
            "the relay could not understand this request; see the relay's README for the API",
        ),
    };
    let mut replaced = ApiError::new(status, code, detail).into_response();
    // Keep headers such as `Allow` and `Retry-After`; only the body changes.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replaced.headers_mut().insert(name.clone(), value.clone());
        }
    }
    replaced
}
