//! The relay's address: checked once, where a person types it (therapist
//! set-up), where it arrives (an invite, a recovery kit) and where requests
//! are built from it, by one parser (the `url` crate's WHATWG parser, not a
//! prefix match).

use std::net::IpAddr;

use url::{Host, Url};

pub use crate::error::RelayUrlError;

/// An absolute `https` URL with a host, or plain `http` to this machine
/// (`localhost`, `127.0.0.0/8`, `::1`) for a relay in development. No user
/// name or password, query or fragment; a path (a relay behind a reverse
/// proxy at `/rapport`) is kept, without its trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayUrl(Url);

impl RelayUrl {
    /// Checks `text` (surrounding spaces and trailing slashes ignored).
    pub fn parse(text: &str) -> Result<RelayUrl, RelayUrlError> {
        let trimmed = text.trim();
        let url = Url::parse(trimmed).map_err(|e| RelayUrlError::NotAUrl {
            given: trimmed.to_owned(),
            detail: e.to_string(),
        })?;
        let host = url.host().ok_or_else(|| RelayUrlError::NoHost {
            given: trimmed.to_owned(),
        })?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(RelayUrlError::PlainHttp {
                    host: host.to_string(),
                });
            }
            other => {
                return Err(RelayUrlError::Scheme {
                    scheme: other.to_owned(),
                });
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(RelayUrlError::Credentials);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(RelayUrlError::QueryOrFragment);
        }
        Ok(RelayUrl(url))
    }

    /// The address as text, without a trailing slash (`https://relay.example.org`).
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// The host, for messages to people ("could not reach relay.example.org").
    pub fn host(&self) -> String {
        self.0.host_str().unwrap_or_default().to_owned()
    }

    /// The URL of `segments` under this address, each segment
    /// percent-encoded so an id stays one segment whatever it holds, with
    /// `query` (without `?`) when not empty.
    pub fn join(&self, segments: &[&str], query: &str) -> String {
        let mut url = self.0.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.set_query(Some(query));
        }
        url.into()
    }
}

impl std::fmt::Display for RelayUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> &'static str {
        RelayUrl::parse(text).unwrap_err().code()
    }

    #[test]
    fn https_anywhere_and_plain_http_only_to_this_machine() {
        for ok in [
            "https://relay.example.org",
            "https://relay.example.org/",
            "  https://relay.example.org:8443/rapport/ ",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert!(RelayUrl::parse(ok).is_ok(), "{ok}");
        }
        for (bad, expected) in [
            ("http://relay.example.org", "plain_http"),
            ("http://127.0.0.1.attacker.example", "plain_http"),
            ("http://localhost.attacker.example", "plain_http"),
            ("http://10.0.0.1", "plain_http"),
            ("ftp://relay.example.org", "scheme"),
            ("relay.example.org", "not_a_url"),
            ("", "not_a_url"),
            ("https://", "not_a_url"),
            ("https://user:pw@relay.example.org", "credentials"),
            ("https://relay.example.org/?a=1", "query_or_fragment"),
            ("https://relay.example.org/#x", "query_or_fragment"),
            ("mailto:someone@example.org", "no_host"),
        ] {
            assert_eq!(code(bad), expected, "{bad}");
        }
    }

    #[test]
    fn the_address_is_kept_without_its_trailing_slash() {
        let url = RelayUrl::parse("https://Relay.Example.org/rapport/").unwrap();
        assert_eq!(url.as_str(), "https://relay.example.org/rapport");
        assert_eq!(url.host(), "relay.example.org");
    }

    #[test]
    fn ids_stay_one_segment_and_the_path_prefix_is_kept() {
        let url = RelayUrl::parse("https://relay.example.org/rapport/").unwrap();
        assert_eq!(
            url.join(&["v1", "mailboxes", "a/b?c", "messages"], "after=1&limit=2"),
            "https://relay.example.org/rapport/v1/mailboxes/a%2Fb%3Fc/messages?after=1&limit=2"
        );
        let bare = RelayUrl::parse("http://127.0.0.1:9").unwrap();
        assert_eq!(
            bare.join(&["v1", "health"], ""),
            "http://127.0.0.1:9/v1/health"
        );
    }
}
