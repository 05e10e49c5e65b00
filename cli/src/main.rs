//! `rapport`: the command line for therapists, clients and relay operators.
//!
//! Every command works on a home directory (`--home`, default `$RAPPORT_HOME`
//! or `~/.rapport`) holding one encrypted database. The passphrase comes from
//! `RAPPORT_PASSPHRASE` or a prompt on the terminal.

mod http;
mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use rapport_core::sync::Transport;
use rapport_core::{
    CheckInDraft, InstrumentRef, KeySource, Note, NoteVisibility, Passphrase, Store, StoreOptions,
    SystemClock,
};

use crate::http::HttpTransport;

#[derive(Parser)]
#[command(
    name = "rapport",
    version,
    about = "Session check-ins, end-to-end encrypted, for therapy clients and their therapists."
)]
struct Cli {
    /// The home directory holding this device's encrypted database.
    #[arg(long, global = true, env = "RAPPORT_HOME")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a relay.
    #[command(subcommand)]
    Relay(RelayCommand),
    /// Therapist commands: set up, invite clients, read check-ins.
    #[command(subcommand)]
    Therapist(TherapistCommand),
    /// Client commands: join a therapist, check in, see history.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Send what is waiting and fetch what arrived (either role).
    Sync,
}

#[derive(Subcommand)]
enum RelayCommand {
    /// Serve the relay API until interrupted.
    Serve {
        /// The relay's SQLite database (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// Address to listen on, such as 127.0.0.1:8080.
        #[arg(long)]
        listen: std::net::SocketAddr,
    },
}

#[derive(Subcommand)]
enum TherapistCommand {
    /// Set this home up as a therapist on a relay.
    Init {
        /// The relay's base URL.
        #[arg(long)]
        relay: String,
        /// Your name, as you want it shown.
        #[arg(long)]
        name: String,
    },
    /// Create a single-use invite for one client; prints the invite link.
    Invite {
        /// What you call this client (initials, say). Stays on this device.
        #[arg(long)]
        label: String,
        /// Also draw the invite as a QR code in the terminal.
        #[arg(long)]
        qr: bool,
        /// Days until the invite expires.
        #[arg(long, default_value_t = 7)]
        valid_days: i64,
    },
    /// Every client with their check-ins.
    Dashboard {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge check-ins; clients learn on their next sync that you saw them.
    Ack {
        /// Acknowledge every check-in not yet acknowledged.
        #[arg(long, required = true)]
        all: bool,
    },
    /// Write a recovery kit (encrypted with a passphrase) to FILE.
    RecoveryKit {
        /// Where to write the kit.
        #[arg(long)]
        out: PathBuf,
    },
    /// Rebuild a therapist home from a recovery kit, then sync to fetch the history.
    Restore {
        /// The kit written by `therapist recovery-kit`.
        #[arg(long)]
        kit: PathBuf,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Join a therapist with the invite link they gave you.
    Join {
        /// The `rapport:invite/...` link.
        uri: String,
    },
    /// Record how today's session felt.
    Checkin(CheckinArgs),
    /// Your check-ins, newest first.
    History {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct CheckinArgs {
    /// "I felt heard and understood", 1 (not at all) to 5 (completely).
    #[arg(long)]
    heard: u8,
    /// "I leave feeling more hopeful", 1 to 5.
    #[arg(long)]
    hopeful: u8,
    /// "We worked on what mattered to me", 1 to 5 (optional).
    #[arg(long)]
    worked_on: Option<u8>,
    /// "The way we worked suits me", 1 to 5 (optional).
    #[arg(long)]
    fit: Option<u8>,
    /// A note for your therapist (or for you only, with --private-note).
    #[arg(long)]
    note: Option<String>,
    /// Keep the note on this device; it is never sent.
    #[arg(long)]
    private_note: bool,
    /// The day of the session (default: today).
    #[arg(long)]
    session_date: Option<NaiveDate>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn run(cli: Cli) -> Result<()> {
    if let Command::Relay(RelayCommand::Serve { db, listen }) = cli.command {
        return serve_relay(db, listen);
    }
    let home = home_dir(cli.home)?;
    match cli.command {
        Command::Relay(_) => unreachable_relay(),
        Command::Sync => {
            let mut store = open_home(&home)?;
            let transport = transport_for(&store)?;
            let report = output::sync_with_progress(&mut store, transport.as_ref())?;
            println!("{report}");
            Ok(())
        }
        Command::Therapist(command) => therapist(&home, command),
        Command::Client(command) => client(&home, command),
    }
}

fn unreachable_relay() -> Result<()> {
    Err("the relay command is handled before a home is opened".into())
}

fn therapist(home: &Path, command: TherapistCommand) -> Result<()> {
    match command {
        TherapistCommand::Init { relay, name } => {
            let mut store = open_home(home)?;
            let account = store.therapist_init(&HttpTransport::new(&relay), &relay, &name)?;
            println!(
                "Set up as {} on {} (home: {}).",
                account.name,
                account.relay_url,
                home.display()
            );
            println!("Next: `rapport therapist invite --label INITIALS` for each client.");
            Ok(())
        }
        TherapistCommand::Invite {
            label,
            qr,
            valid_days,
        } => {
            let mut store = open_home(home)?;
            let transport = transport_for(&store)?;
            let invite = store.invite_client(
                transport.as_ref(),
                &label,
                chrono::Duration::days(valid_days),
            )?;
            if qr {
                println!("{}", invite.to_qr_terminal()?);
            }
            println!("{}", invite.to_uri());
            eprintln!(
                "Give this invite to {label} in person or over a channel you trust; it works once and \
                 expires {}.",
                invite.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            Ok(())
        }
        TherapistCommand::Dashboard { json } => {
            let store = open_home(home)?;
            let clients = store.dashboard()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::dashboard_json(&clients))?
                );
            } else {
                print!("{}", output::dashboard_table(&clients));
            }
            Ok(())
        }
        TherapistCommand::Ack { all: _ } => {
            let mut store = open_home(home)?;
            let n = store.acknowledge_all()?;
            println!(
                "Acknowledged {n} check-in(s); clients learn it on their next sync after yours."
            );
            Ok(())
        }
        TherapistCommand::RecoveryKit { out } => {
            let mut store = open_home(home)?;
            let passphrase = kit_passphrase("Passphrase for the recovery kit")?;
            let kit = store.recovery_kit(&passphrase)?;
            write_private(&out, &kit)?;
            println!(
                "Wrote the recovery kit to {}. Keep it, and its passphrase, somewhere safe and apart.",
                out.display()
            );
            Ok(())
        }
        TherapistCommand::Restore { kit } => {
            let bytes =
                std::fs::read(&kit).map_err(|e| format!("cannot read {}: {e}", kit.display()))?;
            let kit_pass = kit_passphrase("Passphrase of the recovery kit")?;
            std::fs::create_dir_all(home)?;
            let store = Store::restore_from_kit(
                database_path(home),
                KeySource::Passphrase(home_passphrase()?),
                StoreOptions::standard()?,
                &bytes,
                &kit_pass,
            )?;
            drop(store);
            println!(
                "Restored into {}. Run `rapport --home {} sync` to fetch the history from the relay.",
                home.display(),
                home.display()
            );
            Ok(())
        }
    }
}

fn client(home: &Path, command: ClientCommand) -> Result<()> {
    match command {
        ClientCommand::Join { uri } => {
            let invite = rapport_core::Invite::parse(&uri, chrono::Utc::now())?;
            let mut store = open_home(home)?;
            store.client_join(&HttpTransport::new(&invite.relay_url), &uri)?;
            println!("Joined. Your check-ins will reach your therapist when you sync.");
            println!("{}", output::NOT_MONITORED);
            Ok(())
        }
        ClientCommand::Checkin(args) => {
            let mut store = open_home(home)?;
            let instrument = store
                .instruments()
                .latest("session-checkin")
                .map(|i| i.reference.clone())
                .unwrap_or(InstrumentRef {
                    id: "session-checkin".into(),
                    version: 1,
                });
            let mut answers = rapport_core::Answers::new();
            answers.insert("heard".into(), args.heard);
            answers.insert("hopeful".into(), args.hopeful);
            if let Some(v) = args.worked_on {
                answers.insert("worked_on".into(), v);
            }
            if let Some(v) = args.fit {
                answers.insert("fit".into(), v);
            }
            let draft = CheckInDraft {
                instrument,
                session_date: args
                    .session_date
                    .unwrap_or_else(|| chrono::Local::now().date_naive()),
                answers,
                note: args.note.map(|text| Note {
                    text,
                    visibility: if args.private_note {
                        NoteVisibility::Private
                    } else {
                        NoteVisibility::Shared
                    },
                }),
            };
            let checkin = store.record(draft)?;
            println!(
                "Saved your check-in for {} (heard {}, hopeful {}). It is sent on your next sync.",
                checkin.session_date, checkin.answers["heard"], checkin.answers["hopeful"]
            );
            println!("{}", output::NOT_MONITORED);
            Ok(())
        }
        ClientCommand::History { json } => {
            let store = open_home(home)?;
            let mut all = Vec::new();
            let mut cursor = None;
            loop {
                let page = store.history(cursor.as_ref(), rapport_core::store::MAX_PAGE)?;
                all.extend(page.checkins);
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::history_json(&all))?
                );
            } else {
                print!("{}", output::history_table(&all));
            }
            Ok(())
        }
    }
}

fn serve_relay(db: PathBuf, listen: std::net::SocketAddr) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let config = rapport_relay::RelayConfig {
            db_path: db,
            listen,
            limits: rapport_relay::Limits::default(),
        };
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut term) => {
                        tokio::select! {
                            _ = ctrl_c => {},
                            _ = term.recv() => {},
                        }
                    }
                    Err(_) => {
                        let _ = ctrl_c.await;
                    }
                }
            }
            #[cfg(not(unix))]
            {
                let _ = ctrl_c.await;
            }
        };
        rapport_relay::serve(config, shutdown).await
    })?;
    Ok(())
}

fn home_dir(home: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(home) = home {
        return Ok(home);
    }
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".rapport"))
        .ok_or_else(|| "no --home given and $HOME is not set".into())
}

fn database_path(home: &Path) -> PathBuf {
    home.join("rapport.db")
}

/// The scrypt work factor for new passphrase-protected files; tests lower it
/// with `RAPPORT_SCRYPT_WORK_FACTOR` to stay fast.
fn work_factor() -> u8 {
    std::env::var("RAPPORT_SCRYPT_WORK_FACTOR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(rapport_core::crypto::DEFAULT_WORK_FACTOR)
}

fn read_passphrase(var: &str, prompt: &str) -> Result<Passphrase> {
    let text = match std::env::var(var) {
        Ok(text) => text,
        Err(_) => rpassword::prompt_password(format!("{prompt}: "))
            .map_err(|e| format!("no passphrase: set {var} or run in a terminal ({e})"))?,
    };
    Ok(Passphrase::new(text).with_work_factor(work_factor()))
}

fn home_passphrase() -> Result<Passphrase> {
    read_passphrase("RAPPORT_PASSPHRASE", "Passphrase")
}

fn kit_passphrase(prompt: &str) -> Result<Passphrase> {
    if std::env::var_os("RAPPORT_KIT_PASSPHRASE").is_some() {
        read_passphrase("RAPPORT_KIT_PASSPHRASE", prompt)
    } else {
        read_passphrase("RAPPORT_PASSPHRASE", prompt)
    }
}

fn open_home(home: &Path) -> Result<Store> {
    std::fs::create_dir_all(home)
        .map_err(|e| format!("cannot create the home directory {}: {e}", home.display()))?;
    let options = StoreOptions {
        clock: Arc::new(SystemClock),
        ..StoreOptions::standard()?
    };
    Ok(Store::open_with(
        database_path(home),
        KeySource::Passphrase(home_passphrase()?),
        options,
    )?)
}

fn transport_for(store: &Store) -> Result<Box<dyn Transport>> {
    let account = store
        .account()?
        .ok_or("this home is not set up yet: run `therapist init` or `client join` first")?;
    Ok(Box::new(HttpTransport::new(&account.relay_url)))
}

/// Writes a file only the owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
