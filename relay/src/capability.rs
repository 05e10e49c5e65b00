//! Mailbox ids and capability tokens: how they are made, how they are read
//! back from a request, and the only form of a token the relay keeps (its
//! SHA-256).
//!
//! Tokens are 32 random bytes, so guessing one is hopeless and a plain hash
//! (no salt, no stretching) is enough to make a stolen database useless for
//! posting or reading. Looking a token up by its hash also means no token is
//! ever compared byte by byte with a secret in memory.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;
/// Random bytes in a mailbox id or token id.
const ID_BYTES: usize = 16;

/// The system's random generator failed; nothing can be created safely.
#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed: {0}")]
pub(crate) struct RandomnessUnavailable(getrandom::Error);

fn random<const N: usize>() -> Result<[u8; N], RandomnessUnavailable> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(RandomnessUnavailable)?;
    Ok(bytes)
}

/// Decodes canonical unpadded base64url of exactly `N` bytes.
fn decode_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    // Reject early so a hostile header cannot make us decode megabytes.
    if text.len() != (N * 4).div_ceil(3) {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    bytes.try_into().ok()
}

/// A mailbox's public name: 16 random bytes, base64url. Knowing it lets
/// nobody read or post; the tokens do that.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MailboxId(String);

impl MailboxId {
    /// A fresh random id.
    pub(crate) fn generate() -> Result<MailboxId, RandomnessUnavailable> {
        Ok(MailboxId(URL_SAFE_NO_PAD.encode(random::<ID_BYTES>()?)))
    }

    /// Reads an id from a URL; `None` if it cannot be one this relay made.
    pub fn parse(text: &str) -> Option<MailboxId> {
        decode_exact::<ID_BYTES>(text).map(|_| MailboxId(text.to_owned()))
    }

    /// The id as it appears in URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MailboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MailboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MailboxId({})", self.0)
    }
}

/// Names one post token so its mailbox's owner can revoke it without
/// holding the token itself. 16 random bytes, base64url.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenId(String);

impl TokenId {
    /// A fresh random id.
    pub(crate) fn generate() -> Result<TokenId, RandomnessUnavailable> {
        Ok(TokenId(URL_SAFE_NO_PAD.encode(random::<ID_BYTES>()?)))
    }

    /// Reads an id from a URL; `None` if it cannot be one this relay made.
    pub fn parse(text: &str) -> Option<TokenId> {
        decode_exact::<ID_BYTES>(text).map(|_| TokenId(text.to_owned()))
    }

    /// The id as it appears in URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({})", self.0)
    }
}

/// The SHA-256 of a token: what storage keeps and looks tokens up by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of a token presented in a request; `None` if the text cannot
    /// be a token this relay made (so garbage never reaches storage).
    pub fn of_presented(token: &str) -> Option<TokenHash> {
        decode_exact::<TOKEN_BYTES>(token).map(|bytes| TokenHash::of_bytes(&bytes))
    }

    /// Rebuilds a hash read back from storage.
    pub fn from_bytes(bytes: [u8; 32]) -> TokenHash {
        TokenHash(bytes)
    }

    /// The hash's bytes, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn of_bytes(token: &[u8; TOKEN_BYTES]) -> TokenHash {
        TokenHash(Sha256::digest(token).into())
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only a prefix: enough to tell two apart in a test failure.
        write!(f, "TokenHash({:02x}{:02x}..)", self.0[0], self.0[1])
    }
}

/// A freshly minted token: the text goes to the caller once, the hash to
/// storage.
pub(crate) struct NewToken {
    /// The token as the client will present it. Never stored or logged.
    pub text: String,
    /// What storage keeps.
    pub hash: TokenHash,
}

impl NewToken {
    /// A fresh random token.
    pub(crate) fn generate() -> Result<NewToken, RandomnessUnavailable> {
        let bytes = random::<TOKEN_BYTES>()?;
        Ok(NewToken {
            text: URL_SAFE_NO_PAD.encode(bytes),
            hash: TokenHash::of_bytes(&bytes),
        })
    }
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("hash", &self.hash)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_is_recognised_by_its_hash() {
        let token = NewToken::generate().unwrap();
        assert_eq!(token.text.len(), 43);
        assert_eq!(TokenHash::of_presented(&token.text), Some(token.hash));
    }

    #[test]
    fn ids_round_trip_and_are_22_characters() {
        let id = MailboxId::generate().unwrap();
        assert_eq!(id.as_str().len(), 22);
        assert_eq!(MailboxId::parse(id.as_str()), Some(id));
        let id = TokenId::generate().unwrap();
        assert_eq!(TokenId::parse(id.as_str()), Some(id));
    }

    #[test]
    fn garbage_is_not_a_token_or_an_id() {
        for text in [
            "",
            "..",
            "../../etc/passwd",
            "%00",
            "AAAAAAAAAAAAAAAAAAAAAAA", // 23 characters
            "AAAAAAAAAAAAAAAAAAAAA+",  // standard alphabet
            "AAAAAAAAAAAAAAAAAAAAAB",  // non-canonical trailing bits
            "ééééééééééé",
        ] {
            assert!(MailboxId::parse(text).is_none(), "{text:?}");
            assert!(TokenId::parse(text).is_none(), "{text:?}");
            assert!(TokenHash::of_presented(text).is_none(), "{text:?}");
        }
        assert!(TokenHash::of_presented(&"A".repeat(10_000)).is_none());
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let token = NewToken::generate().unwrap();
        assert!(!format!("{token:?}").contains(&token.text));
    }
}
