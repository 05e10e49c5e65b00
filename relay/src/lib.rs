//! Rapport's relay: a store-and-forward mailbox server that holds ciphertext
//! it cannot read (DESIGN.md section 6).
//!
//! A device creates a mailbox and gets a *read token*; with it, it mints
//! *post tokens* for the people allowed to write to it. Senders post opaque
//! envelopes; the relay numbers them per mailbox (1, 2, 3, ...) and keeps
//! them until the owner prunes them, so a restored device can re-sync from
//! the start.
//!
//! What the relay keeps is deliberately little: per message the mailbox, the
//! sequence number, the ciphertext, its size and when it arrived; per token
//! only its SHA-256. No IP addresses, no names, no plaintext.
//!
//! The pieces:
//! - [`router`]: the HTTP API as an [`axum::Router`], over any [`RelayStorage`];
//! - [`RelayMetrics`] and [`metrics_router`]: what the operator's Prometheus
//!   scrapes, on an address of its own;
//! - [`SqliteStorage`]: the embedded default storage, with group commit so
//!   every acknowledged post is on disk without one fsync per post;
//! - [`PostgresStorage`]: several relay processes over one PostgreSQL
//!   database;
//! - [`serve`] and [`spawn`] (SQLite), [`serve_with`] and [`spawn_with`] (any
//!   storage): run the relay until told to stop.

mod api;
mod capability;
mod error;
mod limits;
mod metrics;
mod rate_limit;
mod server;
mod storage;

pub use api::{router, router_with_metrics};
pub use capability::{MailboxId, TokenHash, TokenId};
pub use error::RelayError;
pub use limits::Limits;
pub use metrics::{RelayMetrics, metrics_router};
pub use rate_limit::PeerKey;
pub use server::{Listen, RelayConfig, RunningRelay, serve, serve_with, spawn, spawn_with};
pub use storage::postgres::{
    DEFAULT_POOL_SIZE, LATEST_VERSION as POSTGRES_SCHEMA_VERSION, PostgresStorage,
};
pub use storage::sqlite::SqliteStorage;
pub use storage::{MessagePage, Quota, RelayStorage, StorageError, StorageFuture, StoredMessage};
