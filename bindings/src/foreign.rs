//! What the app implements in its own language: the platform keystore
//! ([`SecretStore`]: Keychain, Android Keystore) and the HTTP client that
//! reaches the relay ([`Transport`]: URLSession, OkHttp). Each is adapted to
//! the core trait of the same name, so the library carries no key files and no
//! network or TLS stack.

use std::sync::Arc;

use rapport_core::sync::transport as core_transport;

use crate::error::RapportError;

/// Named secrets kept by the platform keystore (Keychain on iOS, a key held in
/// the Android Keystore). Rapport stores one 32-byte data key per database
/// here, under a name starting `rapport.data-key.`.
///
/// Throw `RapportError.KeyUnavailable` when the keystore refuses (device
/// locked, user cancelled, ...).
#[uniffi::export(rust, foreign)]
pub trait SecretStore: Send + Sync {
    /// The secret stored under `name`, or nothing when there is none.
    fn get(&self, name: String) -> Result<Option<Vec<u8>>, RapportError>;
    /// Stores `secret` under `name`, replacing any previous one.
    fn put(&self, name: String, secret: Vec<u8>) -> Result<(), RapportError>;
    /// Forgets the secret under `name`; forgetting a missing one succeeds.
    fn delete(&self, name: String) -> Result<(), RapportError>;
}

/// The relay's HTTP API (`/v1`), implemented by the app with its own HTTP
/// stack. Methods are called from a background thread and may block.
///
/// Throw `RapportError.Network` when the relay cannot be reached,
/// `RapportError.RelayRefused` for an error answer (with the relay's status
/// and `error` code), `RapportError.RateLimited` for 429. Anything else
/// thrown is treated as a network failure: nothing is lost, sync again later.
#[uniffi::export(rust, foreign)]
pub trait Transport: Send + Sync {
    /// `POST /v1/mailboxes`: creates a mailbox.
    fn create_mailbox(&self) -> Result<MailboxCredentials, RapportError>;
    /// Mints a post-only token for a mailbox.
    fn mint_post_token(
        &self,
        mailbox_id: String,
        read_token: String,
    ) -> Result<PostToken, RapportError>;
    /// Revokes a post token.
    fn revoke_post_token(
        &self,
        mailbox_id: String,
        read_token: String,
        token_id: String,
    ) -> Result<(), RapportError>;
    /// Posts an envelope; returns the relay's sequence number for it.
    fn post(
        &self,
        mailbox_id: String,
        post_token: String,
        envelope: Vec<u8>,
    ) -> Result<u64, RapportError>;
    /// Envelopes with a sequence number above `after`, at most `limit`, in
    /// ascending order.
    fn fetch(
        &self,
        mailbox_id: String,
        read_token: String,
        after: u64,
        limit: u32,
    ) -> Result<FetchPage, RapportError>;
}

/// A new mailbox and the token that reads it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MailboxCredentials {
    /// The mailbox id.
    pub mailbox_id: String,
    /// Reads the mailbox and mints post tokens for it.
    pub read_token: String,
}

/// A token that may post to one mailbox.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PostToken {
    /// Names the token for revocation.
    pub token_id: String,
    /// The token itself.
    pub post_token: String,
}

/// One stored envelope.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FetchedEnvelope {
    /// The relay's sequence number in the mailbox.
    pub seq: u64,
    /// The envelope, as posted.
    pub body: Vec<u8>,
}

/// One page of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FetchPage {
    /// Envelopes in ascending `seq`.
    pub messages: Vec<FetchedEnvelope>,
    /// Whether more are waiting after these.
    pub more: bool,
}

/// The app's keystore as the core sees it.
pub(crate) struct ForeignSecretStore(pub(crate) Arc<dyn SecretStore>);

impl rapport_core::SecretStore for ForeignSecretStore {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, rapport_core::SecretStoreError> {
        Ok(self.0.get(name.to_owned())?)
    }

    fn put(&self, name: &str, secret: &[u8]) -> Result<(), rapport_core::SecretStoreError> {
        Ok(self.0.put(name.to_owned(), secret.to_vec())?)
    }

    fn delete(&self, name: &str) -> Result<(), rapport_core::SecretStoreError> {
        Ok(self.0.delete(name.to_owned())?)
    }
}

/// The app's HTTP client as the core's sync engine sees it.
pub(crate) struct ForeignTransport(pub(crate) Arc<dyn Transport>);

impl core_transport::Transport for ForeignTransport {
    fn create_mailbox(
        &self,
    ) -> Result<core_transport::MailboxCredentials, core_transport::TransportError> {
        let m = self.0.create_mailbox()?;
        Ok(core_transport::MailboxCredentials {
            mailbox_id: m.mailbox_id,
            read_token: m.read_token,
        })
    }

    fn mint_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
    ) -> Result<core_transport::PostToken, core_transport::TransportError> {
        let t = self
            .0
            .mint_post_token(mailbox_id.to_owned(), read_token.to_owned())?;
        Ok(core_transport::PostToken {
            token_id: t.token_id,
            post_token: t.post_token,
        })
    }

    fn revoke_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
        token_id: &str,
    ) -> Result<(), core_transport::TransportError> {
        Ok(self.0.revoke_post_token(
            mailbox_id.to_owned(),
            read_token.to_owned(),
            token_id.to_owned(),
        )?)
    }

    fn post(
        &self,
        mailbox_id: &str,
        post_token: &str,
        envelope: &[u8],
    ) -> Result<u64, core_transport::TransportError> {
        Ok(self.0.post(
            mailbox_id.to_owned(),
            post_token.to_owned(),
            envelope.to_vec(),
        )?)
    }

    fn fetch(
        &self,
        mailbox_id: &str,
        read_token: &str,
        after: u64,
        limit: u32,
    ) -> Result<core_transport::FetchPage, core_transport::TransportError> {
        let page = self
            .0
            .fetch(mailbox_id.to_owned(), read_token.to_owned(), after, limit)?;
        Ok(core_transport::FetchPage {
            messages: page
                .messages
                .into_iter()
                .map(|m| core_transport::Fetched {
                    seq: m.seq,
                    body: m.body,
                })
                .collect(),
            more: page.more,
        })
    }
}
