//! Reading the bearer token of a request. Only its hash leaves this module;
//! the token itself is never stored, logged or echoed back.

use axum::http::{HeaderMap, header};

use super::problem::ApiError;
use crate::capability::TokenHash;

const HOW: &str = "send the header `Authorization: Bearer <token>` with the mailbox's read token \
                   (to read and manage it) or a post token (to post to it)";

/// The hash of the request's bearer token, or 401 if there is none or it
/// cannot be a token this relay made.
pub fn bearer_token(headers: &HeaderMap) -> Result<TokenHash, ApiError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(ApiError::unauthorized(format!(
            "this request needs exactly one Authorization header; {HOW}"
        )));
    };
    let malformed =
        || ApiError::unauthorized(format!("the Authorization header is malformed; {HOW}"));
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(malformed());
    }
    TokenHash::of_presented(token.trim()).ok_or_else(|| {
        ApiError::unauthorized(format!(
            "the bearer token is not one this relay issues (43 characters of base64url); {HOW}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const TOKEN: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    fn with(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_bytes(v).unwrap());
        }
        headers
    }

    #[test]
    fn a_bearer_token_is_accepted_whatever_the_scheme_case() {
        let expected = TokenHash::of_presented(TOKEN);
        assert!(expected.is_some());
        for v in [format!("Bearer {TOKEN}"), format!("bearer  {TOKEN} ")] {
            assert_eq!(bearer_token(&with(&[v.as_bytes()])).ok(), expected, "{v}");
        }
    }

    #[test]
    fn anything_else_is_unauthorized() {
        let basic = format!("Basic {TOKEN}");
        let bearer = format!("Bearer {TOKEN}");
        for values in [
            vec![],
            vec![b"Bearer".as_slice()],
            vec![b"Bearer ".as_slice()],
            vec![basic.as_bytes()],
            vec![b"Bearer \xff\xfe\x80".as_slice()],
            vec![b"Bearer not-a-token".as_slice()],
            vec![bearer.as_bytes(), bearer.as_bytes()],
        ] {
            assert!(bearer_token(&with(&values)).is_err(), "{values:?}");
        }
    }
}
