//! What a device makes of a relay's answers, whatever the relay (or a
//! captive portal, or a proxy) sends back: `RelayClient` maps each answer
//! to a result or a typed error, for every call of the `Transport`.
//!
//! Input: the call (one byte), the status (two bytes, big-endian; 0 for no
//! answer at all), a header count (one byte) and that many headers (a
//! length byte and the name, a length byte and the value), then the body.
//! `fuzz/examples/seeds.rs` writes the cases of
//! `tests/vectors/relay-answers.json` in this layout.
//!
//! Checked, against the table in `RelayClient::interpret`: only a 2xx
//! succeeds; a 429 asks to wait at most an hour; a redirect is refused, never
//! followed; an error status is refused with that status, or is a protocol
//! error when its body is not JSON; a status HTTP does not have is a
//! protocol error; no answer is "unreachable"; every error has a sentence.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_core::sync::http::MAX_RETRY_AFTER_SECS;
use rapport_core::sync::{
    HttpClient, HttpFailure, HttpRequest, HttpResponse, RelayClient, RelayUrl, Transport,
    TransportError,
};

/// Answers every request with the same answer.
struct Hostile(Option<HttpResponse>);

impl HttpClient for Hostile {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        assert!(
            request
                .url
                .starts_with("https://relay.example.org/base/v1/")
        );
        self.0.clone().ok_or(HttpFailure::Unreachable {
            detail: "connection refused".into(),
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let (Some(call), Some(high), Some(low), Some(count)) =
        (input.byte(), input.byte(), input.byte(), input.byte())
    else {
        return;
    };
    let status = u16::from_be_bytes([high, low]);
    let mut headers = Vec::new();
    for _ in 0..count.min(4) {
        let (Some(name), Some(value)) = (input.text(), input.text()) else {
            return;
        };
        headers.push((name, value));
    }
    let answer = (status != 0).then(|| HttpResponse {
        status,
        headers,
        body: input.0.to_vec(),
    });
    let base = RelayUrl::parse("https://relay.example.org/base").expect("a relay address");
    let client = RelayClient::new(base, Hostile(answer));
    let result = match call % 6 {
        0 => client.create_mailbox().map(drop),
        1 => client.mint_post_token("mbx/1", "read-1").map(drop),
        2 => client.revoke_post_token("mbx/1", "read-1", "tid-1"),
        3 => client.post("mbx/1", "post-1", b"hello").map(drop),
        4 => client.fetch("mbx/1", "read-1", 5, 50).map(drop),
        _ => {
            let reachable = client.is_reachable();
            assert!(!reachable || (200..300).contains(&status));
            return;
        }
    };
    match result {
        Ok(()) => assert!((200..300).contains(&status), "{status} succeeded"),
        Err(error) => {
            assert!(!error.to_string().is_empty());
            match (status, error) {
                (0, TransportError::Unreachable { .. }) => {}
                (200..=299, TransportError::Protocol { .. }) => {}
                (429, TransportError::RateLimited { retry_after_secs }) => {
                    assert!(retry_after_secs <= MAX_RETRY_AFTER_SECS)
                }
                (300..=399, TransportError::Refused { status: s, .. }) => assert_eq!(s, status),
                (400..=599, TransportError::Refused { status: s, .. }) => {
                    assert_ne!(status, 429);
                    assert_eq!(s, status);
                }
                (400..=599, TransportError::Protocol { .. }) => assert_ne!(status, 429),
                (1..=199 | 600.., TransportError::Protocol { .. }) => {}
                (status, error) => panic!("{status} answered as {error:?}"),
            }
        }
    }
});

/// The input, read from the front.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    /// A length byte, then that many bytes, as text.
    fn text(&mut self) -> Option<String> {
        let len = usize::from(self.byte()?);
        if self.0.len() < len {
            return None;
        }
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(String::from_utf8_lossy(text).into_owned())
    }
}
