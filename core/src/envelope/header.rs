//! A cheap look at an age header before age itself parses it.
//!
//! age parses every recipient stanza and, for passphrase stanzas, runs scrypt:
//! a crafted header with a thousand stanzas, or one scrypt stanza with a huge
//! work factor, could cost seconds or gigabytes. Our envelopes always have one
//! X25519 stanza (plus, at most, a few grease stanzas), so anything else is
//! refused here by counting lines, before any cryptography.

use crate::error::QuarantineReason;

/// Most recipient stanzas an envelope may have.
pub const MAX_STANZAS: usize = 4;
/// A header of four stanzas is a few hundred bytes; this leaves room, and no more.
const MAX_HEADER_BYTES: usize = 4096;
const MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// Checks the shape of the age header at the start of `envelope`.
pub fn precheck(envelope: &[u8]) -> Result<(), QuarantineReason> {
    let bad = |detail: &str| QuarantineReason::BadHeader {
        detail: detail.into(),
    };
    let rest = envelope
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("not a binary age file"))?;
    let mut stanzas = 0;
    let mut offset = MAGIC.len();
    for line in rest.split(|&b| b == b'\n') {
        if line.starts_with(b"-> ") {
            stanzas += 1;
            if stanzas > MAX_STANZAS {
                return Err(QuarantineReason::TooManyStanzas {
                    count: stanzas,
                    limit: MAX_STANZAS,
                });
            }
            if line[3..].starts_with(b"scrypt") {
                return Err(QuarantineReason::ScryptStanza);
            }
        } else if line.starts_with(b"---") {
            return if stanzas == 0 {
                Err(bad("no recipient stanza"))
            } else {
                Ok(())
            };
        }
        offset += line.len() + 1;
        if offset > MAX_HEADER_BYTES {
            return Err(bad("header is too long"));
        }
    }
    Err(bad("header never ends"))
}

/// How many stanzas a header has, counting all of them: for tests that need
/// to show a refusal happened before the whole header was even read.
#[cfg(test)]
pub(crate) fn stanza_lines(envelope: &[u8]) -> usize {
    envelope
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"-> "))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(stanzas: &[&str]) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        for s in stanzas {
            h.extend_from_slice(format!("-> {s}\nAAAA\n").as_bytes());
        }
        h.extend_from_slice(b"--- abc\npayload");
        h
    }

    #[test]
    fn one_x25519_stanza_passes() {
        assert_eq!(precheck(&header(&["X25519 abc"])), Ok(()));
    }

    #[test]
    fn too_many_stanzas_are_refused_at_the_fifth() {
        let many = header(&["X25519 a"; 1000]);
        assert_eq!(stanza_lines(&many), 1000);
        assert_eq!(
            precheck(&many),
            Err(QuarantineReason::TooManyStanzas { count: 5, limit: 4 })
        );
    }

    #[test]
    fn scrypt_and_malformed_headers_are_refused() {
        assert_eq!(
            precheck(&header(&["scrypt salt 30"])),
            Err(QuarantineReason::ScryptStanza)
        );
        for bad in [
            b"hello".to_vec(),
            header(&[]),
            MAGIC.to_vec(),
            [MAGIC, &[b'x'; 5000][..]].concat(),
        ] {
            assert!(matches!(
                precheck(&bad),
                Err(QuarantineReason::BadHeader { .. })
            ));
        }
    }
}
