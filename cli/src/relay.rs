//! `rapport relay serve`: its settings (flags, environment, a TOML file) and
//! running the relay with them.
//!
//! Every setting is one field of [`Settings`], which clap reads from the
//! command line and the environment and serde reads from the file, so the
//! three cannot name a setting differently: the flag `--mailbox-burst`, the
//! variable `RAPPORT_RELAY_MAILBOX_BURST` and the key `mailbox-burst`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use rapport_relay::Limits;
use serde::Deserialize;

use crate::Result;

/// Where each setting comes from, first found wins; shown by `--help`.
pub const PRECEDENCE: &str = "Each setting is taken from, first found: its flag, its environment \
variable (RAPPORT_RELAY_ and the flag's name, such as RAPPORT_RELAY_MAILBOX_BURST), the --config \
file (the flag's name as the key, such as `mailbox-burst = 30`), and the default.";

/// `rapport relay serve`'s arguments.
#[derive(Args)]
pub struct ServeArgs {
    /// A TOML file with any of the settings below, keyed by the flag's name
    /// without `--` (`listen = "127.0.0.1:8080"`); an unknown key is an
    /// error.
    #[arg(long, env = "RAPPORT_RELAY_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: Settings,
}

/// How the log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Every setting of `rapport relay serve`, each optional so that where it
/// came from can be told apart ([`Settings::or`]).
#[derive(Debug, Default, Clone, PartialEq, Args, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// The relay's SQLite database (created if missing): one relay process
    /// on one machine.
    #[arg(long, env = "RAPPORT_RELAY_DB", conflicts_with = "database")]
    db: Option<PathBuf>,
    /// A PostgreSQL database instead (postgres://USER@HOST/NAME, or libpq's
    /// key=value form), shared by any number of relay processes. Best given
    /// by RAPPORT_RELAY_DATABASE, so a password appears in no process list.
    #[arg(long, env = "RAPPORT_RELAY_DATABASE", hide_env_values = true)]
    database: Option<String>,
    /// Connections this process keeps to PostgreSQL [default: 16].
    #[arg(long, env = "RAPPORT_RELAY_POOL_SIZE")]
    pool_size: Option<usize>,
    /// Address to listen on, such as 127.0.0.1:8080 (required).
    #[arg(long, env = "RAPPORT_RELAY_LISTEN")]
    listen: Option<SocketAddr>,
    /// Serve Prometheus metrics at http://ADDR/metrics: a private address
    /// (loopback, or the monitoring network), never the public one
    /// [default: off].
    #[arg(long, env = "RAPPORT_RELAY_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// How the log on stderr is written [default: text]. Its level comes
    /// from RUST_LOG [default: info].
    #[arg(long, env = "RAPPORT_RELAY_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Largest message body in bytes [default: 65536].
    #[arg(long, env = "RAPPORT_RELAY_MAX_BODY_BYTES")]
    max_body_bytes: Option<usize>,
    /// Requests one token may make per second, after its burst [default: 20].
    #[arg(long, env = "RAPPORT_RELAY_RATE_PER_SECOND")]
    rate_per_second: Option<f64>,
    /// Requests one token may make in a burst [default: 200].
    #[arg(long, env = "RAPPORT_RELAY_BURST")]
    burst: Option<u32>,
    /// Failed requests one peer address may make per second, after its
    /// burst [default: 1].
    #[arg(long, env = "RAPPORT_RELAY_FAILURES_PER_SECOND")]
    failures_per_second: Option<f64>,
    /// Failed requests one peer address may make before it has to wait
    /// [default: 100].
    #[arg(long, env = "RAPPORT_RELAY_FAILURE_BURST")]
    failure_burst: Option<u32>,
    /// Mailboxes one peer address may create per hour, after its burst
    /// [default: 30].
    #[arg(long, env = "RAPPORT_RELAY_MAILBOXES_PER_HOUR")]
    mailboxes_per_hour: Option<f64>,
    /// Mailboxes one peer address may create at once. Raise the per-peer
    /// budgets behind a reverse proxy, where every request comes from the
    /// proxy [default: 30].
    #[arg(long, env = "RAPPORT_RELAY_MAILBOX_BURST")]
    mailbox_burst: Option<u32>,
    /// Most messages one mailbox may hold before its owner prunes it
    /// [default: 10000].
    #[arg(long, env = "RAPPORT_RELAY_MAILBOX_QUOTA_MESSAGES")]
    mailbox_quota_messages: Option<u64>,
    /// Most bytes of messages one mailbox may hold [default: 67108864].
    #[arg(long, env = "RAPPORT_RELAY_MAILBOX_QUOTA_BYTES")]
    mailbox_quota_bytes: Option<u64>,
    /// Most messages one fetch returns, whatever it asks for [default: 500].
    #[arg(long, env = "RAPPORT_RELAY_MAX_FETCH_LIMIT")]
    max_fetch_limit: Option<u32>,
}

impl Settings {
    /// These settings, with `fallback`'s where these have none.
    fn or(self, fallback: Settings) -> Settings {
        // The storage is one choice: a database named here replaces the
        // fallback's, whichever kind either names.
        let (db, database) = if self.db.is_some() || self.database.is_some() {
            (self.db, self.database)
        } else {
            (fallback.db, fallback.database)
        };
        Settings {
            db,
            database,
            pool_size: self.pool_size.or(fallback.pool_size),
            listen: self.listen.or(fallback.listen),
            metrics_listen: self.metrics_listen.or(fallback.metrics_listen),
            log_format: self.log_format.or(fallback.log_format),
            max_body_bytes: self.max_body_bytes.or(fallback.max_body_bytes),
            rate_per_second: self.rate_per_second.or(fallback.rate_per_second),
            burst: self.burst.or(fallback.burst),
            failures_per_second: self.failures_per_second.or(fallback.failures_per_second),
            failure_burst: self.failure_burst.or(fallback.failure_burst),
            mailboxes_per_hour: self.mailboxes_per_hour.or(fallback.mailboxes_per_hour),
            mailbox_burst: self.mailbox_burst.or(fallback.mailbox_burst),
            mailbox_quota_messages: self
                .mailbox_quota_messages
                .or(fallback.mailbox_quota_messages),
            mailbox_quota_bytes: self.mailbox_quota_bytes.or(fallback.mailbox_quota_bytes),
            max_fetch_limit: self.max_fetch_limit.or(fallback.max_fetch_limit),
        }
    }

    /// The limits these settings give, the defaults filling the gaps.
    fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_body_bytes: self.max_body_bytes.unwrap_or(d.max_body_bytes),
            rate_per_second: self.rate_per_second.unwrap_or(d.rate_per_second),
            burst: self.burst.unwrap_or(d.burst),
            failures_per_second: self.failures_per_second.unwrap_or(d.failures_per_second),
            failure_burst: self.failure_burst.unwrap_or(d.failure_burst),
            mailboxes_per_hour: self.mailboxes_per_hour.unwrap_or(d.mailboxes_per_hour),
            mailbox_burst: self.mailbox_burst.unwrap_or(d.mailbox_burst),
            mailbox_quota_messages: self
                .mailbox_quota_messages
                .unwrap_or(d.mailbox_quota_messages),
            mailbox_quota_bytes: self.mailbox_quota_bytes.unwrap_or(d.mailbox_quota_bytes),
            max_fetch_limit: self.max_fetch_limit.unwrap_or(d.max_fetch_limit),
        }
    }
}

/// Reads a configuration file.
fn read_file(path: &Path) -> Result<Settings> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "could not read the relay's configuration file {}: {e}",
            path.display()
        )
    })?;
    let settings: Settings = toml::from_str(&text).map_err(|e| {
        format!(
            "the relay's configuration file {} is not valid: {e}(keys are the flags of \
             `rapport relay serve --help` without `--`)",
            path.display()
        )
    })?;
    if settings.db.is_some() && settings.database.is_some() {
        return Err(format!(
            "the relay's configuration file {} names both `db` and `database`; keep one",
            path.display()
        )
        .into());
    }
    Ok(settings)
}

/// What `serve` runs: every setting decided.
struct Plan {
    storage: Storage,
    listen: SocketAddr,
    metrics_listen: Option<SocketAddr>,
    log_format: LogFormat,
    limits: Limits,
}

/// Where the relay keeps its data.
enum Storage {
    Sqlite(PathBuf),
    Postgres { url: String, pool_size: usize },
}

impl ServeArgs {
    fn plan(self) -> Result<Plan> {
        let settings = match &self.config {
            Some(path) => self.settings.or(read_file(path)?),
            None => self.settings,
        };
        let storage = match (&settings.db, &settings.database) {
            (_, Some(url)) => Storage::Postgres {
                url: url.clone(),
                pool_size: settings
                    .pool_size
                    .unwrap_or(rapport_relay::DEFAULT_POOL_SIZE),
            },
            (Some(path), None) => Storage::Sqlite(path.clone()),
            (None, None) => {
                return Err("say where the relay keeps its data: --db PATH (SQLite) or \
                            --database postgres://... (or RAPPORT_RELAY_DB / \
                            RAPPORT_RELAY_DATABASE, or `db` / `database` in --config)"
                    .into());
            }
        };
        let Some(listen) = settings.listen else {
            return Err(
                "say where the relay listens: --listen ADDR such as 127.0.0.1:8080 \
                        (or RAPPORT_RELAY_LISTEN, or `listen` in --config)"
                    .into(),
            );
        };
        Ok(Plan {
            storage,
            listen,
            metrics_listen: settings.metrics_listen,
            log_format: settings.log_format.unwrap_or(LogFormat::Text),
            limits: settings.limits(),
        })
    }
}

/// `rapport relay serve`: decides every setting, then serves until SIGTERM
/// or Ctrl-C.
pub fn serve(args: ServeArgs) -> Result<()> {
    let plan = args.plan()?;
    let log = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr);
    match plan.log_format {
        LogFormat::Text => log.init(),
        // The event's fields at the top level, beside `timestamp`, `level`
        // and `target`: what log collectors index without a parsing rule.
        LogFormat::Json => log.json().flatten_event(true).init(),
    }
    let listen = rapport_relay::Listen {
        api: plan.listen,
        metrics: plan.metrics_listen,
    };
    let limits = plan.limits;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match plan.storage {
            Storage::Sqlite(db_path) => {
                let config = rapport_relay::RelayConfig {
                    db_path,
                    listen: listen.api,
                    metrics_listen: listen.metrics,
                    limits,
                };
                rapport_relay::serve(config, crate::stop_signal()).await
            }
            Storage::Postgres { url, pool_size } => {
                let storage = rapport_relay::PostgresStorage::connect(&url, pool_size).await?;
                rapport_relay::serve_with(Arc::new(storage), listen, limits, crate::stop_signal())
                    .await
            }
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Serve {
        #[command(flatten)]
        args: ServeArgs,
    }

    fn plan(args: &[&str]) -> Result<Plan> {
        let mut argv = vec!["serve"];
        argv.extend(args);
        Serve::try_parse_from(argv)?.args.plan()
    }

    fn config_file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
        file
    }

    #[test]
    fn a_file_sets_the_listener_the_database_and_limits_and_a_flag_overrides_it() {
        let file = config_file(
            "listen = \"127.0.0.1:9000\"\n\
             db = \"/var/lib/rapport/relay.db\"\n\
             metrics-listen = \"127.0.0.1:9100\"\n\
             log-format = \"json\"\n\
             mailbox-burst = 2\n\
             rate-per-second = 5.5\n",
        );
        let path = file.path().to_str().unwrap();
        let from_file = plan(&["--config", path]).unwrap();
        assert_eq!(from_file.listen, "127.0.0.1:9000".parse().unwrap());
        assert!(
            matches!(&from_file.storage, Storage::Sqlite(p) if p == Path::new("/var/lib/rapport/relay.db"))
        );
        assert_eq!(
            from_file.metrics_listen,
            Some("127.0.0.1:9100".parse().unwrap())
        );
        assert_eq!(from_file.log_format, LogFormat::Json);
        assert_eq!(from_file.limits.mailbox_burst, 2);
        assert_eq!(from_file.limits.rate_per_second, 5.5);
        assert_eq!(from_file.limits.burst, Limits::default().burst);

        let overridden = plan(&[
            "--config",
            path,
            "--mailbox-burst",
            "7",
            "--listen",
            "127.0.0.1:9001",
            "--database",
            "postgres://relay@db/rapport",
        ])
        .unwrap();
        assert_eq!(overridden.limits.mailbox_burst, 7);
        assert_eq!(overridden.limits.rate_per_second, 5.5);
        assert_eq!(overridden.listen, "127.0.0.1:9001".parse().unwrap());
        assert!(
            matches!(overridden.storage, Storage::Postgres { ref url, .. } if url == "postgres://relay@db/rapport"),
            "a database given by flag replaces the file's SQLite path"
        );
    }

    #[test]
    fn an_unknown_key_is_an_error_that_names_it_and_the_file() {
        let file = config_file("listen = \"127.0.0.1:9000\"\nmailbox-bust = 3\n");
        let path = file.path().to_str().unwrap();
        let Err(e) = plan(&["--config", path, "--db", "relay.db"]) else {
            panic!("an unknown key was accepted");
        };
        let e = e.to_string();
        assert!(e.contains("mailbox-bust"), "{e}");
        assert!(e.contains(path), "{e}");
        assert!(e.contains("rapport relay serve --help"), "{e}");
    }

    #[test]
    fn without_a_listener_or_a_database_it_says_how_to_give_one() {
        let e = plan(&["--db", "relay.db"]).err().unwrap().to_string();
        assert!(
            e.contains("--listen") && e.contains("RAPPORT_RELAY_LISTEN"),
            "{e}"
        );
        let e = plan(&["--listen", "127.0.0.1:1"])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("--db") && e.contains("--database"), "{e}");
    }

    #[test]
    fn the_help_states_the_real_defaults() {
        let help = ServeArgs::augment_args(clap::Command::new("serve"))
            .render_long_help()
            .to_string();
        let d = Limits::default();
        for (flag, default) in [
            ("--pool-size", rapport_relay::DEFAULT_POOL_SIZE.to_string()),
            ("--max-body-bytes", d.max_body_bytes.to_string()),
            ("--rate-per-second", d.rate_per_second.to_string()),
            ("--burst", d.burst.to_string()),
            ("--failures-per-second", d.failures_per_second.to_string()),
            ("--failure-burst", d.failure_burst.to_string()),
            ("--mailboxes-per-hour", d.mailboxes_per_hour.to_string()),
            ("--mailbox-burst", d.mailbox_burst.to_string()),
            (
                "--mailbox-quota-messages",
                d.mailbox_quota_messages.to_string(),
            ),
            ("--mailbox-quota-bytes", d.mailbox_quota_bytes.to_string()),
            ("--max-fetch-limit", d.max_fetch_limit.to_string()),
        ] {
            let start = help
                .find(&format!("{flag} <"))
                .unwrap_or_else(|| panic!("{flag} is not in the help"));
            let entry = &help[start..];
            let entry = &entry[..entry[2..].find("\n      --").map_or(entry.len(), |i| i + 2)];
            assert!(entry.contains(&format!("[default: {default}]")), "{entry}");
        }
    }
}
