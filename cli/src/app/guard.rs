//! What keeps other websites and other programs on this computer out of the
//! therapist's app.
//!
//! The app listens on loopback only, but loopback is not private: any page
//! the browser has open can send requests to 127.0.0.1, and a hostile DNS
//! name can be made to resolve there (DNS rebinding). So every request
//! passes, in this order:
//!
//! 1. the `Host` header must be exactly `127.0.0.1:PORT` or `localhost:PORT`
//!    (else 421): a rebound name arrives with its own name as the host;
//! 2. the session cookie must be this launch's (else 401 and a lock page),
//!    except on `/unlock`, which trades the launch secret from the terminal
//!    for that cookie. The cookie is `HttpOnly` (no script reads it) and
//!    `SameSite=Strict` (no other site's page sends it);
//! 3. a form that changes anything carries this launch's form token (else
//!    403, checked by [`form_token_matches`] in each POST handler), because
//!    a same-site request from another local page would carry the cookie.
//!
//! Every answer, refusals included, carries headers that forbid loading
//! anything from anywhere, framing, caching and referrers ([`protect`]).
//! Secrets are compared in constant time.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, HOST, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::App;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "rapport_app";
/// Where the launch secret is traded for the session cookie.
pub const UNLOCK_PATH: &str = "/unlock";

/// The three random values of one launch of the app, each 32 bytes from the
/// operating system's generator, base64url. None outlives the process.
pub struct Secrets {
    /// In the link the terminal prints; traded once per browser for the cookie.
    pub unlock: String,
    /// The session cookie's value. Not the unlock secret, so the secret can
    /// leave the address bar and the cookie never appears in a URL.
    pub session: String,
    /// The token every form that changes something carries.
    pub form_token: String,
}

impl Secrets {
    /// Fresh secrets, or why the system could not give random bytes.
    pub fn generate() -> Result<Secrets, getrandom::Error> {
        Ok(Secrets {
            unlock: random_token()?,
            session: random_token()?,
            form_token: random_token()?,
        })
    }
}

fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `given` is `secret`, in time that does not depend on where they
/// differ (their lengths are no secret: every token has the same).
pub fn same_secret(given: &str, secret: &str) -> bool {
    given.as_bytes().ct_eq(secret.as_bytes()).into()
}

/// Whether a submitted form token is this launch's.
pub fn form_token_matches(given: Option<&str>, app: &App) -> bool {
    given.is_some_and(|given| same_secret(given, &app.secrets.form_token))
}

/// The `Set-Cookie` value that lets this browser in until the app stops
/// (no expiry: a session cookie, gone with the browser session too).
pub fn session_cookie(app: &App) -> String {
    format!(
        "{COOKIE_NAME}={}; HttpOnly; SameSite=Strict; Path=/",
        app.secrets.session
    )
}

/// The Content-Security-Policy of every answer: nothing loads, nothing
/// frames the app, forms post only to it, and the one style and the one
/// script allowed are our own inline ones, by their hashes.
pub fn content_security_policy(style: &str, script: &str) -> String {
    let style = STANDARD.encode(Sha256::digest(style.as_bytes()));
    let script = STANDARD.encode(Sha256::digest(script.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{style}'; script-src 'sha256-{script}'; \
         img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// Whether the request names this app as its host, and nothing else.
fn host_is_ours(headers: &HeaderMap, port: u16) -> bool {
    let mut hosts = headers.get_all(HOST).iter();
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        return false;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}")
}

/// Whether the request carries this launch's session cookie.
fn has_session(headers: &HeaderMap, app: &App) -> bool {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| name == COOKIE_NAME && same_secret(value, &app.secrets.session))
}

/// The checks every request passes (host, then session), and the headers
/// every answer carries.
pub async fn protect(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let mut response = if !host_is_ours(request.headers(), app.port) {
        (
            StatusCode::MISDIRECTED_REQUEST,
            "This app answers only to 127.0.0.1 and localhost.\n",
        )
            .into_response()
    } else if request.uri().path() == UNLOCK_PATH || has_session(request.headers(), &app) {
        next.run(request).await
    } else {
        super::screens::locked(&app)
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, app.csp.clone());
    for (name, value) in [
        (X_FRAME_OPTIONS, "DENY"),
        (REFERRER_POLICY, "no-referrer"),
        (CACHE_CONTROL, "no-store"),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_distinct() {
        let a = Secrets::generate().unwrap();
        let b = Secrets::generate().unwrap();
        assert_eq!(a.unlock.len(), 43);
        assert_ne!(a.unlock, b.unlock);
        assert_ne!(a.unlock, a.session);
        assert_ne!(a.session, a.form_token);
    }

    #[test]
    fn a_secret_matches_only_itself() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "abc"));
    }

    #[test]
    fn only_loopback_names_with_our_port_are_ours() {
        let with = |host: &str| {
            let mut h = HeaderMap::new();
            h.insert(HOST, HeaderValue::from_str(host).unwrap());
            h
        };
        assert!(host_is_ours(&with("127.0.0.1:8123"), 8123));
        assert!(host_is_ours(&with("localhost:8123"), 8123));
        for other in [
            "127.0.0.1:8124",
            "evil.example:8123",
            "127.0.0.1",
            "localhost.evil.example:8123",
            "[::1]:8123",
        ] {
            assert!(!host_is_ours(&with(other), 8123), "{other}");
        }
        assert!(!host_is_ours(&HeaderMap::new(), 8123));
        let mut two = with("127.0.0.1:8123");
        two.append(HOST, HeaderValue::from_static("evil.example"));
        assert!(!host_is_ours(&two, 8123));
    }

    #[test]
    fn the_policy_allows_our_style_and_script_and_nothing_else() {
        let csp = content_security_policy("body{}", "f()");
        assert!(csp.starts_with("default-src 'none';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("form-action 'self'"));
        assert!(csp.contains("script-src 'sha256-"));
        assert!(!csp.contains("unsafe"));
        assert!(!csp.contains("http"));
        assert_ne!(csp, content_security_policy("body{color:red}", "f()"));
        assert_ne!(csp, content_security_policy("body{}", "g()"));
    }
}
