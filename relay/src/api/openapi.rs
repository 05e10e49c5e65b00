//! The API's OpenAPI document, served at `GET /v1/openapi.json`.
//!
//! It cannot drift from the code: the router is built from the same
//! `#[utoipa::path]` attributes that describe each handler (utoipa-axum's
//! `routes!`), and every body in it is the `rapport_protocol` type the handler
//! really answers with. What the attributes cannot check (that each error
//! status listed is one the handler gives) the HTTP tests and the schema-driven
//! fuzz run in `tests/relay_api.sh` do.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rapport_protocol::{ErrorBody, ErrorCode};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};

use super::Relay;
use super::problem::ApiError;

/// The name the operations that need a token give their security scheme.
const BEARER: &str = "bearer";

/// What the handlers' attributes do not say: the title, the bearer scheme,
/// and the error shape with every code.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport relay",
        description = "A store-and-forward relay for end-to-end encrypted envelopes. Every \
                       answer that is not a success is `ErrorBody`; a 429 and a 503 also carry \
                       `Retry-After` in seconds."
    ),
    modifiers(&BearerScheme),
    components(schemas(ErrorBody, ErrorCode)),
    tags(
        (name = "relay", description = "The relay itself"),
        (name = "mailboxes", description = "Mailboxes and their post tokens"),
        (name = "messages", description = "Posting, fetching and pruning envelopes"),
    )
)]
pub struct RelayApi;

/// Adds the bearer scheme the operations refer to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "The mailbox's read token (to read and manage it) or a post token (to post to \
                 it): 43 characters of base64url",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    }
}

/// The path of a mailbox's endpoints (for the document only).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct MailboxPath {
    /// The mailbox's id: 22 characters of base64url.
    mailbox_id: String,
}

/// The path of one post token (for the document only).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct PostTokenPath {
    /// The mailbox's id: 22 characters of base64url.
    mailbox_id: String,
    /// The post token's id, from `MintedPostToken`.
    token_id: String,
}

/// The errors every request with a token may get (for the document only).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum TokenErrors {
    #[response(
        status = 401,
        description = "`unauthorized`: no usable bearer token",
        headers(("WWW-Authenticate" = String, description = "`Bearer`"))
    )]
    Unauthorized(ErrorBody),
    #[response(
        status = 403,
        description = "`forbidden`: the token may not do this on this mailbox; `token_revoked`: the post token was revoked"
    )]
    Forbidden(ErrorBody),
    #[response(
        status = 404,
        description = "`no_such_mailbox`, `no_such_token`: no such mailbox or post token on this relay"
    )]
    NotFound(ErrorBody),
    #[response(
        status = 429,
        description = "`rate_limited`: too many requests from this token or peer",
        headers(("Retry-After" = u64, description = "Seconds to wait"))
    )]
    RateLimited(ErrorBody),
    #[response(
        status = 503,
        description = "`unavailable`: storage failed; nothing was changed",
        headers(("Retry-After" = u64, description = "Seconds to wait"))
    )]
    Unavailable(ErrorBody),
}

/// An envelope as posted: opaque bytes (for the document only).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct EnvelopeBytes(Vec<u8>);

/// The document as JSON, made once when the router is built.
pub fn render(document: &Document) -> Option<Bytes> {
    match serde_json::to_vec(document) {
        Ok(json) => Some(Bytes::from(json)),
        Err(e) => {
            tracing::error!(error = %e, "could not render the OpenAPI document");
            None
        }
    }
}

/// `GET /v1/openapi.json`
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "relay",
    responses(
        (status = 200, description = "This document (OpenAPI 3.1)", body = Object),
        (status = 429, description = "`rate_limited`: too many failed requests from this peer", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "`unavailable`: the document could not be rendered", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn document(State(relay): State<Relay>) -> Response {
    match relay.document {
        Some(json) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            json,
        )
            .into_response(),
        None => ApiError::unavailable().into_response(),
    }
}
