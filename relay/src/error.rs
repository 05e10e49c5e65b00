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
    /// The `--database` URL is not one PostgreSQL's client understands.
    #[error(
        "the database URL is not valid ({detail}); give one such as \
         postgres://relay@db.internal/rapport or host=/run/postgresql dbname=rapport"
    )]
    InvalidDatabaseUrl {
        /// What is wrong with it.
        detail: String,
    },
    /// PostgreSQL could not be reached or used.
    #[error(
        "the relay database {database} could not be used: {detail}; check that PostgreSQL runs \
         there and that this user may connect and create tables"
    )]
    Postgres {
        /// The database, without its password.
        database: String,
        /// What PostgreSQL (or the connection) said.
        detail: String,
    },
    /// The PostgreSQL schema belongs to another program.
    #[error(
        "{database} is not a Rapport relay database ({reason}); give --database an empty \
         database (or set another schema with options=-csearch_path=NAME in the URL)"
    )]
    NotARelayPostgresDatabase {
        /// The database, without its password.
        database: String,
        /// What gave it away.
        reason: String,
    },
    /// The PostgreSQL schema was written by a newer relay.
    #[error(
        "{database} was set up by a newer relay (schema version {found}, this relay knows up to \
         {supported}); upgrade every relay process that uses it"
    )]
    NewerPostgresSchema {
        /// The database, without its password.
        database: String,
        /// Its schema version.
        found: i32,
        /// The newest version this code knows.
        supported: i32,
    },
    /// The PostgreSQL server would acknowledge commits that are not durable.
    #[error(
        "{database} has {setting} = off, so a post the relay acknowledged could be lost in a \
         crash; turn {setting} on for this database or its user"
    )]
    NotDurable {
        /// The database, without its password.
        database: String,
        /// The setting that is off.
        setting: String,
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
