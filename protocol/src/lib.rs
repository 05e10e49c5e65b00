//! The relay's `/v1` HTTP API, written once for both ends: the relay serves
//! these routes and bodies, the core builds these requests and reads these
//! answers. Neither can drift from the other without this crate changing.
//!
//! Nothing here decrypts or even knows what an envelope is: the relay links
//! this crate and still holds nothing that could read a check-in.
//!
//! Every answer that is not a success is [`ErrorBody`]: a code a program acts
//! on ([`ErrorCode`]) and a sentence for a person. A 429 and a 503 also carry
//! `Retry-After` in seconds.

use serde::{Deserialize, Serialize};

/// The version prefix every route starts with.
pub const PREFIX: &str = "/v1";

/// The header that carries a 429's or 503's wait, in whole seconds.
pub const RETRY_AFTER: &str = "retry-after";

/// How many messages a fetch returns when it does not say.
pub const DEFAULT_FETCH_LIMIT: u32 = 100;

/// One endpoint of the API, with the ids it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint<'a> {
    /// `GET`: whether the relay is up.
    Health,
    /// `POST`: creates a mailbox.
    Mailboxes,
    /// `POST` with the read token: mints a post token.
    PostTokens {
        /// The mailbox.
        mailbox_id: &'a str,
    },
    /// `DELETE` with the read token: revokes a post token.
    PostToken {
        /// The mailbox.
        mailbox_id: &'a str,
        /// The token's id, from [`MintedPostToken`].
        token_id: &'a str,
    },
    /// `POST` with a post token, `GET` ([`FetchQuery`]) and `DELETE`
    /// ([`PruneQuery`]) with the read token.
    Messages {
        /// The mailbox.
        mailbox_id: &'a str,
    },
}

impl<'a> Endpoint<'a> {
    /// Every endpoint, with placeholder ids, for tables and tests.
    pub const ALL: [Endpoint<'static>; 5] = [
        Endpoint::Health,
        Endpoint::Mailboxes,
        Endpoint::PostTokens { mailbox_id: "" },
        Endpoint::PostToken {
            mailbox_id: "",
            token_id: "",
        },
        Endpoint::Messages { mailbox_id: "" },
    ];

    /// The route as the relay's router names it, with `{mailbox_id}` and
    /// `{token_id}` placeholders.
    pub fn route(&self) -> &'static str {
        match self {
            Endpoint::Health => "/v1/health",
            Endpoint::Mailboxes => "/v1/mailboxes",
            Endpoint::PostTokens { .. } => "/v1/mailboxes/{mailbox_id}/post-tokens",
            Endpoint::PostToken { .. } => "/v1/mailboxes/{mailbox_id}/post-tokens/{token_id}",
            Endpoint::Messages { .. } => "/v1/mailboxes/{mailbox_id}/messages",
        }
    }

    /// The path's segments with the ids filled in, unescaped: the caller's
    /// URL builder percent-encodes each, so an id stays one segment whatever
    /// it contains.
    pub fn segments(&self) -> Vec<&'a str> {
        let mut out = vec!["v1"];
        match *self {
            Endpoint::Health => out.push("health"),
            Endpoint::Mailboxes => out.push("mailboxes"),
            Endpoint::PostTokens { mailbox_id } => {
                out.extend(["mailboxes", mailbox_id, "post-tokens"]);
            }
            Endpoint::PostToken {
                mailbox_id,
                token_id,
            } => out.extend(["mailboxes", mailbox_id, "post-tokens", token_id]),
            Endpoint::Messages { mailbox_id } => out.extend(["mailboxes", mailbox_id, "messages"]),
        }
        out
    }
}

/// Answer to `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` when the relay can serve.
    pub status: String,
}

/// Answer to `POST /v1/mailboxes` (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedMailbox {
    /// The new mailbox's id.
    pub mailbox_id: String,
    /// Reads the mailbox and mints post tokens for it; shown once.
    pub read_token: String,
}

/// Answer to `POST .../post-tokens` (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MintedPostToken {
    /// Names the token for revocation.
    pub token_id: String,
    /// The token itself; shown once.
    pub post_token: String,
}

/// Answer to `POST .../messages` (201): the message's place in the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Posted {
    /// Sequence number, unique and growing per mailbox.
    pub seq: u64,
}

/// Query of `GET .../messages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct FetchQuery {
    /// Only messages with a sequence number above this (0 when absent).
    pub after: Option<u64>,
    /// At most this many ([`DEFAULT_FETCH_LIMIT`] when absent; at least 1).
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub limit: Option<u64>,
}

impl FetchQuery {
    /// The query string, without the `?`.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(after) = self.after {
            parts.push(format!("after={after}"));
        }
        if let Some(limit) = self.limit {
            parts.push(format!("limit={limit}"));
        }
        parts.join("&")
    }
}

/// One message of a fetched page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FetchedMessage {
    /// Its sequence number in the mailbox.
    pub seq: u64,
    /// When the relay stored it (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub received_at: String,
    /// The envelope as posted, in standard base64.
    #[cfg_attr(feature = "openapi", schema(format = Byte))]
    pub body: String,
}

/// Answer to `GET .../messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FetchedPage {
    /// Messages in ascending `seq`.
    pub messages: Vec<FetchedMessage>,
    /// Whether more are waiting after these.
    #[serde(default)]
    pub more: bool,
}

/// Query of `DELETE .../messages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct PruneQuery {
    /// Messages up to and including this sequence number are deleted.
    pub through: u64,
}

impl PruneQuery {
    /// The query string, without the `?`.
    pub fn to_query(&self) -> String {
        format!("through={}", self.through)
    }
}

/// Answer to `DELETE .../messages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pruned {
    /// How many messages were deleted.
    pub pruned: u64,
}

/// Body of every answer that is not a success.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong, for a program.
    pub error: ErrorCode,
    /// What went wrong and what to do, for a person.
    pub detail: String,
}

/// Every refusal the relay answers with. A code this version does not know
/// (a newer relay's) reads as [`ErrorCode::Unknown`], never as a failure to
/// read the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request is malformed.
    BadRequest,
    /// 401: no usable bearer token.
    Unauthorized,
    /// 403: the token may not do this on this mailbox.
    Forbidden,
    /// 403: the post token was revoked by the mailbox's owner.
    TokenRevoked,
    /// 404: no mailbox with this id.
    NoSuchMailbox,
    /// 404: no post token with this id.
    NoSuchToken,
    /// 404: no such endpoint.
    NotFound,
    /// 405: the endpoint does not take this method.
    MethodNotAllowed,
    /// 413: the body is over the relay's limit.
    TooLarge,
    /// 507: the mailbox is at its quota until its owner prunes it.
    MailboxFull,
    /// 429: too many requests with this token (`Retry-After` says how long to wait).
    RateLimited,
    /// 503: the relay could not complete the request; nothing changed.
    Unavailable,
    /// A code this version does not know, or an answer without one. The
    /// relay never sends it, so its OpenAPI document leaves it out.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it travels.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::TokenRevoked => "token_revoked",
            ErrorCode::NoSuchMailbox => "no_such_mailbox",
            ErrorCode::NoSuchToken => "no_such_token",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::MailboxFull => "mailbox_full",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Unknown => "unknown",
        }
    }

    /// Every code, for tables and tests.
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::TokenRevoked,
        ErrorCode::NoSuchMailbox,
        ErrorCode::NoSuchToken,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::TooLarge,
        ErrorCode::MailboxFull,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Unknown,
    ];
}

/// A string of the codes a relay sends: every code but [`ErrorCode::Unknown`],
/// listed from [`ErrorCode::as_str`] so the document spells them as they
/// travel.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let sent = ErrorCode::ALL
            .iter()
            .filter(|code| **code != ErrorCode::Unknown)
            .map(ErrorCode::as_str);
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "What went wrong, for a program. A client reads a code it does not know as \
                 `unknown`; relays never send that one.",
            ))
            .enum_values(Some(sent))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ErrorCode {}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_travels_as_its_own_name_and_back() {
        for code in ErrorCode::ALL {
            let text = serde_json::to_string(&code).unwrap();
            assert_eq!(text, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&text).unwrap(), code);
        }
    }

    #[test]
    fn a_code_from_a_newer_relay_reads_as_unknown() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"quota_exceeded_v2","detail":"later"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
    }

    #[test]
    fn segments_spell_the_route_with_the_ids_filled_in() {
        for endpoint in Endpoint::ALL {
            let filled = endpoint.segments().join("/");
            let template = endpoint.route().trim_start_matches('/');
            let spelled = template
                .split('/')
                .map(|s| if s.starts_with('{') { "" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(filled, spelled, "{endpoint:?}");
        }
        let e = Endpoint::PostToken {
            mailbox_id: "m/1",
            token_id: "t",
        };
        assert_eq!(e.segments(), ["v1", "mailboxes", "m/1", "post-tokens", "t"]);
    }

    #[test]
    fn a_fetch_query_leaves_out_what_it_does_not_say() {
        assert_eq!(FetchQuery::default().to_query(), "");
        let q = FetchQuery {
            after: Some(7),
            limit: Some(50),
        };
        assert_eq!(q.to_query(), "after=7&limit=50");
    }
}
