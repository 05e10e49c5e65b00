//! `rapport therapist ...`: set up, invite clients, read check-ins, insights,
//! flags and the brief, acknowledge, end a pairing, recovery kits.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Subcommand;
use rapport_core::insights::FlagRules;
use rapport_core::invite;
use rapport_core::{KeySource, Store, StoreOptions};

use crate::http::relay_at;
use crate::{Result, database_path, home_passphrase, kit_passphrase, open_home, output};
use crate::{transport_for, write_private};

#[derive(Subcommand)]
pub enum TherapistCommand {
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
        /// Days until the invite expires (default 7, at most 366).
        #[arg(long, allow_negative_numbers = true)]
        valid_days: Option<i64>,
    },
    /// Every client, most in need first, with trend, open flags and check-ins.
    Dashboard {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write the brief, every client's trend, flags, chart and shared notes to
    /// one offline HTML file (readable by you only) to open in a browser or print.
    Report {
        /// Where to write it, such as report.html.
        #[arg(long)]
        out: PathBuf,
        /// The report's language: en, de, fr or es (default: from LC_ALL,
        /// LC_MESSAGES or LANG; English for any other language).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Serve your home as a web app in this computer's browser (on 127.0.0.1
    /// only) until Ctrl-C: the brief, your clients, flags, replies and sync.
    App {
        /// The port to listen on (default: any free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Print the link instead of opening the browser.
        #[arg(long)]
        no_open: bool,
        /// The app's language: en, de, fr or es (default: from LC_ALL,
        /// LC_MESSAGES or LANG; English for any other language).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Before a day's sessions: one card per client with a session recorded
    /// that day (or every active client), with what changed, open flags and a
    /// suggested opening line.
    Brief {
        /// The day to prepare (default: today); tomorrow works too.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Only this client.
        #[arg(long)]
        label: Option<String>,
        /// Language of the opening lines (default: from LANG, else English).
        #[arg(long)]
        locale: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Open flags, most in need first (with --all, resolved ones too).
    Flags {
        /// Print JSON instead of a list.
        #[arg(long)]
        json: bool,
        /// Include resolved flags (history).
        #[arg(long)]
        all: bool,
    },
    /// Mark flags discussed with the client: they resolve and stay in history.
    Discussed {
        /// The flag with this id (repeatable).
        #[arg(long, required_unless_present = "all")]
        flag: Vec<String>,
        /// Every open flag (of --label only, when given).
        #[arg(long)]
        all: bool,
        /// With --all: only this client's flags.
        #[arg(long, requires = "all")]
        label: Option<String>,
    },
    /// Write a short reply to one check-in (at most 280 characters); it goes
    /// to the client on your next sync. Writing again replaces it, until the
    /// client checks in for a later session.
    Reply {
        /// The check-in's id (`therapist dashboard --json` shows each one's).
        #[arg(long)]
        checkin: uuid::Uuid,
        /// What to tell the client.
        #[arg(long)]
        text: String,
        /// Print the stored reply as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge check-ins (clients learn on their next sync that you saw
    /// them) or single reasons of a flag.
    Ack {
        /// Acknowledge every check-in not yet acknowledged.
        #[arg(long, required_unless_present = "reason")]
        all: bool,
        /// Acknowledge the reason with this id (repeatable); its flag stays open.
        #[arg(long, alias = "alert")]
        reason: Vec<String>,
    },
    /// Record that a session took place, so a missing check-in for it is noticed.
    Session {
        /// The client's label.
        #[arg(long)]
        label: String,
        /// The day of the session (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Show the flag thresholds, or change one with --set NAME=VALUE.
    Rules {
        /// A threshold to change, such as `drop_by_at_least=3` (repeatable).
        #[arg(long)]
        set: Vec<String>,
    },
    /// End the pairing with a client: they are told on their next sync and can
    /// no longer send; what they shared stays here.
    Revoke {
        /// The client's label.
        #[arg(long)]
        label: String,
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

pub fn run(home: &Path, command: TherapistCommand) -> Result<()> {
    match command {
        TherapistCommand::Init { relay, name } => {
            let mut store = open_home(home)?;
            let account = store.therapist_init(&relay_at(&relay)?, &relay, &name)?;
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
            let valid_for = valid_days.map_or_else(invite::default_validity, invite::validity_days);
            let invite = store.invite_client(transport.as_ref(), &label, valid_for)?;
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
            let insights = store.insights()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::dashboard_json(
                        &clients,
                        &insights,
                        &crate::client::env_locale()
                    ))?
                );
            } else {
                print!(
                    "{}",
                    output::dashboard_table(
                        &clients,
                        &insights,
                        store.instruments(),
                        &crate::client::env_locale()
                    )
                );
            }
            Ok(())
        }
        TherapistCommand::Report { out, lang } => crate::report::run(home, &out, lang.as_deref()),
        TherapistCommand::App {
            port,
            no_open,
            lang,
        } => crate::app::run(home, port, !no_open, lang.as_deref()),
        TherapistCommand::Brief {
            date,
            label,
            locale,
            json,
        } => {
            let store = open_home(home)?;
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            let locale = locale.unwrap_or_else(crate::client::env_locale);
            let brief = store.brief(date, label.as_deref(), &locale)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::brief_json(&brief, &locale))?
                );
            } else {
                print!("{}", output::brief_text(&brief, &locale));
            }
            Ok(())
        }
        TherapistCommand::Reply {
            checkin,
            text,
            json,
        } => reply(home, checkin, &text, json),
        TherapistCommand::Flags { json, all } => {
            let store = open_home(home)?;
            let flags = store.flags(all)?;
            let locale = crate::client::env_locale();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::flags_json(&flags, &locale))?
                );
            } else {
                print!("{}", output::flags_list(&flags, &locale));
            }
            Ok(())
        }
        TherapistCommand::Discussed { flag, all, label } => {
            let mut store = open_home(home)?;
            for id in &flag {
                let done = store.mark_discussed(id)?;
                println!(
                    "Marked {} ({}, {}) discussed; it stays in `therapist flags --all`.",
                    done.id,
                    done.kind.id(),
                    done.client_label
                );
            }
            if all {
                let n = store.mark_all_discussed(label.as_deref())?;
                println!("Marked {n} flag(s) discussed; they stay in `therapist flags --all`.");
            }
            Ok(())
        }
        TherapistCommand::Ack { all, reason } => {
            let mut store = open_home(home)?;
            for id in &reason {
                let acked = store.acknowledge_reason(id)?;
                println!(
                    "Acknowledged reason {} ({}); its flag stays open until discussed or resolved.",
                    acked.id,
                    acked.rule.id()
                );
            }
            if all {
                let n = store.acknowledge_all()?;
                println!(
                    "Acknowledged {n} check-in(s); clients learn it on their next sync after yours."
                );
            }
            Ok(())
        }
        TherapistCommand::Session { label, date } => {
            let mut store = open_home(home)?;
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            store.record_session(&label, date)?;
            println!(
                "Recorded a session with {label} on {date}; a flag is raised if no check-in for \
                 it arrives within {} days.",
                store.flag_rules()?.missing_session_grace_days
            );
            Ok(())
        }
        TherapistCommand::Rules { set } => {
            let mut store = open_home(home)?;
            let mut rules: FlagRules = store.flag_rules()?;
            if !set.is_empty() {
                for setting in &set {
                    let (name, value) = setting
                        .split_once('=')
                        .ok_or_else(|| format!("--set takes NAME=VALUE, not {setting:?}"))?;
                    rules.set(name.trim(), value)?;
                }
                store.set_flag_rules(&rules)?;
            }
            for (name, value, about) in rules.entries() {
                println!("{name:<32} {value:>4}  {about}");
            }
            Ok(())
        }
        TherapistCommand::Revoke { label } => {
            let mut store = open_home(home)?;
            let transport = transport_for(&store)?;
            store.revoke_client(transport.as_ref(), &label)?;
            println!(
                "Ended sharing with {label}: their token is revoked, and they are told on their \
                 next sync. What they shared stays here."
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

fn reply(home: &Path, checkin: uuid::Uuid, text: &str, json: bool) -> Result<()> {
    let mut store = open_home(home)?;
    let reply = store.reply_to_checkin(checkin, text)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&output::reply_json(&reply))?
        );
        return Ok(());
    }
    // Name the client and session, so a mistyped id is noticed now.
    let answered = store.dashboard()?.into_iter().find_map(|c| {
        c.checkins
            .iter()
            .find(|r| r.record_id == checkin)
            .map(|r| (c.label.clone(), r.body.session_date))
    });
    let whose = match answered {
        Some((label, date)) => format!("{label}'s check-in for {date}"),
        None => format!("check-in {checkin}"),
    };
    println!(
        "Saved your reply to {whose} (version {}, {} of {} characters):\n  {}",
        reply.version,
        reply.text.chars().count(),
        rapport_core::sync::REPLY_MAX_CHARS,
        reply.text.replace('\n', "\n  ")
    );
    println!(
        "It goes to them on your next `rapport sync`. You can change it by replying again until \
         they check in for a later session."
    );
    Ok(())
}
