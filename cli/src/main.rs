//! `rapport`: the command line for therapists, clients and relay operators.
//!
//! Every command works on a home directory (`--home`, default `$RAPPORT_HOME`
//! or `~/.rapport`) holding one encrypted database. The passphrase comes from
//! `RAPPORT_PASSPHRASE` or a prompt on the terminal.

mod app;
mod bench;
mod client;
mod demo;
mod http;
mod output;
mod relay;
mod report;
mod therapist;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use rapport_core::sync::Transport;
use rapport_core::{KeySource, Passphrase, Store, StoreOptions, SystemClock};

use crate::http::UreqClient;

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
    Therapist(therapist::TherapistCommand),
    /// Client commands: join a therapist, check in, see history.
    #[command(subcommand)]
    Client(client::ClientCommand),
    /// Send what is waiting and fetch what arrived (either role).
    Sync,
    /// Run every benchmark scenario (each against a same-run baseline) and
    /// print a table; `--json` prints one JSON line per measurement.
    Bench {
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        /// Fail when a ratio is above its limit.
        #[arg(long)]
        check: bool,
        /// Only these scenarios (default: all).
        scenarios: Vec<String>,
    },
    /// Play a whole practice: an embedded relay, a therapist and clients with
    /// weeks of sessions, over real encryption and HTTP; ends with the
    /// dashboard and an HTML report.
    Demo {
        /// Where to put the homes, relay database and report (default: a new
        /// folder under the system's temporary directory).
        #[arg(long)]
        out: Option<PathBuf>,
        /// How many clients (six stories, repeated beyond six).
        #[arg(long, default_value_t = 6)]
        clients: usize,
        /// Sessions per client, one a week, the last today.
        #[arg(long, default_value_t = 8)]
        sessions: usize,
    },
}

#[derive(Subcommand)]
enum RelayCommand {
    /// Serve the relay API until interrupted (SIGTERM or Ctrl-C).
    #[command(after_help = relay::PRECEDENCE)]
    Serve(relay::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", output::terminal_safe(&e.to_string()));
            if let Some(e) = e.downcast_ref::<rapport_core::Error>() {
                // The same stable code the apps get with their typed error.
                eprintln!("code: {}", e.specific_code());
                if let Some(hint) = hint_for(e) {
                    eprintln!("hint: {hint}");
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// Where to look next on the command line: core's sentences are for every
/// front end and name no command, so the CLI adds its own.
fn hint_for(e: &rapport_core::Error) -> Option<String> {
    use rapport_core::Error;
    Some(match e {
        Error::NoAccount => "`rapport therapist init --relay URL --name NAME`, or \
                             `rapport client join INVITE --accept-consent N`"
            .into(),
        Error::UnknownClient { .. } => "`rapport therapist dashboard` lists them".into(),
        Error::ConsentRequired { current, .. } => format!(
            "`rapport client consent` shows it; then `rapport client join INVITE \
             --accept-consent {current}`"
        ),
        Error::ConsentOutdated { current, .. } => format!(
            "`rapport client consent` shows it; then `rapport client consent --accept {current}`"
        ),
        Error::InvalidCountry { .. } => {
            "`rapport client country --list` lists the countries with checked lines".into()
        }
        Error::UnknownFlag { .. } => "`rapport therapist flags --all` lists them".into(),
        Error::UnknownReason { .. } => "`rapport therapist flags --json` lists them".into(),
        Error::Store(rapport_core::StoreError::CheckInNotFound { .. }) => {
            "`rapport therapist dashboard --json` lists each check-in's id".into()
        }
        Error::ReplyClosed => {
            "`rapport therapist dashboard --json` shows their latest check-in".into()
        }
        Error::Goal(rapport_core::GoalError::UnknownGoal { .. }) => {
            "`rapport client goal list` shows each goal's number and id".into()
        }
        Error::Goal(rapport_core::GoalError::TooManyActive { .. }) => {
            "`rapport client goal archive N` archives one".into()
        }
        Error::Validation(rapport_core::ValidationError::GoalNotActive { .. }) => {
            "`rapport client goal list` shows the goals you can rate".into()
        }
        _ => return None,
    })
}

pub(crate) type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn run(cli: Cli) -> Result<()> {
    if let Command::Relay(RelayCommand::Serve(args)) = cli.command {
        return relay::serve(args);
    }
    if let Command::Bench {
        json,
        check,
        scenarios,
    } = &cli.command
    {
        return bench::bench(*json, *check, scenarios);
    }
    if let Command::Demo {
        out,
        clients,
        sessions,
    } = cli.command
    {
        return demo::run(demo::DemoArgs {
            out,
            clients,
            sessions,
        });
    }
    let home = home_dir(cli.home)?;
    match cli.command {
        Command::Relay(_) | Command::Demo { .. } | Command::Bench { .. } => unreachable_relay(),
        Command::Sync => {
            let mut store = open_home(&home)?;
            let transport = transport_for(&store)?;
            let report = output::sync_with_progress(&mut store, transport.as_ref())?;
            println!("{report}");
            let client = store
                .account()?
                .is_some_and(|a| a.role == rapport_core::sync::Role::Client);
            if client && report.sent > 0 {
                // "Sent. Thank you." says, with it, that nobody reads along.
                let texts = rapport_core::safety::checkin_texts(&client::env_locale());
                println!("{}", texts.sent);
            }
            Ok(())
        }
        Command::Therapist(command) => therapist::run(&home, command),
        Command::Client(command) => client::run(&home, command),
    }
}

fn unreachable_relay() -> Result<()> {
    Err("the relay and demo commands are handled before a home is opened".into())
}

/// Completes on Ctrl-C, or on SIGTERM where there is one: what stops the
/// relay and the therapist's app gracefully.
pub(crate) async fn stop_signal() {
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
}

fn home_dir(home: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(home) = home {
        return Ok(home);
    }
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".rapport"))
        .ok_or_else(|| "no --home given and $HOME is not set".into())
}

pub(crate) fn database_path(home: &Path) -> PathBuf {
    home.join("rapport.db")
}

/// The scrypt work factor for new passphrase-protected files. Tests lower it
/// with `RAPPORT_SCRYPT_WORK_FACTOR` to stay fast, and must say so with
/// `RAPPORT_TEST_WEAK_KEYS=1`: on its own, a lower factor is refused, so a
/// stray variable in a real shell cannot weaken a real home or kit.
pub(crate) fn work_factor() -> Result<u8> {
    let default = rapport_core::crypto::DEFAULT_WORK_FACTOR;
    let Ok(text) = std::env::var("RAPPORT_SCRYPT_WORK_FACTOR") else {
        return Ok(default);
    };
    let factor: u8 = text
        .trim()
        .parse()
        .map_err(|_| format!("RAPPORT_SCRYPT_WORK_FACTOR={text:?} is not a number"))?;
    let for_tests = std::env::var("RAPPORT_TEST_WEAK_KEYS").is_ok_and(|v| v == "1");
    if factor < default && !for_tests {
        return Err(format!(
            "RAPPORT_SCRYPT_WORK_FACTOR={factor} would protect this home with weaker keys than \
             the default ({default}); unset it (it is for tests, which also set \
             RAPPORT_TEST_WEAK_KEYS=1)"
        )
        .into());
    }
    Ok(factor.min(rapport_core::crypto::MAX_WORK_FACTOR))
}

fn read_passphrase(var: &str, prompt: &str) -> Result<Passphrase> {
    let text = match std::env::var(var) {
        Ok(text) => text,
        Err(_) => rpassword::prompt_password(format!("{prompt}: "))
            .map_err(|e| format!("no passphrase: set {var} or run in a terminal ({e})"))?,
    };
    Ok(Passphrase::new(text).with_work_factor(work_factor()?))
}

pub(crate) fn home_passphrase() -> Result<Passphrase> {
    read_passphrase("RAPPORT_PASSPHRASE", "Passphrase")
}

pub(crate) fn kit_passphrase(prompt: &str) -> Result<Passphrase> {
    if std::env::var_os("RAPPORT_KIT_PASSPHRASE").is_some() {
        read_passphrase("RAPPORT_KIT_PASSPHRASE", prompt)
    } else {
        read_passphrase("RAPPORT_PASSPHRASE", prompt)
    }
}

pub(crate) fn open_home(home: &Path) -> Result<Store> {
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

pub(crate) fn transport_for(store: &Store) -> Result<Box<dyn Transport>> {
    Ok(Box::new(store.relay_client(UreqClient::new())?))
}

/// Writes a file only the owner can read.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
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
    // `mode` applies only to a file this call creates: an existing one (an
    // old kit, a file someone made readable) is narrowed before anything
    // private goes into it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot make {} private: {e}", path.display()))?;
    }
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
