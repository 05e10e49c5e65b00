//! `rapport demo`: a practice in a folder. An embedded relay on a free
//! loopback port, a therapist and several clients in their own encrypted
//! homes, paired through real invites, playing weeks of sessions over real
//! HTTP — the very code paths the commands use, no shortcut around the
//! encryption or the relay. Ends with the therapist's dashboard and report.
//!
//! The stories are the ones the product exists for, and each comes out
//! through flags: a client improving steadily; one whose first session went
//! badly and who recovers once the therapist raised it (the flag resolves
//! itself with the next check-in and stays in the history); one on a plateau
//! (a stalled-therapy flag); one worsening who asks for support (a concern
//! and the support request, both open); one who keeps a private note. The
//! improving client's first weeks answered the check-in's first edition (an
//! app not yet updated), so the report shows how answers to a question since
//! asked in other words are kept apart. The
//! therapist records every weekly session, so the brief knows who is seen
//! when, and the demo ends with the brief for the next session day.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Days, NaiveDate, Utc};
use rapport_core::insights::{Flag, FlagKind};
use rapport_core::model::Consent;
use rapport_core::{
    CheckInDraft, Clock, GoalDraft, InstrumentRef, KeySource, Note, NoteVisibility, Passphrase,
    Store, StoreOptions,
};

use crate::http::relay_at;
use crate::{Result, output};

/// The demo homes' scrypt cost: 2^14 keeps the demo quick; a real home uses
/// the default (2^18).
const DEMO_WORK_FACTOR: u8 = 14;

/// One session of a story: (heard, hopeful, note, support requested).
type Session = (u8, u8, Option<&'static str>, bool);

/// One client's weeks.
struct Story {
    label: &'static str,
    about: &'static str,
    locale: &'static str,
    private_notes: bool,
    /// The first third of the weeks answered edition 1 of the check-in.
    began_on_v1: bool,
    /// The session of week `w` of `n`.
    week: fn(usize, usize) -> Session,
    /// Goals set together in the first session, each shared, with its
    /// rating (0 to 10) for week `w` of `n`.
    goals: &'static [StoryGoal],
}

/// A goal a story's client sets, and how it moves.
struct StoryGoal {
    text: &'static str,
    rating: GoalRating,
}

/// A goal's rating (0 to 10) for week `w` of `n`.
type GoalRating = fn(usize, usize) -> u8;

/// How "Go back to the choir" moves over eight sessions (stretched or cut
/// for other counts): up, then holding.
const CHOIR: [u8; 8] = [2, 3, 4, 6, 7, 8, 8, 8];

const STORIES: [Story; 6] = [
    Story {
        label: "M.R.",
        about: "improving steadily, the first weeks on the check-in's first edition",
        locale: "en-US",
        private_notes: false,
        began_on_v1: true,
        goals: &[],
        week: |w, n| {
            let step = ((w * 3) / n.max(1)).min(2) as u8;
            let note = match w {
                0 => Some("Good to finally start."),
                3 => Some("The breathing exercise helped on Tuesday."),
                _ => None,
            };
            (3 + step, 3 + step, note, false)
        },
    },
    Story {
        label: "J.K.",
        about: "a first session that went badly, then recovery once it was talked about",
        locale: "en-GB",
        private_notes: false,
        began_on_v1: false,
        goals: &[],
        week: |w, _| match w {
            0 => (
                1,
                1,
                Some("I felt rushed and not really listened to."),
                false,
            ),
            // Back in range (4 or more on both), so the first session's
            // flag resolves itself with this check-in.
            1 => (4, 4, Some("Thank you for asking about last time."), false),
            2 => (4, 3, None, false),
            _ => (4 + (w % 2) as u8, 4, None, false),
        },
    },
    Story {
        label: "A.P.",
        about: "on a plateau",
        locale: "de-DE",
        private_notes: false,
        began_on_v1: false,
        goals: &[],
        week: |w, _| {
            let note = (w % 3 == 2).then_some("Much the same as last week.");
            // One good second session settles the first session's flag;
            // then nothing moves for the better, and the stall is flagged.
            let hopeful = 3 + (w == 1) as u8;
            (3 + (w % 4 == 1) as u8, hopeful, note, false)
        },
    },
    Story {
        label: "S.L.",
        about: "worsening, asks for support",
        locale: "en-GB",
        private_notes: false,
        began_on_v1: false,
        goals: &[],
        week: |w, n| {
            let left = n.saturating_sub(w + 1);
            match left {
                0 => (
                    2,
                    1,
                    Some("I don't know if this is working. Hard week."),
                    true,
                ),
                1 => (2, 2, None, false),
                2 => (3, 2, Some("Work is getting on top of me."), false),
                3 => (3, 3, None, false),
                _ => (4, 4, None, false),
            }
        },
    },
    Story {
        label: "T.N.",
        about: "keeps a private note",
        locale: "fr-FR",
        private_notes: true,
        began_on_v1: false,
        goals: &[],
        week: |w, _| {
            let note = match w % 3 {
                0 => Some("Private: what I could not say out loud yet."),
                1 => Some("Private: mum's birthday next week."),
                _ => None,
            };
            (4, 3 + (w > 2) as u8, note, false)
        },
    },
    Story {
        label: "E.B.",
        about: "two goals set together: one moves, one holds; steady and high lately",
        locale: "en-GB",
        private_notes: false,
        began_on_v1: false,
        goals: &[
            StoryGoal {
                text: "Go back to the choir",
                rating: |w, n| CHOIR[(w * CHOIR.len() / n.max(1)).min(CHOIR.len() - 1)],
            },
            StoryGoal {
                text: "Sleep through the night",
                rating: |_, _| 7,
            },
        ],
        week: |w, n| {
            let note = (w == 2).then_some("Sang in the shower, first time in ages.");
            let settled = w + 4 >= n;
            (
                4 + settled as u8,
                3 + (w > 0) as u8 + settled as u8,
                note,
                false,
            )
        },
    },
];

/// What `rapport demo` was asked for.
pub struct DemoArgs {
    /// Where the homes, the relay database and the report go.
    pub out: Option<PathBuf>,
    /// How many clients (the stories repeat beyond six).
    pub clients: usize,
    /// Sessions per client, one a week.
    pub sessions: usize,
}

/// The demo's clock: the system's, or, while a client sets the goals it set
/// together at the first session, that session's day. The demo plays weeks
/// in seconds; without this a goal would read "set today" above ratings
/// from weeks before.
#[derive(Debug, Default)]
struct DemoClock {
    at: Mutex<Option<DateTime<Utc>>>,
}

impl DemoClock {
    /// Runs `f` with the clock at `at`, then back on the system's time.
    fn during<T>(&self, at: DateTime<Utc>, f: impl FnOnce() -> T) -> T {
        *self.at.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
        let out = f();
        *self.at.lock().unwrap_or_else(|e| e.into_inner()) = None;
        out
    }
}

impl Clock for DemoClock {
    fn now(&self) -> DateTime<Utc> {
        self.at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(Utc::now)
    }
}

struct DemoClient {
    label: String,
    story: &'static Story,
    store: Store,
    /// The story's goals as set in this client's store.
    goals: Vec<(uuid::Uuid, GoalRating)>,
}

fn open(home: &Path, passphrase: &str, clock: Arc<DemoClock>) -> Result<Store> {
    std::fs::create_dir_all(home)?;
    let options = StoreOptions {
        clock,
        ..StoreOptions::standard()?
    };
    Ok(Store::open_with(
        crate::database_path(home),
        KeySource::Passphrase(Passphrase::new(passphrase).with_work_factor(DEMO_WORK_FACTOR)),
        options,
    )?)
}

pub fn run(args: DemoArgs) -> Result<()> {
    if args.clients == 0 || args.sessions < 2 {
        return Err("the demo needs at least one client and two sessions".into());
    }
    if args.sessions > 52 {
        return Err("at most 52 sessions: check-ins older than a year are refused".into());
    }
    let started = std::time::Instant::now();
    let dir = match args.out {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!(
            "rapport-demo-{}",
            Utc::now().format("%Y%m%d-%H%M%S")
        )),
    };
    if dir.join("therapist").exists() {
        return Err(format!(
            "{} already holds a demo: give another --out, or remove it first",
            dir.display()
        )
        .into());
    }
    std::fs::create_dir_all(&dir)?;
    println!("Rapport demo in {}", dir.display());

    // The relay: embedded, on a free loopback port, its own database.
    let runtime = tokio::runtime::Runtime::new()?;
    let relay = runtime.block_on(rapport_relay::spawn(rapport_relay::RelayConfig {
        db_path: dir.join("relay.db"),
        listen: "127.0.0.1:0".parse()?,
        metrics_listen: None,
        // Every device of the demo shares this machine's address: the
        // per-peer mailbox budget is for a public relay, not this one.
        limits: rapport_relay::Limits {
            mailbox_burst: u32::MAX,
            ..rapport_relay::Limits::default()
        },
    }))?;
    let url = format!("http://{}", relay.addr);
    let http = relay_at(&url)?;
    println!("  relay listening on {url} (database: relay.db, ciphertext only)");

    // Weekly sessions, the last one today.
    let today = chrono::Local::now().date_naive();
    let first: NaiveDate = today
        .checked_sub_days(Days::new(7 * (args.sessions as u64 - 1)))
        .ok_or("the sessions reach too far back")?;
    // The goals a story's client sets, set together in the first session.
    let first_session =
        first.and_time(chrono::NaiveTime::MIN).and_utc() + chrono::Duration::hours(17);

    // The therapist, and each client paired through a real invite.
    let mut therapist = open(
        &dir.join("therapist"),
        "demo therapist passphrase",
        Arc::default(),
    )?;
    therapist.therapist_init(&http, &url, "Dr. Rivera")?;
    let mut clients = Vec::new();
    for i in 0..args.clients {
        let story = &STORIES[i % STORIES.len()];
        let label = match i / STORIES.len() {
            0 => story.label.to_owned(),
            round => format!("{} ({})", story.label, round + 1),
        };
        let invite = therapist.invite_client(&http, &label, chrono::Duration::days(7))?;
        let home = dir.join("clients").join(format!("client-{}", i + 1));
        let clock = Arc::new(DemoClock::default());
        let mut store = open(
            &home,
            &format!("demo client passphrase {}", i + 1),
            clock.clone(),
        )?;
        store.client_join(&http, &invite.to_uri(), Consent::CURRENT_VERSION)?;
        let mut goals = Vec::new();
        for goal in story.goals {
            let set = clock.during(first_session, || {
                store.add_goal(GoalDraft {
                    text: goal.text.into(),
                    shared: true,
                    set_in_session: true,
                })
            })?;
            goals.push((set.id, goal.rating));
        }
        clients.push(DemoClient {
            label,
            story,
            store,
            goals,
        });
    }
    let report = therapist.sync(&http)?;
    println!(
        "  therapist Dr. Rivera and {} client(s) paired through invites ({})",
        report.paired.len(),
        clients
            .iter()
            .map(|c| format!("{}: {}", c.label, c.story.about))
            .collect::<Vec<_>>()
            .join("; ")
    );

    let instrument = therapist
        .instruments()
        .current()
        .map(|i| i.reference.clone())
        .ok_or("the bundled session check-in is missing")?;
    let mut raised: Vec<Flag> = Vec::new();
    for week in 0..args.sessions {
        let date = first + Days::new(7 * week as u64);
        let mut support = Vec::new();
        for client in &mut clients {
            therapist.record_session(&client.label, date)?;
            let (heard, hopeful, note, asks) = (client.story.week)(week, args.sessions);
            let on_v1 = client.story.began_on_v1 && week < args.sessions / 3;
            let draft = CheckInDraft {
                instrument: if on_v1 {
                    InstrumentRef {
                        version: 1,
                        ..instrument.clone()
                    }
                } else {
                    instrument.clone()
                },
                session_date: date,
                answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
                note: note.map(|text| Note {
                    text: text.into(),
                    visibility: if client.story.private_notes {
                        NoteVisibility::Private
                    } else {
                        NoteVisibility::Shared
                    },
                }),
                support_requested: asks,
                goal_ratings: client
                    .goals
                    .iter()
                    .map(|(id, rating)| (*id, rating(week, args.sessions)))
                    .collect(),
            };
            let outcome = client.store.record_checkin(draft, client.story.locale)?;
            if let Some(notice) = outcome.safety {
                let first_line = notice
                    .resources
                    .lines
                    .first()
                    .map(|l| format!("{} ({})", l.name, l.contact))
                    .unwrap_or_else(|| notice.resources.emergency_number.clone());
                support.push(format!(
                    "{}'s phone showed crisis lines for {} offline, first {first_line}",
                    client.label, client.story.locale
                ));
            }
            client.store.sync(&http)?;
        }
        let synced = therapist.sync(&http)?;
        println!(
            "  week {}/{} ({date}): {} check-ins recorded and synced; therapist received {}",
            week + 1,
            args.sessions,
            clients.len(),
            synced.applied
        );
        for line in support {
            println!("    {line}");
        }
        // The therapist reads the check-ins before the next session (each
        // client sees "seen"). After the first week that means the difficult
        // first sessions, J.K.'s above all: raised at the start of the next
        // one. Nobody marks the flag: the client's next check-in, back in
        // range, resolves it, and it stays in the history.
        if week == 0 {
            raised = therapist
                .flags(false)?
                .into_iter()
                .filter(|f| f.kind == FlagKind::DifficultFirstSession)
                .collect();
            if !raised.is_empty() {
                println!(
                    "    the therapist read the difficult first session of {} before the next \
                     one and raised it there",
                    raised
                        .iter()
                        .map(|f| f.client_label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        } else {
            let history = therapist.flags(true)?;
            raised.retain(|r| {
                let Some(resolution) = history
                    .iter()
                    .find(|f| f.id == r.id)
                    .and_then(|f| f.resolution.as_ref())
                else {
                    return true;
                };
                println!(
                    "    {}'s difficult-first-session flag: {}",
                    r.client_label,
                    resolution.text.render(&crate::client::env_locale())
                );
                false
            });
        }
        therapist.acknowledge_all()?;
        therapist.sync(&http)?;
    }
    for client in &mut clients {
        client.store.sync(&http)?;
    }

    // The next session day, one week on: recorded for every client, so
    // the brief covers the clients seen that day.
    let next = today + Days::new(7);
    for client in &clients {
        therapist.record_session(&client.label, next)?;
    }

    let dashboard = therapist.dashboard()?;
    let insights = therapist.insights()?;
    println!("\nThe therapist's dashboard:");
    print!(
        "{}",
        output::dashboard_table(
            &dashboard,
            &insights,
            therapist.instruments(),
            &crate::client::env_locale()
        )
    );

    std::fs::write(
        dir.join("dashboard.json"),
        serde_json::to_string_pretty(&output::dashboard_json(
            &dashboard,
            &insights,
            &crate::client::env_locale(),
        ))?,
    )?;
    let report_path = dir.join("report.html");
    let name = therapist.account()?.map(|a| a.name).unwrap_or_default();
    let texts = crate::report::Texts::for_locale(&crate::client::env_locale());
    let report = crate::report::Report::of(&therapist, today, texts.lang())?;
    let html = crate::report::render(&name, Utc::now(), &report, therapist.instruments(), texts);
    crate::write_private(&report_path, html.as_bytes())?;

    println!("\nOpen flags:");
    for client in &insights {
        let flags: Vec<String> = client
            .flags
            .iter()
            .map(|f| format!("{} ({})", f.kind.id(), f.severity.as_str()))
            .collect();
        let resolved = report
            .resolved
            .iter()
            .filter(|f| f.client == client.device_id)
            .count();
        println!(
            "  {}: {}; {resolved} resolved",
            client.label,
            if flags.is_empty() {
                "none".to_owned()
            } else {
                flags.join(", ")
            }
        );
    }

    let brief = therapist.brief(next, None, "en")?;
    println!(
        "\nThe brief for the next session day, {}:",
        next.format("%-d %b %Y")
    );
    for card in &brief.cards {
        println!(
            "  {} · opening: “{}”",
            card.summary_line(),
            card.opening.text
        );
    }

    let open_flags: usize = insights.iter().map(|c| c.flags.len()).sum();
    println!(
        "\n{} clients, {} check-ins, {open_flags} open flags, {} resolved. Report: {}",
        insights.len(),
        dashboard.iter().map(|c| c.checkins.len()).sum::<usize>(),
        report.resolved.len(),
        report_path.display()
    );
    println!(
        "Homes are in {} (demo passphrases: \"demo therapist passphrase\", \"demo client \
         passphrase N\"); try `rapport --home {} therapist flags`. Finished in {:.1} s.",
        dir.display(),
        dir.join("therapist").display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "To work as the therapist in your browser: rapport --home {} therapist app (and, to \
         sync from it, start the demo's relay again: rapport relay serve --db {} --listen {})",
        dir.join("therapist").display(),
        dir.join("relay.db").display(),
        relay.addr
    );
    drop(therapist);
    drop(clients);
    runtime.block_on(relay.shutdown())?;
    Ok(())
}
