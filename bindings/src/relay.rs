//! The relay, reached through the app's [`HttpClient`]: what `sync`, `join`
//! and `set_up` use inside, and a [`RelayConnection`] for the calls an app
//! makes itself (is the relay reachable?) and for tests that hold every
//! platform to the one answer table in `tests/vectors/relay-answers.json`.

use std::sync::Arc;

use rapport_core::sync::{RelayClient, RelayUrl, Transport};

use crate::background::run_in_background;
use crate::error::RapportError;
use crate::foreign::{ForeignHttpClient, HttpClient};

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

/// The relay at one address, over the app's HTTP client. The mailbox calls
/// block until the relay answers: call them off the main thread.
#[derive(uniffi::Object)]
pub struct RelayConnection {
    relay: Arc<RelayClient<ForeignHttpClient>>,
}

#[uniffi::export]
impl RelayConnection {
    /// The relay at `relay_url`. Fails with `InvalidRelayUrl` (and its
    /// `code`: `plain_http`, `scheme`, ...) when Rapport would not send
    /// anything there.
    #[uniffi::constructor]
    pub fn new(relay_url: String, http: Arc<dyn HttpClient>) -> Result<Arc<Self>, RapportError> {
        let base = RelayUrl::parse(&relay_url).map_err(rapport_core::Error::from)?;
        Ok(Arc::new(RelayConnection {
            relay: Arc::new(RelayClient::new(base, ForeignHttpClient(http))),
        }))
    }

    /// The address, as Rapport writes it (no trailing slash).
    pub fn relay_url(&self) -> String {
        self.relay.base().as_str().to_owned()
    }

    /// Whether the relay answers its health check: for a "connected" badge
    /// or a "test connection" button. Runs in the background; never throws.
    pub async fn is_reachable(&self) -> bool {
        let relay = self.relay.clone();
        run_in_background("health", move || Ok(relay.is_reachable()))
            .await
            .unwrap_or(false)
    }

    /// `POST /v1/mailboxes`: creates a mailbox.
    pub fn create_mailbox(&self) -> Result<MailboxCredentials, RapportError> {
        let m = self.relay.create_mailbox()?;
        Ok(MailboxCredentials {
            mailbox_id: m.mailbox_id,
            read_token: m.read_token,
        })
    }

    /// Mints a post-only token for a mailbox.
    pub fn mint_post_token(
        &self,
        mailbox_id: String,
        read_token: String,
    ) -> Result<PostToken, RapportError> {
        let t = self.relay.mint_post_token(&mailbox_id, &read_token)?;
        Ok(PostToken {
            token_id: t.token_id,
            post_token: t.post_token,
        })
    }

    /// Revokes a post token.
    pub fn revoke_post_token(
        &self,
        mailbox_id: String,
        read_token: String,
        token_id: String,
    ) -> Result<(), RapportError> {
        Ok(self
            .relay
            .revoke_post_token(&mailbox_id, &read_token, &token_id)?)
    }

    /// Posts an envelope; returns the relay's sequence number for it.
    pub fn post(
        &self,
        mailbox_id: String,
        post_token: String,
        envelope: Vec<u8>,
    ) -> Result<u64, RapportError> {
        Ok(self.relay.post(&mailbox_id, &post_token, &envelope)?)
    }

    /// Envelopes with a sequence number above `after`, at most `limit`.
    pub fn fetch(
        &self,
        mailbox_id: String,
        read_token: String,
        after: u64,
        limit: u32,
    ) -> Result<FetchPage, RapportError> {
        let page = self.relay.fetch(&mailbox_id, &read_token, after, limit)?;
        Ok(FetchPage {
            messages: page
                .messages
                .into_iter()
                .map(|m| FetchedEnvelope {
                    seq: m.seq,
                    body: m.body,
                })
                .collect(),
            more: page.more,
        })
    }
}
