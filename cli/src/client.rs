//! `rapport client ...`: join a therapist, check in, history, and the
//! client's rights (export, pause, leave, erase).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use rapport_core::model::Consent;
use rapport_core::safety::{checkin_texts, countries, country_for_locale, resources_for_locale};
use rapport_core::store::HeldCheckIns;
use rapport_core::sync::{JoinChoices, Membership};
use rapport_core::{CheckInDraft, GoalDraft, Note, NoteVisibility};

use crate::http::relay_at;
use crate::{Result, database_path, open_home, output, transport_for, write_private};

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Show the consent text joining asks you to accept; accept a new
    /// version of it with --accept.
    Consent {
        /// Language, such as de-DE (default: from $LC_ALL / $LANG).
        #[arg(long)]
        locale: Option<String>,
        /// Accept this version (after reading it), when you joined under an
        /// older one: check-ins are recorded again, nothing is lost.
        #[arg(long)]
        accept: Option<u32>,
    },
    /// Join a therapist with the invite link they gave you.
    Join {
        /// The `rapport:invite/...` link.
        uri: String,
        /// The consent version you read and accept (`rapport client consent`
        /// shows it); asked for on a terminal when not given.
        #[arg(long)]
        accept_consent: Option<u32>,
        /// The country whose crisis lines you want to see, such as IE
        /// (default: the region of $LC_ALL / $LANG, if it names one).
        #[arg(long)]
        country: Option<String>,
        /// Share with this therapist the check-ins on this device that no
        /// therapist has received (made while you had none). Without it
        /// they stay on this device and are never sent to this therapist.
        #[arg(long)]
        share_earlier: bool,
    },
    /// Show or choose the country whose crisis lines you see.
    Country {
        /// A two-letter country code, such as IE or DE.
        code: Option<String>,
        /// Forget the choice: your locale's region decides again.
        #[arg(long, conflicts_with = "code")]
        clear: bool,
        /// List the countries with checked crisis lines.
        #[arg(long, conflicts_with_all = ["code", "clear"])]
        list: bool,
    },
    /// Record how today's session felt.
    Checkin(CheckinArgs),
    /// Your goals: one to three, in your own words, shared or private.
    #[command(subcommand)]
    Goal(GoalCommand),
    /// Your check-ins, newest first.
    History {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write everything this device holds of you to FILE (JSON, or CSV).
    Export {
        /// Where to write it (readable by you only).
        #[arg(long)]
        out: PathBuf,
        /// CSV (one row per check-in) instead of JSON.
        #[arg(long)]
        csv: bool,
    },
    /// Keep new check-ins on this device until `client resume`.
    Pause,
    /// Share new check-ins again. What you recorded during the pause stays
    /// on this device unless you pass --send-held.
    Resume {
        /// Also send the check-ins recorded during the pause.
        #[arg(long)]
        send_held: bool,
    },
    /// Stop sharing with your therapist; your check-ins stay on this device.
    Leave,
    /// Erase everything: your therapist deletes your check-ins on their next
    /// sync, and this device forgets everything.
    Erase {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

/// `rapport client goal ...`. A goal is named by its id (`goal list` shows
/// it) or, while active, by its number in the list (1, 2, 3).
#[derive(Subcommand)]
pub enum GoalCommand {
    /// Set a new goal (at most three active at once).
    Add {
        /// The goal, in your own words (one line, at most 200 characters).
        text: String,
        /// Keep it on this device: your therapist never sees it or its ratings.
        #[arg(long)]
        private: bool,
        /// You set it together with your therapist in a session.
        #[arg(long)]
        in_session: bool,
    },
    /// Reword a goal; the earlier wording is kept.
    Edit {
        /// The goal's id or number.
        id: String,
        /// The new wording.
        text: String,
    },
    /// Share a goal with your therapist (from your next sync).
    Share {
        /// The goal's id or number.
        id: String,
    },
    /// Keep a goal on this device from now on; if your therapist had it,
    /// they are asked to delete it and its ratings on your next sync.
    Private {
        /// The goal's id or number.
        id: String,
    },
    /// Archive a goal: it stays, with its ratings, and frees its place.
    Archive {
        /// The goal's id or number.
        id: String,
    },
    /// Your goals: active ones numbered, then archived ones.
    List {
        /// Print JSON instead of a list.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct CheckinArgs {
    /// "Today I felt listened to", 1 (not at all) to 5 (completely).
    #[arg(long)]
    heard: u8,
    /// "Right now I feel hopeful that things can get better", 1 to 5.
    #[arg(long)]
    hopeful: u8,
    /// "Today we worked on what I want to change", 1 to 5 (optional).
    #[arg(long)]
    worked_on: Option<u8>,
    /// "This way of working makes sense to me", 1 to 5 (optional).
    #[arg(long)]
    fit: Option<u8>,
    /// A note for your therapist (or for you only, with --private-note).
    #[arg(long)]
    note: Option<String>,
    /// Keep the note on this device; it is never sent.
    #[arg(long)]
    private_note: bool,
    /// "I need support now": shows crisis lines, and tells your therapist.
    #[arg(long)]
    need_support: bool,
    /// Your locale, such as en-GB, for the crisis lines (default: $LC_ALL / $LANG).
    #[arg(long)]
    locale: Option<String>,
    /// The day of the session (default: today).
    #[arg(long)]
    session_date: Option<NaiveDate>,
    /// "How close am I" for a goal, 0 (not at all) to 10 (there), as
    /// GOAL=N where GOAL is its id or number (repeatable).
    #[arg(long = "goal", value_name = "GOAL=N")]
    goals: Vec<String>,
}

/// The user's locale from the environment, as POSIX spells it (`en_GB.UTF-8`).
pub(crate) fn env_locale() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
}

/// "2 check-ins (sessions 2026-11-02 to 2026-11-09)".
fn held_text(held: &HeldCheckIns) -> String {
    let what = if held.count == 1 {
        "1 check-in".to_owned()
    } else {
        format!("{} check-ins", held.count)
    };
    match (held.first_session, held.last_session) {
        (Some(first), Some(last)) if first == last => format!("{what} (session {first})"),
        (Some(first), Some(last)) => format!("{what} (sessions {first} to {last})"),
        _ => what,
    }
}

/// "Ireland (IE)" for a bundled country, the bare code otherwise.
fn country_name(code: &str) -> String {
    match countries().into_iter().find(|c| c.code == code) {
        Some(country) => format!("{} ({code})", country.name),
        None => code.to_owned(),
    }
}

fn ask_yes(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

pub fn run(home: &Path, command: ClientCommand) -> Result<()> {
    match command {
        ClientCommand::Consent {
            locale: _,
            accept: Some(version),
        } => {
            let mut store = open_home(home)?;
            let before = store.consent_status()?;
            let checkins = store.all_checkins()?.len();
            let waiting = store.pending_outbox(u32::MAX)?.len();
            let status = store.accept_consent(version)?;
            println!(
                "You accepted consent version {}{}. Your {checkins} check-in(s) and the {waiting} \
                 change(s) waiting to be sent are kept as they were; check-ins are recorded again.",
                status.current,
                match before.accepted {
                    Some(old) if old != status.current =>
                        format!(" (you had accepted version {old})"),
                    _ => String::new(),
                }
            );
            Ok(())
        }
        ClientCommand::Consent {
            locale,
            accept: None,
        } => {
            let consent = Consent::current(&locale.unwrap_or_else(env_locale));
            println!(
                "Consent, version {}:\n\n{}\n",
                consent.version, consent.text
            );
            println!(
                "To accept it, join with `rapport client join LINK --accept-consent {0}`; if you \
                 joined under an older version, `rapport client consent --accept {0}`.",
                consent.version
            );
            Ok(())
        }
        ClientCommand::Join {
            uri,
            accept_consent,
            country,
            share_earlier,
        } => {
            let invite = rapport_core::Invite::parse(&uri, chrono::Utc::now())?;
            let consent = Consent::current(&env_locale());
            let accepted = match accept_consent {
                Some(version) => version,
                None => {
                    eprintln!("{}\n", consent.text);
                    if !ask_yes("Do you accept this?")? {
                        return Err(format!(
                            "not joined: joining needs the consent above accepted (run in a \
                             terminal, or pass --accept-consent {} after reading `rapport client \
                             consent`)",
                            consent.version
                        )
                        .into());
                    }
                    consent.version
                }
            };
            let mut store = open_home(home)?;
            // As the apps do: the locale's region, pre-selected, unless a
            // country was chosen before or is given now.
            let preselected = match (&country, store.crisis_country()?) {
                (None, None) => country_for_locale(&env_locale()),
                _ => None,
            };
            let choices = JoinChoices {
                consent_version: accepted,
                crisis_country: country.or(preselected.clone()),
                share_held: share_earlier,
            };
            let joined = store.client_join_with(&relay_at(&invite.relay_url)?, &uri, &choices)?;
            println!("Joined. Your check-ins will reach your therapist when you sync.");
            if !joined.held.is_empty() {
                let held = held_text(&joined.held);
                if joined.shared_held {
                    println!(
                        "{held} no therapist had received go to this therapist on your next sync."
                    );
                } else {
                    println!(
                        "{held} no therapist had received stay on this device: they are not \
                         sent to this therapist. (To share them, join with --share-earlier.)"
                    );
                }
            }
            match (&joined.crisis_country, preselected) {
                (Some(code), Some(_)) => println!(
                    "Crisis lines: {} (from your locale); choose another with `rapport client \
                     country CODE`.",
                    country_name(code)
                ),
                (Some(code), None) => println!("Crisis lines: {}.", country_name(code)),
                (None, _) => println!(
                    "Crisis lines: your locale names no country; choose one with `rapport client \
                     country CODE`."
                ),
            }
            println!("{}", resources_for_locale(&env_locale()).not_monitored);
            Ok(())
        }
        ClientCommand::Country { code, clear, list } => {
            if list {
                for country in countries() {
                    println!("{}  {}", country.code, country.name);
                }
                println!(
                    "Any other two-letter code can be chosen too: the crisis sheet then shows \
                     the emergency numbers 112 and 911 and where each applies."
                );
                return Ok(());
            }
            let mut store = open_home(home)?;
            if clear {
                store.set_crisis_country(None)?;
            } else if let Some(code) = code {
                store.set_crisis_country(Some(&code))?;
            }
            let sheet = store.crisis_resources(&env_locale())?;
            match (store.crisis_country()?, &sheet.region) {
                (Some(chosen), Some(_)) => {
                    println!("Crisis lines: {} (your choice).", country_name(&chosen))
                }
                (Some(chosen), None) => println!(
                    "Crisis country: {chosen} (your choice). There are no checked crisis lines \
                     for it here, so the sheet shows the emergency numbers 112 and 911."
                ),
                (None, Some(region)) => println!(
                    "Crisis lines: {} (from your locale; no country chosen).",
                    country_name(region)
                ),
                (None, None) => println!(
                    "No crisis country chosen and your locale names none: the sheet shows the \
                     emergency numbers 112 and 911. Choose one with `rapport client country CODE`."
                ),
            }
            Ok(())
        }
        ClientCommand::Checkin(args) => checkin(home, args),
        ClientCommand::Goal(command) => goal(home, command),
        ClientCommand::History { json } => {
            let store = open_home(home)?;
            let all = store.all_checkins()?;
            let replies = store.replies()?;
            let not_monitored = resources_for_locale(&env_locale()).not_monitored;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::history_json(
                        &all,
                        &replies,
                        &not_monitored
                    ))?
                );
            } else {
                print!(
                    "{}",
                    output::history_table(&all, &replies, &not_monitored, store.instruments())
                );
                // Beside "seen by your therapist": seen is not watched.
                println!("{}", checkin_texts(&env_locale()).not_monitored);
            }
            Ok(())
        }
        ClientCommand::Export { out, csv } => {
            let store = open_home(home)?;
            let text = if csv {
                store.export_csv()?
            } else {
                store.export_json()?
            };
            write_private(&out, text.as_bytes())?;
            println!(
                "Wrote {} check-in(s) to {} (readable by you only). It is not encrypted: keep it \
                 somewhere safe.",
                store.all_checkins()?.len(),
                out.display()
            );
            Ok(())
        }
        ClientCommand::Pause => {
            open_home(home)?.pause_sharing()?;
            println!(
                "Sharing paused: new check-ins stay on this device until `rapport client resume`. \
                 Your next sync tells your therapist that sharing is paused (nothing more)."
            );
            Ok(())
        }
        ClientCommand::Resume { send_held } => {
            let held = open_home(home)?.resume_sharing(send_held)?;
            println!("Sharing resumed: new check-ins are sent on your next sync.");
            match (held.is_empty(), send_held) {
                (true, _) => println!("Nothing was held back during the pause."),
                (false, true) => {
                    println!("{} held back during the pause go too.", held_text(&held))
                }
                (false, false) => println!(
                    "{} held back during the pause stay on this device and are not sent to your \
                     therapist. (To send them, resume with --send-held.)",
                    held_text(&held)
                ),
            }
            Ok(())
        }
        ClientCommand::Leave => {
            let mut store = open_home(home)?;
            let transport = transport_for(&store)?;
            store.leave_therapist(transport.as_ref())?;
            println!(
                "You left your therapist. What you already shared stays with them; your check-ins \
                 stay on this device, and you can join another therapist."
            );
            Ok(())
        }
        ClientCommand::Erase { yes } => {
            if !yes
                && !ask_yes(
                    "Erase every check-in here and ask your therapist to delete theirs? This \
                     cannot be undone.",
                )?
            {
                return Err("nothing erased (pass --yes to confirm without a terminal)".into());
            }
            let mut store = open_home(home)?;
            let transport = match store.account()? {
                Some(a) => Some(relay_at(&a.relay_url)?),
                None => None,
            };
            let mut done = store.erase_everything()?;
            if !done && let Some(transport) = transport {
                match store.sync(&transport) {
                    Ok(report) => done = report.erased,
                    Err(e) => eprintln!("could not reach the relay yet ({e})"),
                }
            }
            if done {
                drop(store);
                for suffix in ["", "-wal", "-shm"] {
                    let mut path = database_path(home).into_os_string();
                    path.push(suffix);
                    let _ = std::fs::remove_file(path);
                }
                println!(
                    "Erased: your therapist was asked to delete your check-ins, and nothing of \
                     yours is left in {}.",
                    home.display()
                );
            } else {
                println!(
                    "Your check-ins are erased from this device. Your therapist will be asked to \
                     delete theirs on your next `rapport client sync` (run it when online); then \
                     the rest is wiped."
                );
            }
            Ok(())
        }
    }
}

fn checkin(home: &Path, args: CheckinArgs) -> Result<()> {
    let mut store = open_home(home)?;
    let instrument = store
        .instruments()
        .current()
        .map(|i| i.reference.clone())
        .ok_or("the session check-in instrument is missing from this build")?;
    let mut answers = rapport_core::Answers::new();
    answers.insert("heard".into(), args.heard);
    answers.insert("hopeful".into(), args.hopeful);
    if let Some(v) = args.worked_on {
        answers.insert("worked_on".into(), v);
    }
    if let Some(v) = args.fit {
        answers.insert("fit".into(), v);
    }
    let mut goal_ratings = rapport_core::GoalRatings::new();
    if !args.goals.is_empty() {
        let active = store.active_goals()?;
        for given in &args.goals {
            let (which, rating) = given
                .split_once('=')
                .ok_or_else(|| format!("--goal takes GOAL=N, such as 1=6, not {given:?}"))?;
            let rating: u8 = rating.trim().parse().map_err(|_| {
                format!("--goal {given:?}: the rating is a whole number from 0 to 10")
            })?;
            let id = goal_id(&active, which)?;
            goal_ratings.insert(id, rating);
        }
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
        support_requested: args.need_support,
        goal_ratings,
    };
    let locale = args.locale.unwrap_or_else(env_locale);
    let outcome = store.record_checkin(draft, &locale)?;
    let checkin = &outcome.checkin;
    let when = match store.membership()? {
        Some(Membership::Active { paused: true }) => {
            "It stays here while sharing is paused; when you resume you choose whether to send it."
        }
        Some(Membership::Active { paused: false }) => "It is sent on your next sync.",
        None => {
            "It stays on this device: you have no therapist now. When you join one, you choose \
             whether to share it."
        }
        Some(_) => "It stays on this device: sharing with your therapist has ended.",
    };
    let goals = if checkin.goal_ratings.is_empty() {
        String::new()
    } else {
        let named: Vec<String> = store
            .goals()?
            .iter()
            .filter_map(|g| {
                checkin
                    .goal_ratings
                    .get(&g.id)
                    .map(|r| format!("“{}” {r}", g.text))
            })
            .collect();
        format!("; goals: {}", named.join(", "))
    };
    println!(
        "{}",
        output::terminal_safe(&format!(
            "Saved your check-in for {} (heard {}, hopeful {}{goals}). {when}",
            checkin.session_date, checkin.answers["heard"], checkin.answers["hopeful"]
        ))
    );
    match &outcome.safety {
        Some(notice) => print!("{}", output::safety_notice(notice)),
        None => println!("{}", resources_for_locale(&locale).not_monitored),
    }
    Ok(())
}

/// The goal `which` names: its id, or its number among the active goals.
fn goal_id(active: &[rapport_core::Goal], which: &str) -> Result<uuid::Uuid> {
    let which = which.trim();
    if let Ok(n) = which.parse::<usize>() {
        return match n.checked_sub(1).and_then(|i| active.get(i)) {
            Some(goal) => Ok(goal.id),
            None => Err(format!(
                "there is no active goal number {n}: you have {} (`rapport client goal list` \
                 shows them)",
                active.len()
            )
            .into()),
        };
    }
    uuid::Uuid::parse_str(which).map_err(|_| {
        format!(
            "{which:?} names no goal: give its number (1, 2, 3) or its id, as `rapport client \
             goal list` shows them"
        )
        .into()
    })
}

fn goal(home: &Path, command: GoalCommand) -> Result<()> {
    let mut store = open_home(home)?;
    let named = |store: &rapport_core::Store, which: &str| -> Result<uuid::Uuid> {
        goal_id(&store.active_goals()?, which)
    };
    let (done, goal) = match command {
        GoalCommand::Add {
            text,
            private,
            in_session,
        } => (
            "Set",
            store.add_goal(GoalDraft {
                text,
                shared: !private,
                set_in_session: in_session,
            })?,
        ),
        GoalCommand::Edit { id, text } => {
            let id = named(&store, &id)?;
            ("Reworded", store.edit_goal(id, &text)?)
        }
        GoalCommand::Share { id } => {
            let id = named(&store, &id)?;
            ("Shared", store.set_goal_shared(id, true)?)
        }
        GoalCommand::Private { id } => {
            let id = named(&store, &id)?;
            ("Made private", store.set_goal_shared(id, false)?)
        }
        GoalCommand::Archive { id } => {
            let id = named(&store, &id)?;
            ("Archived", store.archive_goal(id)?)
        }
        GoalCommand::List { json } => {
            let goals = store.goals()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::goals_json(&goals))?
                );
            } else {
                print!("{}", output::goals_list(&goals));
            }
            return Ok(());
        }
    };
    let whom = match (goal.shared, store.membership()?) {
        (false, _) => "It stays on this device.",
        (true, Some(Membership::Active { paused: true })) => {
            "Your therapist sees it once you resume sharing."
        }
        (true, Some(Membership::Active { paused: false })) => {
            "Your therapist sees it after your next sync."
        }
        (true, None) => "Your therapist sees it once you join them and sync.",
        (true, Some(_)) => "It stays on this device: sharing with your therapist has ended.",
    };
    let private_now = done == "Made private";
    println!(
        "{}",
        output::terminal_safe(&format!(
            "{done} your goal “{}” (id {}). {}",
            goal.text,
            goal.id,
            if private_now {
                "If your therapist had it, they are asked to delete it, and its ratings, on your \
                 next sync."
            } else {
                whom
            }
        ))
    );
    Ok(())
}
