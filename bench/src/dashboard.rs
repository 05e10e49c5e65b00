//! `dashboard_100k`: the therapist's full dashboard (every client with series,
//! per-item change, trend and open flags) after ingesting 500 clients × 200
//! weekly check-ins, against a plain SQL scan of the same check-ins stored as
//! plaintext in the same run.
//!
//! Setup, and why:
//! - Everything goes through the real paths: 500 client `Store`s pair through
//!   real invites and hellos over a `MemoryTransport`, record their check-ins
//!   with `Store::record` and send them with `Store::sync` (real sealed
//!   envelopes); the therapist ingests them with `Store::sync` (real opening,
//!   verification, apply and insights recomputation).
//! - 200 weekly sessions span almost four years, but a check-in older than
//!   `MAX_SESSION_AGE_DAYS` is refused when recorded. So every store runs on a
//!   `ManualClock`: each client records each check-in on the evening of its
//!   session, the therapist pairs four years ago and ingests today.
//! - The client side is setup, not what is measured: the client stores live
//!   on tmpfs (`/dev/shm` when there is one), where a durable commit costs
//!   microseconds instead of the ~3 ms an fsync costs on this machine's disk
//!   (100,000 records would otherwise take five minutes), and clients run on
//!   every core. The therapist's store and the plaintext baseline share an
//!   ordinary temporary directory, as in the other scenarios.
//! - So set up, the client side takes 20-55 s on 2 cores (depending on what
//!   else the machine runs), under the ~60 s beyond which sealing envelopes
//!   directly with `envelope::seal` would have been worth the lost fidelity;
//!   the therapist's real ingest of 100,000 envelopes takes another 30-50 s,
//!   and setup times are printed to stderr.
//! - Ratings follow five courses (improving, flat, worsening, thriving,
//!   volatile) with week-to-week noise; a few clients ask for support, share
//!   notes, go silent or miss a session the therapist recorded, so every
//!   flag rule fires. No flag is marked discussed: the dashboard shows every
//!   open one. Flags resolve themselves (back in the usual range, came
//!   back, improved), so open flags per client are a product figure:
//!   `--check` fails when the median client has more than 1 or the 95th
//!   percentile more than 3 (counts, not timings).
//! - Besides the ratio (at most 1: no slower than the plain scan, issue
//!   21), the issues ask for at most 50 ms once summaries are warm (100 ms
//!   before issue 21): reported as `within_abs_limit` and a warning, not
//!   enforced (a timed test on a shared machine); `--check` gates the ratio.

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, Utc};
use rapport_core::insights::{ClientInsights, FlagKind};
use rapport_core::store::CONNECTION_PRAGMAS;
use rapport_core::sync::MemoryTransport;
use rapport_core::{
    CheckInDraft, InstrumentRef, KeySource, ManualClock, MemorySecretStore, Note, NoteVisibility,
    Store, StoreOptions,
};
use rusqlite::{Connection, params};
use serde_json::{Value, json};

use crate::{err, median, report, reset_peak_rss};

const CLIENTS: usize = 500;
const SESSIONS: usize = 200;
const ROUNDS: usize = 11;
/// Issue 21's absolute bound on the warm dashboard, in milliseconds.
const ABS_LIMIT_MS: f64 = 50.0;

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// Peak resident memory of this process since the last reset, in MiB.
fn peak_rss_mb() -> Option<f64> {
    crate::peak_rss_bytes().map(|b| crate::round(b as f64 / (1024.0 * 1024.0)))
}

/// A small deterministic generator (xorshift64*), so every run sees the same data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// -1, 0 or +1, zero `calm` percent of the time.
    fn wobble(&mut self, calm: u64) -> f64 {
        if self.chance(calm) {
            0.0
        } else if self.chance(50) {
            1.0
        } else {
            -1.0
        }
    }
}

/// How a client's therapy goes.
#[derive(Clone, Copy)]
enum Course {
    /// Starts low (a low first session), ends well: reliable improvement.
    Improving,
    /// Middling throughout: plateaus and the odd low score.
    Flat,
    /// Starts well, slides: drops, low scores, reliable deterioration.
    Worsening,
    /// Good throughout: a plateau there is not one.
    Thriving,
    /// Good weeks and bad weeks.
    Volatile,
}

/// One client's plan: course, when their sessions are, what the therapist records.
struct Plan {
    label: String,
    course: Course,
    /// The first session; one a week after it.
    first_session: NaiveDate,
    /// Weeks in which the client asked for support.
    support_at: Vec<usize>,
    /// Whether the client shares notes (others keep theirs private).
    shares_notes: bool,
    /// A session the therapist recorded that the client did not check in for.
    unanswered_session: Option<NaiveDate>,
    /// How many weekly check-ins the client records.
    sessions: usize,
}

fn plan(c: usize, today: NaiveDate, sessions: usize) -> Plan {
    let course = match c % 10 {
        0..=2 => Course::Improving,
        3..=5 => Course::Flat,
        6 | 7 => Course::Worsening,
        8 => Course::Thriving,
        _ => Course::Volatile,
    };
    // The latest session lies 1 to 6 days back; a few clients went silent
    // three weeks ago, and a few missed a session the therapist recorded.
    let silent = c % 50 == 49;
    let missed = c % 50 == 24;
    let latest_back = if silent {
        24
    } else if missed {
        9
    } else {
        1 + (c % 6) as u64
    };
    let latest = today - Days::new(latest_back);
    let support_at = match c % 25 {
        // Weeks 120 and 183 of 200, as far into shorter histories.
        7 => vec![sessions * 3 / 5, sessions * 183 / 200],
        16 => vec![sessions - 1],
        _ => Vec::new(),
    };
    Plan {
        label: format!("client {c:03}"),
        course,
        first_session: latest - Days::new(7 * (sessions as u64 - 1)),
        support_at,
        shares_notes: c.is_multiple_of(3),
        unanswered_session: missed.then(|| today - Days::new(4)),
        sessions,
    }
}

const NOTES: &[&str] = &[
    "We talked about my sister again. I left feeling lighter than last week.",
    "Hard session. I am not sure the homework is helping.",
    "I liked that we slowed down today.",
    "Work has been rough; it was good to have the hour.",
    "I felt rushed at the end.",
    "Better sleep this week, I want to keep the routine going.",
];

/// The check-in for session `i` of a client following `plan`.
fn checkin(plan: &Plan, c: usize, i: usize) -> CheckInDraft {
    let mut rng = Rng::new(((c as u64) << 20) ^ i as u64);
    let t = i as f64 / (plan.sessions - 1) as f64;
    let level = match plan.course {
        Course::Improving => 2.4 + 2.2 * t,
        Course::Flat => 3.5,
        Course::Worsening => 4.4 - 2.4 * t,
        Course::Thriving => 4.6,
        Course::Volatile => 3.6 + 1.2 * (i as f64 / 3.0).sin(),
    };
    // Session ratings sit high (a ceiling effect) and most weeks feel like
    // the last one; now and then a better or worse one.
    let week = level + rng.wobble(80);
    let rate = |offset: f64, rng: &mut Rng| -> u8 {
        (week + offset + 0.5 * rng.wobble(70))
            .round()
            .clamp(1.0, 5.0) as u8
    };
    let mut answers: rapport_core::Answers = [
        ("heard".to_owned(), rate(0.3, &mut rng)),
        ("hopeful".to_owned(), rate(-0.2, &mut rng)),
    ]
    .into();
    if rng.chance(60) {
        answers.insert("worked_on".into(), rate(0.0, &mut rng));
    }
    if rng.chance(40) {
        answers.insert("fit".into(), rate(0.4, &mut rng));
    }
    let note = rng.chance(20).then(|| Note {
        text: NOTES[(rng.next() % NOTES.len() as u64) as usize].to_owned(),
        visibility: if plan.shares_notes {
            NoteVisibility::Shared
        } else {
            NoteVisibility::Private
        },
    });
    CheckInDraft {
        instrument: InstrumentRef {
            id: "session-checkin".into(),
            version: 1,
        },
        session_date: session_date(plan, i),
        answers,
        note,
        support_requested: plan.support_at.contains(&i),
        goal_ratings: Default::default(),
    }
}

fn session_date(plan: &Plan, i: usize) -> NaiveDate {
    plan.first_session + Days::new(7 * i as u64)
}

fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
        .and_utc()
}

fn open_store(path: &std::path::Path, clock: &Arc<ManualClock>) -> Result<Store, String> {
    let keys = Arc::new(MemorySecretStore::new());
    let options = StoreOptions {
        clock: clock.clone(),
        ..StoreOptions::standard().map_err(err)?
    };
    Store::open_with(path, KeySource::SecretStore(keys), options).map_err(err)
}

struct Client {
    store: Store,
    clock: Arc<ManualClock>,
    plan: Plan,
    index: usize,
}

/// Records a client's whole history, session by session, and sends it;
/// returns the seconds spent recording and sending.
fn play_client(client: &mut Client, relay: &MemoryTransport) -> Result<(f64, f64), String> {
    let start = Instant::now();
    let sessions = client.plan.sessions;
    for i in 0..sessions {
        let draft = checkin(&client.plan, client.index, i);
        client.clock.set(at(draft.session_date, 19));
        client.store.record(draft).map_err(err)?;
    }
    let recording = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let report = client.store.sync(relay).map_err(err)?;
    if report.sent as usize != sessions {
        return Err(format!(
            "{} sent {} check-ins, expected {sessions}",
            client.plan.label, report.sent
        ));
    }
    Ok((recording, start.elapsed().as_secs_f64()))
}

/// One plaintext check-in as the baseline reads it.
#[allow(dead_code)] // Read only through black_box.
struct PlainRow {
    session_date: String,
    heard: u8,
    hopeful: u8,
    worked_on: Option<u8>,
    fit: Option<u8>,
    note: Option<String>,
}

const PLAIN_SCHEMA: &str = "CREATE TABLE checkins (
    sender TEXT NOT NULL, record_id BLOB NOT NULL, session_date TEXT NOT NULL,
    heard INTEGER NOT NULL, hopeful INTEGER NOT NULL, worked_on INTEGER, fit INTEGER, note TEXT,
    PRIMARY KEY (sender, session_date, record_id)) WITHOUT ROWID;";

/// The baseline: one scan, in order, into per-client vectors.
fn plain_scan(conn: &Connection) -> Result<Vec<(String, Vec<PlainRow>)>, String> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT sender, session_date, heard, hopeful, worked_on, fit, note
             FROM checkins ORDER BY sender, session_date",
        )
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    let mut out: Vec<(String, Vec<PlainRow>)> = Vec::new();
    while let Some(row) = rows.next().map_err(err)? {
        let sender = row.get_ref(0).map_err(err)?.as_str().map_err(err)?;
        let plain = PlainRow {
            session_date: row.get(1).map_err(err)?,
            heard: row.get(2).map_err(err)?,
            hopeful: row.get(3).map_err(err)?,
            worked_on: row.get(4).map_err(err)?,
            fit: row.get(5).map_err(err)?,
            note: row.get(6).map_err(err)?,
        };
        match out.last_mut() {
            Some((last, series)) if last == sender => series.push(plain),
            _ => out.push((sender.to_owned(), vec![plain])),
        }
    }
    Ok(out)
}

/// Fills the baseline with exactly what the therapist holds, as plaintext.
fn fill_plain(conn: &mut Connection, therapist: &Store) -> Result<usize, String> {
    let tx = conn.transaction().map_err(err)?;
    let mut n = 0;
    for client in therapist.dashboard().map_err(err)? {
        let sender = client.device_id.to_string();
        for checkin in client.checkins {
            let body = &checkin.body;
            tx.prepare_cached(
                "INSERT INTO checkins (sender, record_id, session_date, heard, hopeful,
                                       worked_on, fit, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(err)?
            .execute(params![
                sender,
                checkin.record_id.as_bytes(),
                body.session_date.format("%Y-%m-%d").to_string(),
                body.answers.get("heard"),
                body.answers.get("hopeful"),
                body.answers.get("worked_on"),
                body.answers.get("fit"),
                body.shared_note,
            ])
            .map_err(err)?;
            n += 1;
        }
    }
    tx.commit().map_err(err)?;
    Ok(n)
}

/// How much the therapist's store holds sealed: per-client summaries (what
/// the dashboard decrypts) and received check-ins, in MiB. For the record
/// only (`None` if the schema changed).
fn stored_mb(therapist: &Store) -> Option<(f64, f64)> {
    let conn = Connection::open(therapist.path()).ok()?;
    let mb = |table: &str| -> Option<f64> {
        let bytes: i64 = conn
            .query_row(
                &format!("SELECT coalesce(sum(length(sealed)), 0) FROM {table}"),
                [],
                |r| r.get(0),
            )
            .ok()?;
        Some(crate::round(bytes as f64 / (1024.0 * 1024.0)))
    };
    Some((mb("client_insights")?, mb("received")?))
}

/// What the dashboard must show for the data this scenario made; an error
/// when it does not (a benchmark of a broken dashboard is worthless).
fn check_dashboard(dashboard: &[ClientInsights], sessions: usize) -> Result<(), String> {
    if dashboard.len() != CLIENTS {
        return Err(format!(
            "dashboard has {} clients, expected {CLIENTS}",
            dashboard.len()
        ));
    }
    if let Some(c) = dashboard
        .iter()
        .find(|c| c.total_sessions as usize != sessions)
    {
        return Err(format!(
            "{} has {} sessions on the dashboard, expected {sessions}",
            c.label, c.total_sessions
        ));
    }
    if let Some(c) = dashboard.iter().find(|c| c.items.is_empty()) {
        return Err(format!("{} has no per-item figures", c.label));
    }
    let kinds = clients_by_flag_kind(dashboard);
    for kind in EXPECTED_KINDS {
        if !kinds.contains_key(kind.id()) {
            return Err(format!(
                "no open {} flag on the dashboard; the data makes some (seen: {kinds:?})",
                kind.id()
            ));
        }
    }
    Ok(())
}

/// The flag kinds this scenario's data leaves open for some client. Not
/// `DifficultFirstSession`: the low first sessions (improving clients) are
/// years back, and the flag resolved when the client came back.
const EXPECTED_KINDS: [FlagKind; 4] = [
    FlagKind::SupportRequested,
    FlagKind::Concern,
    FlagKind::StalledTherapy,
    FlagKind::MissingCheckin,
];

/// How many clients have at least one open flag of each kind.
fn clients_by_flag_kind(dashboard: &[ClientInsights]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for client in dashboard {
        let kinds: BTreeSet<FlagKind> = client.flags.iter().map(|f| f.kind).collect();
        for kind in kinds {
            *out.entry(kind.id()).or_insert(0) += 1;
        }
    }
    out
}

fn flags_by_severity(dashboard: &[ClientInsights]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for flag in dashboard.iter().flat_map(|c| &c.flags) {
        *out.entry(format!("{:?}", flag.severity).to_lowercase())
            .or_insert(0) += 1;
    }
    out
}

/// Open flags per client: (median, 95th percentile, most), nearest rank.
fn flags_per_client(dashboard: &[ClientInsights]) -> (usize, usize, usize) {
    let mut counts: Vec<usize> = dashboard.iter().map(|c| c.flags.len()).collect();
    counts.sort_unstable();
    if counts.is_empty() {
        return (0, 0, 0);
    }
    let rank = |p: usize| counts[(counts.len() * p).div_ceil(100).saturating_sub(1)];
    (rank(50), rank(95), counts[counts.len() - 1])
}

fn trends(dashboard: &[ClientInsights]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for client in dashboard {
        *out.entry(client.trend.as_str()).or_insert(0) += 1;
    }
    out
}

/// How long building a practice took, in seconds.
struct SetupTimes {
    total_s: f64,
    paired_s: f64,
    clients_s: f64,
    recording_s: f64,
    sending_s: f64,
    ingest_s: f64,
    threads: usize,
}

/// A therapist with `CLIENTS` clients who have each checked in after
/// `sessions` weekly sessions, ingested through the real sync path, and the
/// same check-ins as plaintext for the baseline.
struct Practice {
    relay: MemoryTransport,
    therapist: Store,
    therapist_clock: Arc<ManualClock>,
    clients: Vec<Client>,
    plain: Connection,
    sessions: usize,
    times: SetupTimes,
    // Last, so that the stores above close before their files go.
    _client_dir: tempfile::TempDir,
    _dir: tempfile::TempDir,
}

/// Builds a [`Practice`] (see the module's docs for how and why); the
/// therapist's clock is left at now.
fn build_practice(sessions: usize) -> Result<Practice, String> {
    let setup = Instant::now();
    let dir = tempfile::tempdir().map_err(err)?;
    let client_dir = tempfile::Builder::new()
        .prefix("rapport-bench-clients")
        .tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .map_err(err)?;
    let relay = MemoryTransport::new();
    let today = Utc::now().date_naive();
    let plans: Vec<Plan> = (0..CLIENTS).map(|c| plan(c, today, sessions)).collect();
    let first = plans
        .iter()
        .map(|p| p.first_session)
        .min()
        .ok_or("no clients")?;
    let paired_on = first - Days::new(3);

    // The therapist sets up and invites everyone before the first session.
    let therapist_clock = Arc::new(ManualClock::new(at(paired_on, 9)));
    let mut therapist = open_store(&dir.path().join("therapist.db"), &therapist_clock)?;
    therapist
        .therapist_init(&relay, "https://relay.example.org", "Bench")
        .map_err(err)?;
    let mut clients = Vec::with_capacity(CLIENTS);
    for (index, plan) in plans.into_iter().enumerate() {
        let invite = therapist
            .invite_client(&relay, &plan.label, Duration::days(2))
            .map_err(err)?;
        let clock = Arc::new(ManualClock::new(at(paired_on, 12)));
        let mut store = open_store(&client_dir.path().join(format!("c{index}.db")), &clock)?;
        store
            .client_join(
                &relay,
                &invite.to_uri(),
                rapport_core::model::Consent::CURRENT_VERSION,
            )
            .map_err(err)?;
        clients.push(Client {
            store,
            clock,
            plan,
            index,
        });
    }
    therapist_clock.set(at(paired_on, 18));
    let pairing = therapist.sync(&relay).map_err(err)?;
    if pairing.paired.len() != CLIENTS {
        return Err(format!(
            "paired {} clients, expected {CLIENTS}: {pairing}",
            pairing.paired.len()
        ));
    }
    let paired_s = setup.elapsed().as_secs_f64();

    // Years of weekly sessions, clients on every core.
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let per_thread = CLIENTS.div_ceil(threads);
    let (recording_s, sending_s) = std::thread::scope(|scope| {
        let relay = &relay;
        let workers: Vec<_> = clients
            .chunks_mut(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    part.iter_mut().try_fold((0.0, 0.0), |(r, s), c| {
                        let (dr, ds) = play_client(c, relay)?;
                        Ok::<_, String>((r + dr, s + ds))
                    })
                })
            })
            .collect();
        workers.into_iter().try_fold((0.0, 0.0), |(r, s), w| {
            let (dr, ds) = w
                .join()
                .map_err(|_| "a client thread panicked".to_owned())??;
            Ok::<_, String>((r + dr, s + ds))
        })
    })?;
    let clients_s = setup.elapsed().as_secs_f64() - paired_s;

    // Today the therapist ingests it all, and records the sessions some missed.
    therapist_clock.set(Utc::now());
    let ingest_start = Instant::now();
    let ingest = therapist.sync(&relay).map_err(err)?;
    let ingest_s = ingest_start.elapsed().as_secs_f64();
    if ingest.applied as usize != CLIENTS * sessions
        || !ingest.quarantined.is_empty()
        || ingest.insights_to_refresh as usize != CLIENTS
    {
        return Err(format!(
            "ingest applied {} (expected {}), refreshed {} clients (expected {CLIENTS}): {ingest}",
            ingest.applied,
            CLIENTS * sessions,
            ingest.insights_to_refresh
        ));
    }
    for client in &clients {
        if let Some(date) = client.plan.unanswered_session {
            therapist
                .record_session(&client.plan.label, date)
                .map_err(err)?;
        }
    }
    let mut plain = Connection::open(dir.path().join("plain.db")).map_err(err)?;
    plain.execute_batch(CONNECTION_PRAGMAS).map_err(err)?;
    plain.execute_batch(PLAIN_SCHEMA).map_err(err)?;
    let plain_rows = fill_plain(&mut plain, &therapist)?;
    if plain_rows != CLIENTS * sessions {
        return Err(format!(
            "the plaintext copy has {plain_rows} check-ins, expected {}",
            CLIENTS * sessions
        ));
    }
    Ok(Practice {
        relay,
        therapist,
        therapist_clock,
        clients,
        plain,
        sessions,
        times: SetupTimes {
            total_s: setup.elapsed().as_secs_f64(),
            paired_s,
            clients_s,
            recording_s,
            sending_s,
            ingest_s,
            threads,
        },
        _client_dir: client_dir,
        _dir: dir,
    })
}

impl SetupTimes {
    fn print(&self, bench: &str) {
        let SetupTimes {
            total_s,
            paired_s,
            clients_s,
            recording_s,
            sending_s,
            ingest_s,
            threads,
        } = self;
        eprintln!(
            "{bench} setup: {total_s:.1} s (pairing {paired_s:.1} s, clients recording and \
             sending {clients_s:.1} s on {threads} threads ({recording_s:.1} s recording, \
             {sending_s:.1} s sending, summed over threads), therapist ingest {ingest_s:.1} s)"
        );
    }
}

/// The baseline scan, checked: every client with all their check-ins.
fn scan_all(plain: &Connection, sessions: usize) -> Result<(), String> {
    let scanned = black_box(plain_scan(plain)?);
    if scanned.len() != CLIENTS || scanned.iter().any(|(_, s)| s.len() != sessions) {
        return Err("the plaintext scan did not return every check-in".into());
    }
    drop(scanned);
    Ok(())
}

/// Most open flags the median client may have on the dashboard (`--check`).
const MEDIAN_FLAGS_LIMIT: usize = 1;
/// Most open flags the 95th-percentile client may have (`--check`).
const P95_FLAGS_LIMIT: usize = 3;

/// 500 clients × 200 weekly check-ins ingested by the therapist through the
/// real sync path; the full dashboard (`Store::insights`) against one ordered
/// scan of the same check-ins as plaintext. Also the incremental case: one
/// more check-in, the therapist's sync (recomputing one client) and the
/// dashboard after it; and how many open flags a client has (counts, gated
/// by `--check`).
pub fn dashboard_100k() -> Result<Vec<Value>, String> {
    let practice = build_practice(SESSIONS)?;
    let Practice {
        relay,
        mut therapist,
        therapist_clock,
        mut clients,
        plain,
        times,
        ..
    } = practice;
    // Keep one client for the incremental case; the rest are done.
    let mut last_client = clients.swap_remove(0);
    drop(clients);
    let setup_peak = peak_rss_mb();
    times.print("dashboard_100k");

    reset_peak_rss();
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    let mut shown = None;
    // Round 0 is the first read after the ingest: it recomputes every
    // client's insights (sync only marks them), reported as first_read_ms.
    let mut first_read_ms = 0.0;
    for round in 0..=ROUNDS {
        let start = Instant::now();
        let dashboard = therapist.insights().map_err(err)?;
        let ours_ms = ms(start);
        let start = Instant::now();
        scan_all(&plain, SESSIONS)?;
        let base_ms = ms(start);
        if round == 0 {
            first_read_ms = ours_ms;
            check_dashboard(&dashboard, SESSIONS)?;
            shown = Some(dashboard);
        } else {
            if dashboard.len() != CLIENTS {
                return Err(format!("round {round}: {} clients", dashboard.len()));
            }
            drop(black_box(dashboard));
            // Round 0 warms caches.
            ours.push(ours_ms);
            base.push(base_ms);
        }
    }
    let shown = shown.ok_or("no dashboard")?;
    let open_flags: usize = shown.iter().map(|c| c.flags.len()).sum();
    let (flags_median, flags_p95, flags_max) = flags_per_client(&shown);
    let by_kind = clients_by_flag_kind(&shown);
    let by_severity = flags_by_severity(&shown);
    let by_trend = trends(&shown);
    drop(shown);
    eprintln!(
        "dashboard_100k: {open_flags} open flags; per client median {flags_median} (limit \
         {MEDIAN_FLAGS_LIMIT}), p95 {flags_p95} (limit {P95_FLAGS_LIMIT}), most {flags_max}; \
         clients with an open flag of each kind: {by_kind:?}"
    );
    let mut over = Vec::new();
    if flags_median > MEDIAN_FLAGS_LIMIT {
        over.push(format!(
            "dashboard_100k open flags per client: median {flags_median} > {MEDIAN_FLAGS_LIMIT}"
        ));
    }
    if flags_p95 > P95_FLAGS_LIMIT {
        over.push(format!(
            "dashboard_100k open flags per client: p95 {flags_p95} > {P95_FLAGS_LIMIT}"
        ));
    }

    // The incremental case: one more check-in from one client, today.
    let now = Utc::now();
    last_client.clock.set(now);
    let mut extra = checkin(&last_client.plan, last_client.index, SESSIONS);
    extra.session_date = now.date_naive();
    last_client.store.record(extra).map_err(err)?;
    last_client.store.sync(&relay).map_err(err)?;
    therapist_clock.set(now);
    let start = Instant::now();
    let sync = therapist.sync(&relay).map_err(err)?;
    let sync_ms = ms(start);
    eprintln!("dashboard_100k: the incremental sync took {sync_ms:.1} ms: {sync}");
    if sync.applied != 1 || sync.insights_to_refresh != 1 {
        return Err(format!(
            "the incremental sync applied {} and refreshed {} clients, expected 1 and 1: {sync}",
            sync.applied, sync.insights_to_refresh
        ));
    }
    let start = Instant::now();
    let after = therapist.insights().map_err(err)?;
    let after_ms = ms(start);
    let updated = after
        .iter()
        .find(|c| c.label == last_client.plan.label)
        .ok_or("the client who checked in is missing from the dashboard")?;
    if updated.total_sessions as usize != SESSIONS + 1 || after.len() != CLIENTS {
        return Err(format!(
            "after one more check-in {} shows {} sessions, expected {}",
            updated.label,
            updated.total_sessions,
            SESSIONS + 1
        ));
    }
    drop(after);
    let peak = peak_rss_mb();
    let sizes = stored_mb(&therapist);

    let ours_ms = median(ours);
    let base_ms = median(base);
    let line = report(
        "dashboard_100k",
        ours_ms * 1e3,
        "plain_sql_scan",
        base_ms * 1e3,
        json!({
            "ours_ms": crate::round(ours_ms),
            "baseline_ms": crate::round(base_ms),
            "abs_limit_ms": ABS_LIMIT_MS,
            "within_abs_limit": ours_ms <= ABS_LIMIT_MS,
            "clients": CLIENTS,
            "checkins": CLIENTS * SESSIONS,
            "open_flags": open_flags,
            "open_flags_per_client_median": flags_median,
            "open_flags_per_client_p95": flags_p95,
            "open_flags_per_client_max": flags_max,
            "open_flags_per_client_median_limit": MEDIAN_FLAGS_LIMIT,
            "open_flags_per_client_p95_limit": P95_FLAGS_LIMIT,
            "clients_with_open_flag_by_kind": by_kind,
            "open_flags_by_severity": by_severity,
            "trends": by_trend,
            "rounds": ROUNDS,
            "setup_s": crate::round(times.total_s),
            "ingest_s": crate::round(times.ingest_s),
            "first_read_ms": crate::round(first_read_ms),
            "incremental_sync_ms": crate::round(sync_ms),
            "incremental_insights_to_refresh": sync.insights_to_refresh,
            "insights_after_incremental_ms": crate::round(after_ms),
            "summaries_mb": sizes.map(|(summaries, _)| summaries),
            "received_mb": sizes.map(|(_, received)| received),
            "setup_peak_rss_mb": setup_peak,
            "peak_rss_mb": peak,
            "threads": times.threads,
            "over": over,
        }),
    );
    // The absolute bound is reported, not enforced: an absolute time on a
    // shared machine is a timed test, and those are not allowed to fail a
    // build. The ratio against the same-run baseline is what `--check` gates.
    if ours_ms > ABS_LIMIT_MS {
        eprintln!(
            "dashboard_100k: {ours_ms:.1} ms is over the issue's {ABS_LIMIT_MS} ms aim on this \
             run (baseline {base_ms:.1} ms, ratio {:.2})",
            ours_ms / base_ms
        );
    }
    Ok(vec![line])
}

/// Check-ins per client in `brief_500`: about eight months of weekly
/// sessions, a realistic caseload's history (and a fifth of the
/// dashboard's setup time).
const BRIEF_SESSIONS: usize = 30;
/// Clients with a session recorded on the brief's day: a busy week's day
/// for a group practice.
const BRIEF_CARDS: usize = 60;

/// The pre-session brief (`Store::brief(today, None, "en")`) of a practice
/// of 500 clients × 30 weekly check-ins (built like `dashboard_100k`'s, with
/// shorter histories), 60 of whom have a session recorded today, against
/// the dashboard's plain SQL scan of the same practice's check-ins. The
/// brief reads every client's insights (to order by need) and opens the
/// latest check-ins of the 60.
pub fn brief_500() -> Result<Vec<Value>, String> {
    let practice = build_practice(BRIEF_SESSIONS)?;
    let Practice {
        mut therapist,
        clients,
        plain,
        sessions,
        times,
        ..
    } = practice;
    let labels: Vec<String> = clients.iter().map(|c| c.plan.label.clone()).collect();
    drop(clients);
    times.print("brief_500");
    let day = Utc::now().date_naive();
    // Spread over the courses: every eighth client.
    let booked: Vec<&String> = labels
        .iter()
        .step_by(CLIENTS / BRIEF_CARDS)
        .take(BRIEF_CARDS)
        .collect();
    for label in &booked {
        therapist.record_session(label, day).map_err(err)?;
    }

    let (mut ours, mut base) = (Vec::new(), Vec::new());
    let mut first = None;
    let mut first_read_ms = 0.0;
    // Round 0 is untimed (it recomputes every client's insights after the
    // ingest, and warms caches); reported as first_read_ms.
    for round in 0..=ROUNDS {
        let start = Instant::now();
        let brief = therapist.brief(day, None, "en").map_err(err)?;
        let ours_ms = ms(start);
        let start = Instant::now();
        scan_all(&plain, sessions)?;
        let base_ms = ms(start);
        if brief.cards.len() != BRIEF_CARDS {
            return Err(format!(
                "round {round}: the brief has {} cards, expected {BRIEF_CARDS}",
                brief.cards.len()
            ));
        }
        if round == 0 {
            first_read_ms = ours_ms;
            first = Some(brief);
        } else {
            drop(black_box(brief));
            ours.push(ours_ms);
            base.push(base_ms);
        }
    }
    let brief = first.ok_or("no brief")?;
    if let Some(card) = brief.cards.iter().find(|c| !booked.contains(&&c.label)) {
        return Err(format!(
            "the brief has a card for {}, who has no session on {day}",
            card.label
        ));
    }
    let card_checkins: usize = brief.cards.iter().map(|c| c.checkins.len()).sum();
    let card_flags: usize = brief.cards.iter().map(|c| c.flags.len()).sum();
    let outside: usize = brief.cards.iter().map(|c| c.outside.len()).sum();
    drop(brief);

    let ours_ms = median(ours);
    let base_ms = median(base);
    eprintln!(
        "brief_500: {ours_ms:.2} ms vs plain SQL scan {base_ms:.2} ms (ratio {:.2}); \
         {BRIEF_CARDS} cards with {card_checkins} check-ins and {card_flags} open flags",
        ours_ms / base_ms
    );
    Ok(vec![report(
        "brief_500",
        ours_ms * 1e3,
        "plain_sql_scan",
        base_ms * 1e3,
        json!({
            "ours_ms": crate::round(ours_ms),
            "baseline_ms": crate::round(base_ms),
            "clients": CLIENTS,
            "checkins": CLIENTS * sessions,
            "cards": BRIEF_CARDS,
            "card_checkins": card_checkins,
            "card_open_flags": card_flags,
            "card_items_outside_usual": outside,
            "rounds": ROUNDS,
            "setup_s": crate::round(times.total_s),
            "ingest_s": crate::round(times.ingest_s),
            "first_read_ms": crate::round(first_read_ms),
            "threads": times.threads,
        }),
    )])
}
