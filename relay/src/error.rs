//! The errors the relay as a whole can fail with, each telling the operator
//! what happened and what to do next. Errors that a *request* can meet are
//! HTTP answers instead (see `api::problem`).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the relay could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The database file is something other than a relay database.
    #[error(
        "{} is not a Rapport relay database ({reason}); pass --db a new file name or an \
         existing relay database",
        path.display()
    )]
    NotARelayDatabase {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The database was written by a newer relay.
    #[error(
        "{} was written by a newer relay (schema version {found}, this relay knows up to \
         {supported}); upgrade the relay or use another database",
        path.display()
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this code knows.
        supported: i64,
    },
    /// The database could not be opened, read or written.
    #[error("the relay database {} could not be used: {detail}", path.display())]
    Database {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The limits make no sense (a zero rate, a zero burst, ...).
    #[error("invalid relay limits: {detail}")]
    InvalidLimits {
        /// Which limit and why.
        detail: String,
    },
    /// The listening address could not be bound.
    #[error(
        "could not listen on {addr}: {source}; pick another port with --listen, or stop the \
         program that uses this one"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The server stopped with an I/O error.
    #[error("the relay stopped unexpectedly: {0}")]
    Serve(#[source] std::io::Error),
    /// Storage could not be flushed and closed cleanly on shutdown.
    #[error("the relay could not close its storage cleanly: {detail}")]
    Shutdown {
        /// What went wrong.
        detail: String,
    },
}
