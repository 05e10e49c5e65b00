//! One function per endpoint. Each checks, in this order: the bearer token
//! (401), the token's rate (429), the ids in the path (404), the query and
//! body (400, 413), and only then asks storage, which checks the token's
//! rights on the mailbox (403, 404) atomically with the operation.

use axum::Json;
use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::SecondsFormat;
use rapport_protocol::{
    CreatedMailbox, DEFAULT_FETCH_LIMIT, ErrorBody, FetchQuery, FetchedMessage, FetchedPage,
    Health, MintedPostToken, Posted, PruneQuery, Pruned,
};
use serde::Serialize;

use super::Relay;
use super::auth::bearer_token;
use super::openapi::{EnvelopeBytes, MailboxPath, PostTokenPath, TokenErrors};
use super::problem::{ApiError, Attempt};
use crate::capability::{MailboxId, NewToken, TokenHash, TokenId};
use crate::storage::{Quota, StorageError, StoredMessage};

/// A response that hands out a token: no cache may keep it.
fn with_token<T: Serialize>(body: T) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A path whose ids are not even text names nothing on this relay.
fn path_rejected(rejection: &PathRejection) -> ApiError {
    if let PathRejection::FailedToDeserializePathParams(e) = rejection
        && let ErrorKind::InvalidUtf8InPathParam { key } = e.kind()
        && key == "token_id"
    {
        return ApiError::no_such_token();
    }
    ApiError::no_such_mailbox()
}

fn mailbox_in_path(path: Result<Path<String>, PathRejection>) -> Result<MailboxId, ApiError> {
    let Path(text) = path.map_err(|e| path_rejected(&e))?;
    MailboxId::parse(&text).ok_or_else(ApiError::no_such_mailbox)
}

impl Relay {
    /// The answer to a refusal from storage; a failure is counted.
    fn refused(&self, error: StorageError, attempt: Attempt) -> ApiError {
        if matches!(error, StorageError::Unavailable { .. }) {
            self.metrics.storage_error();
        }
        ApiError::from_storage(error, attempt, &self.limits)
    }
}

/// The caller's token, after its rate limit.
fn authenticate(relay: &Relay, headers: &HeaderMap) -> Result<TokenHash, ApiError> {
    let token = bearer_token(headers)?;
    relay
        .limiter
        .check(&token)
        .map_err(ApiError::rate_limited)?;
    Ok(token)
}

fn fresh<T, E>(generate: impl FnOnce() -> Result<T, E>) -> Result<T, ApiError>
where
    E: std::fmt::Display,
{
    generate().map_err(|e| {
        tracing::error!(error = %e, "could not generate a random id or token");
        ApiError::unavailable()
    })
}

/// `GET /v1/health`
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "relay",
    responses(
        (status = 200, description = "The relay can serve", body = Health),
        (status = 429, description = "`rate_limited`: too many requests from this token or peer", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

/// `POST /v1/mailboxes`: no body (an empty JSON object is tolerated). No
/// token pays for it, so the peer does (`peer_limits`, in `mod.rs`).
#[utoipa::path(
    post,
    path = "/v1/mailboxes",
    tag = "mailboxes",
    request_body(
        content = Object,
        description = "None, or an empty JSON object",
        content_type = "application/json"
    ),
    responses(
        (status = 201, description = "The new mailbox and its read token (shown once)", body = CreatedMailbox),
        (status = 400, description = "`bad_request`: the query or body is malformed", body = ErrorBody),
        (status = 413, description = "`too_large`: the body is over the relay's limit", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many requests from this token or peer", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "`unavailable`: storage failed; nothing was changed", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn create_mailbox(
    State(relay): State<Relay>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| body_rejected(&relay, &e))?;
    let is_empty = body.iter().all(u8::is_ascii_whitespace);
    if !is_empty && serde_json::from_slice::<serde_json::Map<_, _>>(&body).is_err() {
        return Err(ApiError::bad_request(
            "creating a mailbox takes no request body; send none (or `{}`)",
        ));
    }
    let mailbox = fresh(MailboxId::generate)?;
    let read_token = fresh(NewToken::generate)?;
    relay
        .storage
        .create_mailbox(mailbox.clone(), read_token.hash)
        .await
        .map_err(|e| relay.refused(e, Attempt::Manage))?;
    tracing::info!(mailbox = %mailbox, "mailbox created");
    Ok(with_token(CreatedMailbox {
        mailbox_id: mailbox.as_str().to_owned(),
        read_token: read_token.text,
    }))
}

/// `POST /v1/mailboxes/{mailbox_id}/post-tokens` with the read token.
#[utoipa::path(
    post,
    path = "/v1/mailboxes/{mailbox_id}/post-tokens",
    tag = "mailboxes",
    params(MailboxPath),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A new post token (shown once) and its id", body = MintedPostToken),
        TokenErrors,
    )
)]
pub async fn mint_post_token(
    State(relay): State<Relay>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let read_token = authenticate(&relay, &headers)?;
    let mailbox = mailbox_in_path(path)?;
    let token_id = fresh(TokenId::generate)?;
    let post_token = fresh(NewToken::generate)?;
    relay
        .storage
        .add_post_token(mailbox, read_token, token_id.clone(), post_token.hash)
        .await
        .map_err(|e| relay.refused(e, Attempt::Manage))?;
    Ok(with_token(MintedPostToken {
        token_id: token_id.as_str().to_owned(),
        post_token: post_token.text,
    }))
}

/// `DELETE /v1/mailboxes/{mailbox_id}/post-tokens/{token_id}` with the read
/// token.
#[utoipa::path(
    delete,
    path = "/v1/mailboxes/{mailbox_id}/post-tokens/{token_id}",
    tag = "mailboxes",
    params(PostTokenPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The post token is revoked (revoking twice is fine)"),
        TokenErrors,
    )
)]
pub async fn revoke_post_token(
    State(relay): State<Relay>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let read_token = authenticate(&relay, &headers)?;
    let Path((mailbox, token_id)) = path.map_err(|e| path_rejected(&e))?;
    let mailbox = MailboxId::parse(&mailbox).ok_or_else(ApiError::no_such_mailbox)?;
    let token_id = TokenId::parse(&token_id).ok_or_else(ApiError::no_such_token)?;
    relay
        .storage
        .revoke_post_token(mailbox, read_token, token_id)
        .await
        .map_err(|e| relay.refused(e, Attempt::Manage))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/mailboxes/{mailbox_id}/messages` with a post token; the body is
/// the envelope, as opaque bytes.
#[utoipa::path(
    post,
    path = "/v1/mailboxes/{mailbox_id}/messages",
    tag = "messages",
    params(MailboxPath),
    security(("bearer" = [])),
    request_body(
        content = EnvelopeBytes,
        description = "The envelope, as opaque bytes",
        content_type = "application/octet-stream"
    ),
    responses(
        (status = 201, description = "Stored durably: the sender may delete its copy", body = Posted),
        (status = 400, description = "`bad_request`: the query or body is malformed", body = ErrorBody),
        (status = 413, description = "`too_large`: the body is over the relay's limit", body = ErrorBody),
        (status = 507, description = "`mailbox_full`: the mailbox is at its quota until its owner prunes it", body = ErrorBody),
        TokenErrors,
    )
)]
pub async fn post_message(
    State(relay): State<Relay>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let post_token = authenticate(&relay, &headers)?;
    let mailbox = mailbox_in_path(path)?;
    let body = body.map_err(|e| body_rejected(&relay, &e))?;
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "the message is empty; send the envelope's bytes as the request body",
        ));
    }
    let quota = Quota {
        messages: relay.limits.mailbox_quota_messages,
        bytes: relay.limits.mailbox_quota_bytes,
    };
    let seq = relay
        .storage
        .append(mailbox, post_token, body.to_vec(), quota)
        .await
        .map_err(|e| relay.refused(e, Attempt::Post))?;
    relay.metrics.message_stored(body.len());
    Ok((StatusCode::CREATED, Json(Posted { seq })).into_response())
}

fn body_rejected(relay: &Relay, rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(relay.limits.max_body_bytes)
    } else {
        ApiError::bad_request("the request body could not be read; send it again")
    }
}

impl From<StoredMessage> for FetchedMessage {
    fn from(message: StoredMessage) -> FetchedMessage {
        FetchedMessage {
            seq: message.seq,
            received_at: message
                .received_at
                .to_rfc3339_opts(SecondsFormat::Micros, true),
            body: STANDARD.encode(&message.body),
        }
    }
}

/// `GET /v1/mailboxes/{mailbox_id}/messages?after=N&limit=M` with the read
/// token.
#[utoipa::path(
    get,
    path = "/v1/mailboxes/{mailbox_id}/messages",
    tag = "messages",
    params(MailboxPath, FetchQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Messages after `after`, oldest first", body = FetchedPage),
        (status = 400, description = "`bad_request`: the query or body is malformed", body = ErrorBody),
        TokenErrors,
    )
)]
pub async fn fetch_messages(
    State(relay): State<Relay>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    query: Result<Query<FetchQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let read_token = authenticate(&relay, &headers)?;
    let mailbox = mailbox_in_path(path)?;
    let Query(query) = query.map_err(|_| {
        ApiError::bad_request(
            "the query must be `after=N&limit=M` with N and M whole numbers, N from 0 and M from \
             1",
        )
    })?;
    let limit = query.limit.unwrap_or(u64::from(DEFAULT_FETCH_LIMIT));
    if limit == 0 {
        return Err(ApiError::bad_request(
            "limit must be at least 1 (or left out for the default of 100)",
        ));
    }
    let limit = u32::try_from(limit)
        .unwrap_or(u32::MAX)
        .min(relay.limits.max_fetch_limit);
    let page = relay
        .storage
        .fetch(mailbox, read_token, query.after.unwrap_or(0), limit)
        .await
        .map_err(|e| relay.refused(e, Attempt::Manage))?;
    let body = FetchedPage {
        messages: page
            .messages
            .into_iter()
            .map(FetchedMessage::from)
            .collect(),
        more: page.more,
    };
    Ok(Json(body).into_response())
}

/// `DELETE /v1/mailboxes/{mailbox_id}/messages?through=N` with the read
/// token.
#[utoipa::path(
    delete,
    path = "/v1/mailboxes/{mailbox_id}/messages",
    tag = "messages",
    params(MailboxPath, PruneQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many messages were deleted", body = Pruned),
        (status = 400, description = "`bad_request`: the query or body is malformed", body = ErrorBody),
        TokenErrors,
    )
)]
pub async fn prune_messages(
    State(relay): State<Relay>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    query: Result<Query<PruneQuery>, QueryRejection>,
) -> Result<Json<Pruned>, ApiError> {
    let read_token = authenticate(&relay, &headers)?;
    let mailbox = mailbox_in_path(path)?;
    let Query(query) = query.map_err(|_| {
        ApiError::bad_request(
            "the query must be `through=N` with N a whole number from 0: messages up to and \
             including sequence number N are deleted",
        )
    })?;
    let pruned = relay
        .storage
        .prune(mailbox, read_token, query.through)
        .await
        .map_err(|e| relay.refused(e, Attempt::Manage))?;
    Ok(Json(Pruned { pruned }))
}
