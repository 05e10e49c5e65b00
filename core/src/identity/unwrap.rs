//! Opening the one X25519 stanza of an envelope with this device's key.
//!
//! age's own `x25519::Identity` derives its public key from the secret on
//! every stanza it unwraps (the HKDF salt needs it): a scalar
//! multiplication, a third of an envelope's opening cost on top of the one
//! Diffie-Hellman the format needs. [`Unwrapper`] derives it once per
//! device and otherwise does exactly what the age specification
//! (<https://c2sp.org/age#x25519-recipient-stanza>) and age 0.12 do, with
//! age-core's own HKDF and AEAD: canonical base64 argument, 32-byte body,
//! a contributory shared secret, `HKDF-SHA-256(salt = epk || pk,
//! "age-encryption.org/v1/X25519")`, ChaCha20-Poly1305 with a zero nonce.
//! The tests below hold it to age's identity on age's own stanzas.

use age::DecryptError;
use age_core::format::{FILE_KEY_BYTES, FileKey, Stanza};
use age_core::primitives::{aead_decrypt, hkdf};
use base64::Engine;
use base64::prelude::BASE64_STANDARD_NO_PAD;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

const TAG: &str = "X25519";
const KEY_LABEL: &[u8] = b"age-encryption.org/v1/X25519";
const SECRET_KEY_HRP: &str = "age-secret-key-";

/// This device's X25519 key, ready to unwrap stanzas.
pub(crate) struct Unwrapper {
    secret: StaticSecret,
    public: [u8; 32],
}

impl Unwrapper {
    /// From an `AGE-SECRET-KEY-1...` string (already checked by age).
    pub(crate) fn from_age_secret(encoded: &str) -> Result<Unwrapper, String> {
        let (hrp, bytes) = bech32::decode(encoded).map_err(|e| format!("age identity: {e}"))?;
        let bytes = Zeroizing::new(bytes);
        if !hrp.as_str().eq_ignore_ascii_case(SECRET_KEY_HRP) {
            return Err("age identity: not an age secret key".into());
        }
        let key: Zeroizing<[u8; 32]> = Zeroizing::new(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| "age identity: not 32 bytes".to_string())?,
        );
        let secret = StaticSecret::from(*key);
        let public = PublicKey::from(&secret).to_bytes();
        Ok(Unwrapper { secret, public })
    }
}

impl age::Identity for Unwrapper {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, DecryptError>> {
        if stanza.tag != TAG {
            return None;
        }
        let [arg] = &stanza.args[..] else {
            return Some(Err(DecryptError::InvalidHeader));
        };
        // The base64 engine refuses padding and stray low bits: one
        // encoding per key, as the specification asks.
        let mut epk = [0u8; 33];
        let epk: [u8; 32] = match BASE64_STANDARD_NO_PAD.decode_slice(arg, &mut epk) {
            Ok(32) => epk[..32].try_into().ok()?,
            _ => return Some(Err(DecryptError::InvalidHeader)),
        };
        if stanza.body.len() != FILE_KEY_BYTES + 16 {
            return Some(Err(DecryptError::InvalidHeader));
        }
        let shared = self.secret.diffie_hellman(&PublicKey::from(epk));
        if !shared.was_contributory() {
            return Some(Err(DecryptError::InvalidHeader));
        }
        let mut salt = [0u8; 64];
        salt[..32].copy_from_slice(&epk);
        salt[32..].copy_from_slice(&self.public);
        let key = Zeroizing::new(hkdf(&salt, KEY_LABEL, shared.as_bytes()));
        // Not ours (or damaged): age goes on to the next stanza, and with
        // none left says no identity matched.
        let file_key = Zeroizing::new(aead_decrypt(&key, FILE_KEY_BYTES, &stanza.body).ok()?);
        Some(Ok(FileKey::init_with_mut(|out| {
            out.copy_from_slice(&file_key)
        })))
    }
}

#[cfg(test)]
mod tests {
    use age::secrecy::ExposeSecret;

    use super::*;

    fn pair() -> (age::x25519::Identity, Unwrapper) {
        let theirs = age::x25519::Identity::generate();
        let ours = Unwrapper::from_age_secret(theirs.to_string().expose_secret()).unwrap();
        (theirs, ours)
    }

    /// What both identities make of the same ciphertext.
    fn both(ciphertext: &[u8], theirs: &age::x25519::Identity, ours: &Unwrapper) -> [String; 2] {
        [
            format!("{:?}", age::decrypt(theirs, ciphertext)),
            format!("{:?}", age::decrypt(ours, ciphertext)),
        ]
    }

    #[test]
    fn derives_the_public_key_age_derives() {
        let (theirs, ours) = pair();
        let encoded =
            bech32::encode::<bech32::Bech32>(bech32::Hrp::parse("age").unwrap(), &ours.public)
                .unwrap();
        assert_eq!(encoded, theirs.to_public().to_string());
    }

    #[test]
    fn opens_what_age_seals_to_it_and_only_that() {
        let (theirs, ours) = pair();
        let message = b"the same plaintext either way";
        let sealed = age::encrypt(&theirs.to_public(), message).unwrap();
        assert_eq!(age::decrypt(&ours, &sealed).unwrap(), message);
        let [a, b] = both(&sealed, &theirs, &ours);
        assert_eq!(a, b);

        // Sealed to another key: no identity matched, like age says.
        let (other, _) = pair();
        let elsewhere = age::encrypt(&other.to_public(), message).unwrap();
        let [a, b] = both(&elsewhere, &theirs, &ours);
        assert_eq!(a, b);
        assert!(matches!(
            age::decrypt(&ours, &elsewhere),
            Err(DecryptError::NoMatchingKeys)
        ));
    }

    #[test]
    fn refuses_every_damaged_stanza_as_age_does() {
        let (theirs, ours) = pair();
        let sealed = age::encrypt(&theirs.to_public(), b"x").unwrap();
        // The header is text up to the end of its "--- MAC" line; the
        // payload after it is binary.
        let mac = sealed.windows(4).position(|w| w == b"\n---").unwrap();
        let end = mac + 1 + sealed[mac + 1..].iter().position(|b| *b == b'\n').unwrap() + 1;
        let (text, payload) = (std::str::from_utf8(&sealed[..end]).unwrap(), &sealed[end..]);
        let line = text
            .lines()
            .find(|l| l.starts_with("-> X25519 "))
            .unwrap()
            .to_owned();
        let epk = line.trim_start_matches("-> X25519 ").to_owned();
        let mut low_bits = epk.clone();
        // The last character carries 4 bits of the key and 2 unused ones.
        let last = low_bits.pop().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let pos = alphabet.find(last).unwrap();
        low_bits.push(alphabet.as_bytes()[pos ^ 1] as char);
        let zero_point = BASE64_STANDARD_NO_PAD.encode([0u8; 32]);
        let short = BASE64_STANDARD_NO_PAD.encode([9u8; 31]);
        let long = BASE64_STANDARD_NO_PAD.encode([9u8; 33]);
        for damaged in [
            format!("-> X25519 {epk}="),
            format!("-> X25519 {low_bits}"),
            format!("-> X25519 {zero_point}"),
            format!("-> X25519 {short}"),
            format!("-> X25519 {long}"),
            format!("-> X25519 {epk} {epk}"),
            "-> X25519".to_string(),
            format!("-> X25519 {}", &epk[1..]),
        ] {
            let mut bytes = text.replacen(&line, &damaged, 1).into_bytes();
            bytes.extend_from_slice(payload);
            let [a, b] = both(&bytes, &theirs, &ours);
            assert_eq!(a, b, "{damaged}");
            assert!(age::decrypt(&ours, &bytes).is_err(), "{damaged}");
        }
        // A flipped bit in the wrapped file key, the header's MAC or the
        // payload: refused by both the same way.
        let body = text.find(&line).unwrap() + line.len() + 1;
        for at in [body + 3, end - 5, sealed.len() - 1] {
            let mut bytes = sealed.clone();
            bytes[at] ^= 1;
            let [a, b] = both(&bytes, &theirs, &ours);
            assert_eq!(a, b, "byte {at}");
            assert!(age::decrypt(&ours, &bytes).is_err(), "byte {at}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_age_secret_key() {
        let (theirs, _) = pair();
        let public = theirs.to_public().to_string();
        assert!(Unwrapper::from_age_secret(&public).is_err());
        assert!(Unwrapper::from_age_secret("AGE-SECRET-KEY-1").is_err());
    }
}
