//! Storage in PostgreSQL, for a practice network: several relay processes
//! share one database, which operators replicate and back up with their own
//! tools.
//!
//! Every write is one call of a PL/pgSQL function (see `schema`): one round
//! trip, one transaction, the refusal checks and the quota inside it, the
//! mailbox's row locked so sequence numbers are handed out one at a time
//! whichever process posts. Posts are committed in batches (`appender`). A write is acknowledged only once PostgreSQL
//! has committed it, and the relay refuses to start on a server where a
//! commit would not be durable (`synchronous_commit = off` or `fsync = off`).

mod appender;
mod schema;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use self::appender::{Appender, Post};
use self::schema::refusal;
use crate::capability::{MailboxId, TokenHash, TokenId};
use crate::error::RelayError;
use crate::storage::{
    MessagePage, Quota, RelayStorage, StorageError, StorageFuture, StoredMessage,
};

pub use self::schema::LATEST_VERSION;

/// Connections each relay process keeps to PostgreSQL by default. Posts to
/// different mailboxes run in parallel up to this; PostgreSQL commits the
/// ones that finish together with one WAL flush.
pub const DEFAULT_POOL_SIZE: usize = 16;

/// How long a request waits for a free connection, or for a new one to be
/// made, before it is answered 503.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// A page stops growing once its bodies reach this size (as with SQLite).
const PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Relay storage in a PostgreSQL database.
pub struct PostgresStorage {
    pool: Pool,
    appender: Appender,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage").finish_non_exhaustive()
    }
}

/// The database a URL names, for messages: user, hosts, port and database
/// name, never the password.
pub fn describe_url(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "postgres://{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        ports.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// A PostgreSQL error with the server's own words when there are some.
fn describe(error: &tokio_postgres::Error) -> String {
    match (error.as_db_error(), std::error::Error::source(error)) {
        (Some(db), _) => format!("{}: {}", db.code().code(), db.message()),
        // "error connecting to server" alone does not say why.
        (None, Some(cause)) => format!("{error}: {cause}"),
        (None, None) => error.to_string(),
    }
}

fn unavailable(error: impl std::fmt::Display) -> StorageError {
    StorageError::Unavailable {
        detail: format!("PostgreSQL: {error}"),
    }
}

fn db_unavailable(error: tokio_postgres::Error) -> StorageError {
    unavailable(describe(&error))
}

/// What a write function's `refusal` column means.
fn refused(code: i16) -> Result<(), StorageError> {
    match code {
        refusal::NONE => Ok(()),
        refusal::NO_SUCH_MAILBOX => Err(StorageError::NoSuchMailbox),
        refusal::FORBIDDEN => Err(StorageError::Forbidden),
        refusal::TOKEN_REVOKED => Err(StorageError::TokenRevoked),
        refusal::MAILBOX_FULL => Err(StorageError::MailboxFull),
        refusal::NO_SUCH_POST_TOKEN => Err(StorageError::NoSuchPostToken),
        other => Err(unavailable(format!(
            "unknown refusal {other} from the database"
        ))),
    }
}

/// Counts and sequence numbers live in PostgreSQL's signed 64-bit integers.
fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl PostgresStorage {
    /// Connects to the database at `url` (a libpq URL or key=value string)
    /// with up to `pool_size` connections, checks that commits there are
    /// durable, and brings the relay's schema up to date. Refuses a schema
    /// of another program, or one written by a newer relay.
    pub async fn connect(url: &str, pool_size: usize) -> Result<PostgresStorage, RelayError> {
        let config: tokio_postgres::Config =
            url.parse()
                .map_err(|e: tokio_postgres::Error| RelayError::InvalidDatabaseUrl {
                    detail: e.to_string(),
                })?;
        let database = describe_url(&config);
        let fail = |detail: String| RelayError::Postgres {
            database: database.clone(),
            detail,
        };

        // One connection of our own for the checks and the migration.
        let (mut client, connection) = config
            .connect(NoTls)
            .await
            .map_err(|e| fail(describe(&e)))?;
        let connection = tokio::spawn(connection);
        for (setting, unsafe_value) in [("synchronous_commit", "off"), ("fsync", "off")] {
            let value: String = client
                .query_one(&format!("SHOW {setting}"), &[])
                .await
                .map_err(|e| fail(describe(&e)))?
                .get(0);
            if value == unsafe_value {
                return Err(RelayError::NotDurable {
                    database,
                    setting: setting.to_owned(),
                });
            }
        }
        schema::migrate(&mut client, &database).await?;
        drop(client);
        let _ = connection.await;

        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|e| fail(format!("could not set up the connection pool: {e}")))?;
        // One pooled connection now, so a problem shows at start.
        drop(pool.get().await.map_err(|e| fail(e.to_string()))?);
        tracing::info!(%database, pool_size, "relay storage: PostgreSQL");
        Ok(PostgresStorage {
            appender: Appender::start(pool.clone()),
            pool,
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pool.get().await.map_err(unavailable)
    }

    /// Runs one write function and returns its first row.
    async fn call(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<tokio_postgres::Row, StorageError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(db_unavailable)?;
        client
            .query_one(&statement, params)
            .await
            .map_err(db_unavailable)
    }

    async fn fetch_page(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        after: u64,
        limit: u32,
    ) -> Result<MessagePage, StorageError> {
        let client = self.client().await?;
        // One statement, one snapshot: the token check and the page agree.
        // One row more than asked for tells whether more follow.
        let statement = client
            .prepare_cached(
                "SELECT m.key, t.mailbox, t.kind, t.revoked, msg.seq, msg.received_at, msg.body
                 FROM mailboxes m
                 LEFT JOIN tokens t ON t.hash = $2
                 LEFT JOIN LATERAL (
                     SELECT seq, received_at, body FROM messages
                     WHERE mailbox = m.key AND t.mailbox = m.key AND t.kind = 'read'
                       AND seq > $3
                     ORDER BY seq LIMIT $4
                 ) msg ON true
                 WHERE m.id = $1
                 ORDER BY msg.seq",
            )
            .await
            .map_err(db_unavailable)?;
        let rows = client
            .query(
                &statement,
                &[
                    &mailbox.as_str(),
                    &read_token.as_bytes().as_slice(),
                    &to_i64(after),
                    &(i64::from(limit) + 1),
                ],
            )
            .await
            .map_err(db_unavailable)?;
        let Some(first) = rows.first() else {
            return Err(StorageError::NoSuchMailbox);
        };
        let key: i64 = first.try_get(0).map_err(db_unavailable)?;
        let token_mailbox: Option<i64> = first.try_get(1).map_err(db_unavailable)?;
        let kind: Option<String> = first.try_get(2).map_err(db_unavailable)?;
        let revoked: Option<bool> = first.try_get(3).map_err(db_unavailable)?;
        if token_mailbox != Some(key) || kind.as_deref() != Some("read") {
            return Err(StorageError::Forbidden);
        }
        if revoked == Some(true) {
            return Err(StorageError::TokenRevoked);
        }
        let mut messages = Vec::new();
        let mut page_bytes = 0;
        let mut more = false;
        for row in &rows {
            let Some(seq) = row.try_get::<_, Option<i64>>(4).map_err(db_unavailable)? else {
                // The mailbox's own row, with no message after `after`.
                continue;
            };
            if messages.len() == limit as usize || page_bytes >= PAGE_BYTES {
                more = true;
                break;
            }
            let received_at = row.try_get(5).map_err(db_unavailable)?;
            let body: Vec<u8> = row.try_get(6).map_err(db_unavailable)?;
            page_bytes += body.len();
            messages.push(StoredMessage {
                seq: u64::try_from(seq).unwrap_or_default(),
                received_at,
                body,
            });
        }
        Ok(MessagePage { messages, more })
    }
}

impl RelayStorage for PostgresStorage {
    fn create_mailbox(&self, mailbox: MailboxId, read_token: TokenHash) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            // One statement, so the mailbox never exists without its token.
            let statement = client
                .prepare_cached(
                    "WITH created AS (INSERT INTO mailboxes (id) VALUES ($1) RETURNING key)
                     INSERT INTO tokens (hash, mailbox, kind) SELECT $2, key, 'read' FROM created",
                )
                .await
                .map_err(db_unavailable)?;
            client
                .execute(
                    &statement,
                    &[&mailbox.as_str(), &read_token.as_bytes().as_slice()],
                )
                .await
                .map_err(db_unavailable)?;
            Ok(())
        })
    }

    fn add_post_token(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        token_id: TokenId,
        post_token: TokenHash,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let row = self
                .call(
                    "SELECT refusal FROM relay_add_post_token($1, $2, $3, $4)",
                    &[
                        &mailbox.as_str(),
                        &read_token.as_bytes().as_slice(),
                        &token_id.as_str(),
                        &post_token.as_bytes().as_slice(),
                    ],
                )
                .await?;
            refused(row.try_get(0).map_err(db_unavailable)?)
        })
    }

    fn revoke_post_token(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        token_id: TokenId,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let row = self
                .call(
                    "SELECT refusal FROM relay_revoke_post_token($1, $2, $3)",
                    &[
                        &mailbox.as_str(),
                        &read_token.as_bytes().as_slice(),
                        &token_id.as_str(),
                    ],
                )
                .await?;
            refused(row.try_get(0).map_err(db_unavailable)?)
        })
    }

    fn append(
        &self,
        mailbox: MailboxId,
        post_token: TokenHash,
        body: Vec<u8>,
        quota: Quota,
    ) -> StorageFuture<'_, u64> {
        Box::pin(self.appender.submit(Post {
            mailbox,
            token: post_token,
            body,
            quota,
        }))
    }

    fn fetch(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        after: u64,
        limit: u32,
    ) -> StorageFuture<'_, MessagePage> {
        Box::pin(self.fetch_page(mailbox, read_token, after, limit))
    }

    fn prune(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        through: u64,
    ) -> StorageFuture<'_, u64> {
        Box::pin(async move {
            let row = self
                .call(
                    "SELECT refusal, pruned FROM relay_prune($1, $2, $3)",
                    &[
                        &mailbox.as_str(),
                        &read_token.as_bytes().as_slice(),
                        &to_i64(through),
                    ],
                )
                .await?;
            refused(row.try_get(0).map_err(db_unavailable)?)?;
            let pruned: i64 = row.try_get(1).map_err(db_unavailable)?;
            Ok(u64::try_from(pruned).unwrap_or_default())
        })
    }

    fn close(&self) -> StorageFuture<'_, ()> {
        // Posts still queued are committed; every other write was committed
        // before it was answered. Later calls fail as unavailable.
        Box::pin(async move {
            self.appender.close().await;
            self.pool.close();
            Ok(())
        })
    }
}
