//! The therapist's per-client summaries: kept sealed in `client_insights`,
//! recomputed only for clients a sync touched, read in one pass for the
//! dashboard.
//!
//! Applying a check-in (or marking a flag discussed) marks its client dirty
//! in the same transaction, so a crash between the apply and the
//! recomputation only delays it to the next read. What depends on today's
//! date (escalation, missing check-ins) and acknowledged reasons are applied
//! at read time, on top of the stored summary. Open flags live in the
//! summary; resolved ones in `history`, read only when asked for.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::TransactionBehavior;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::flags::{Flag, Reason, ResolutionKind, SeriesInput, discussed_on, series_flags};
use super::goals::{goal_progress, open_progress, seal_progress};
use super::need::{order_clients, sort_flags};
use super::packed::{
    Summary, TABLE, history_address, open_kept_flags, open_summaries, seal_packed, summary_address,
};
use super::readiness::readiness_flags;
use super::rules::FlagRules;
use super::sentences::{Arg, Sentence};
use super::timed::{TimedInput, apply_timed};
use super::{ClientInsights, SessionPoint, analyse, comparable_points, with_editions};
use crate::error::{Error, StoreError};
use crate::identity::DeviceId;
use crate::model::{GoalRatings, Instrument, InstrumentRef};
use crate::store::insights::{
    RULES_KEY, mark_dirty, save_flag_mark, save_goal_progress, save_summary,
};
use crate::store::{Store, seal_value};
use crate::sync::{open_held_goals, open_received};

const ACKS: &str = "alert_acks";
const INSTRUMENT: &str = "session-checkin";

/// Whether a client is still sharing, or how the pairing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "at")]
pub enum ClientStatus {
    /// Paired and sharing.
    Active,
    /// The client left; what they shared stays with the therapist.
    Left(DateTime<Utc>),
    /// The client erased everything: their check-ins are gone here too.
    Erased(DateTime<Utc>),
    /// The therapist ended the pairing.
    Revoked(DateTime<Utc>),
}

impl ClientStatus {
    /// A word for tables: `active`, `left`, `erased`, `revoked`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ClientStatus::Active => "active",
            ClientStatus::Left(_) => "left",
            ClientStatus::Erased(_) => "erased",
            ClientStatus::Revoked(_) => "revoked",
        }
    }
}

/// A paired client as the summary needs it.
struct ClientRow {
    label: String,
    device_id: DeviceId,
    paired_on: NaiveDate,
    status: ClientStatus,
    paused_since: Option<DateTime<Utc>>,
}

/// What the flag engine reads of one client's check-ins.
#[derive(Default)]
struct ClientSeries {
    points: Vec<SessionPoint>,
    /// The edition each point answered, in the same order.
    editions: Vec<InstrumentRef>,
    notes: HashMap<Uuid, String>,
    received: HashMap<Uuid, DateTime<Utc>>,
    /// Goal ratings by check-in, oldest session first (check-ins that rate
    /// no goal left out).
    goal_ratings: Vec<(Uuid, NaiveDate, GoalRatings)>,
}

/// A stored millisecond timestamp as a time.
fn mark_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Store {
    /// The flag thresholds in use (the defaults until changed).
    pub fn flag_rules(&self) -> Result<FlagRules, Error> {
        match self.flag_rules_json()? {
            None => Ok(FlagRules::default()),
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                StoreError::UnreadableRecord {
                    table: "meta",
                    row: RULES_KEY.into(),
                    detail: e.to_string(),
                }
                .into()
            }),
        }
    }

    /// Changes the flag thresholds; every client's flags are recomputed.
    pub fn set_flag_rules(&mut self, rules: &FlagRules) -> Result<(), Error> {
        let json = serde_json::to_string(rules).map_err(|e| StoreError::UnreadableRecord {
            table: "meta",
            row: RULES_KEY.into(),
            detail: e.to_string(),
        })?;
        self.save_flag_rules_json(&json)
    }

    /// Recomputes the summaries of clients whose check-ins (or flag marks)
    /// changed since they were last computed; returns how many. Reads call
    /// it, so a summary is never stale.
    pub fn refresh_insights(&self) -> Result<u32, Error> {
        let dirty = self.dirty_senders()?;
        if dirty.is_empty() {
            return Ok(0);
        }
        let rules = self.flag_rules()?;
        let instrument = self.summary_instrument()?;
        let instruments = &self.options.instruments;
        let now = self.options.clock.now();
        let tx = self.begin_unchecked()?;
        for sender_text in &dirty {
            let sender: DeviceId = sender_text.parse().map_err(|_| StoreError::Tampered {
                table: TABLE,
                row: sender_text.clone(),
            })?;
            let ClientSeries {
                points,
                editions,
                notes,
                received,
                goal_ratings,
            } = self.client_series(&sender)?;
            let series = with_editions(&points, &editions, &instrument.reference);
            let (items, trend) = analyse(&series, instruments);
            let discussed = self.discussed_marks(Some(sender_text))?;
            let held = open_held_goals(&self.cipher, &sender, self.held_goals(&sender)?)?;
            let mut goals = goal_progress(held, &goal_ratings);
            let input = SeriesInput {
                sender: &sender,
                points: &points,
                editions: &editions,
                notes: &notes,
                instruments,
                instrument,
                rules: &rules,
                discussed: &discussed,
                received: &received,
            };
            let mut flags = series_flags(&input);
            flags.extend(readiness_flags(&input, &goals));
            for goal in &mut goals {
                goal.series
                    .drain(..goal.series.len().saturating_sub(super::CHART_SESSIONS));
            }
            // A flag the therapist may have seen and the series no longer
            // gives (its check-in was edited or deleted) stays, withdrawn.
            for mut old in self.stored_flags(sender_text)? {
                if flags.iter().any(|f| f.id == old.id) {
                    continue;
                }
                if old.is_open() {
                    let today = now.date_naive();
                    old.resolve(
                        ResolutionKind::Withdrawn,
                        today,
                        Sentence::new("resolution.withdrawn", [("date", Arg::Date(today))]),
                    );
                }
                flags.push(old);
            }
            let (open, resolved): (Vec<Flag>, Vec<Flag>) =
                flags.into_iter().partition(Flag::is_open);
            let total = points.len() as u32;
            // What the dashboard draws: each item's line only where it may
            // be compared with the client's newest answer to it.
            let points = comparable_points(&series, instruments, super::CHART_SESSIONS);
            let summary = Summary {
                points,
                total,
                items,
                trend,
                flags: open,
            };
            let sealed = seal_packed(&self.cipher, &summary_address(sender_text), &summary.pack())?;
            let history = seal_packed(&self.cipher, &history_address(sender_text), &resolved)?;
            save_summary(&tx, sender_text, now, &sealed, &history)?;
            let goals = seal_progress(&self.cipher, sender_text, &goals)?;
            save_goal_progress(&tx, sender_text, goals.as_deref())?;
        }
        tx.commit()?;
        Ok(dirty.len() as u32)
    }

    /// Every client with series, trend and open flags, in order of need
    /// (see [`order_clients`]).
    pub fn insights(&self) -> Result<Vec<ClientInsights>, Error> {
        self.insights_on(self.options.clock.now().date_naive())
    }

    /// [`Store::insights`] with flags as they stand on `today` (escalation
    /// and missing check-ins depend on the date).
    pub fn insights_on(&self, today: NaiveDate) -> Result<Vec<ClientInsights>, Error> {
        self.refresh_insights()?;
        let rules = self.flag_rules()?;
        let acked = self.acknowledged_reasons()?;
        let discussed = self.discussed_marks(None)?;
        let recorded = self.recorded_sessions()?;
        let unseen = self.unseen_counts()?;
        let mut summaries = open_summaries(&self.cipher, self.sealed_summaries()?)?;
        let mut goals = open_progress(&self.cipher, self.sealed_goal_progress()?)?;
        let mut out = Vec::new();
        for client in self.client_rows()? {
            let key = client.device_id.to_string();
            let summary = summaries.remove(&key).unwrap_or_else(Summary::empty);
            let mut flags = summary.flags;
            if client.status == ClientStatus::Active {
                apply_timed(
                    &mut flags,
                    &TimedInput {
                        sender: &client.device_id,
                        points: &summary.points,
                        recorded: recorded.get(&key).map(Vec::as_slice).unwrap_or_default(),
                        paired_on: client.paired_on,
                        today,
                        rules: &rules,
                        paused: client.paused_since.is_some(),
                        discussed: &discussed,
                    },
                );
            }
            for flag in &mut flags {
                flag.client_label = client.label.clone();
                for reason in &mut flag.reasons {
                    reason.acknowledged_at = acked.get(&reason.id).copied();
                }
            }
            sort_flags(&mut flags);
            out.push(ClientInsights {
                unseen: unseen.get(&key).copied().unwrap_or(0),
                label: client.label,
                device_id: client.device_id,
                status: client.status,
                sessions: summary.points,
                total_sessions: summary.total,
                items: summary.items,
                trend: summary.trend,
                flags,
                paused_since: client.paused_since,
                goals: goals.remove(&key).unwrap_or_default(),
            });
        }
        order_clients(&mut out);
        Ok(out)
    }

    /// Open flags of every client, by need; with `include_resolved`, the
    /// resolved ones after them, most recently resolved first.
    pub fn flags(&self, include_resolved: bool) -> Result<Vec<Flag>, Error> {
        let mut open: Vec<Flag> = self.insights()?.into_iter().flat_map(|c| c.flags).collect();
        sort_flags(&mut open);
        if include_resolved {
            let mut resolved = self.resolved_flags()?;
            sort_flags(&mut resolved);
            open.extend(resolved);
        }
        Ok(open)
    }

    /// Marks a flag discussed: it resolves (and stays in history). Marking
    /// one already resolved returns it unchanged.
    pub fn mark_discussed(&mut self, id: &str) -> Result<Flag, Error> {
        let id = id.trim().to_ascii_lowercase();
        match self.flags(false)?.into_iter().find(|f| f.id == id) {
            Some(flag) => Ok(self.mark(vec![flag])?.remove(0)),
            None => self
                .resolved_flags()?
                .into_iter()
                .find(|f| f.id == id)
                .ok_or(Error::UnknownFlag { id }),
        }
    }

    /// Marks every open flag discussed (of the client labelled `label`
    /// only, when given); returns how many.
    pub fn mark_all_discussed(&mut self, label: Option<&str>) -> Result<u32, Error> {
        let client = label.map(|l| self.client_by_label(l)).transpose()?;
        let open: Vec<Flag> = self
            .flags(false)?
            .into_iter()
            .filter(|f| client.as_ref().is_none_or(|c| c.card.device_id == f.client))
            .collect();
        Ok(self.mark(open)?.len() as u32)
    }

    fn mark(&mut self, flags: Vec<Flag>) -> Result<Vec<Flag>, Error> {
        let now = self.options.clock.now();
        let today = now.date_naive();
        let tx = self.begin(TransactionBehavior::Deferred)?;
        let mut out = Vec::with_capacity(flags.len());
        for mut flag in flags {
            save_flag_mark(&tx, &flag.id, &flag.client, now)?;
            mark_dirty(&tx, &flag.client)?;
            flag.resolve(ResolutionKind::Discussed, today, discussed_on(today));
            out.push(flag);
        }
        tx.commit()?;
        Ok(out)
    }

    /// Acknowledges one reason of an open flag (the flag itself stays as
    /// it is: the therapist's work is per flag). Acknowledging one already
    /// acknowledged returns it unchanged.
    pub fn acknowledge_reason(&mut self, id: &str) -> Result<Reason, Error> {
        let id = id.trim().to_ascii_lowercase();
        let found = self
            .flags(false)?
            .into_iter()
            .find_map(|f| {
                let client = f.client;
                f.reasons
                    .into_iter()
                    .find(|r| r.id == id)
                    .map(|r| (client, r))
            })
            .ok_or(Error::UnknownReason { id: id.clone() })?;
        let (client, mut reason) = found;
        if reason.acknowledged_at.is_some() {
            return Ok(reason);
        }
        let now = self.options.clock.now();
        reason.acknowledged_at = Some(now);
        let sealed = seal_value(&self.cipher, ACKS, id.as_bytes(), &reason)?;
        self.save_reason_ack(&id, &client, now, &sealed)?;
        Ok(reason)
    }

    /// Records that a session with the client labelled `label` took place on
    /// `date`: a check-in for it is expected, and the client came back.
    pub fn record_session(&mut self, label: &str, date: NaiveDate) -> Result<(), Error> {
        let client = self.client_by_label(label)?;
        let now = self.options.clock.now();
        self.save_session(&client.card.device_id, date, now)
    }

    /// The one paired client with this label.
    pub fn client_by_label(&self, label: &str) -> Result<crate::store::Peer, Error> {
        let mut matching: Vec<_> = self
            .peers()?
            .into_iter()
            .map(|(peer, _)| peer)
            .filter(|peer| peer.label == label)
            .collect();
        match matching.len() {
            0 => Err(Error::UnknownClient {
                label: label.into(),
            }),
            1 => Ok(matching.remove(0)),
            count => Err(Error::AmbiguousClient {
                label: label.into(),
                count,
            }),
        }
    }

    pub(super) fn summary_instrument(&self) -> Result<&Instrument, Error> {
        self.options.instruments.latest(INSTRUMENT).ok_or_else(|| {
            crate::error::InstrumentError::Invalid {
                id: INSTRUMENT.into(),
                detail: "the bundled session check-in is missing".into(),
            }
            .into()
        })
    }

    /// A client's live check-ins as points, oldest session first, with their
    /// shared notes, goal ratings and when each arrived.
    fn client_series(&self, sender: &DeviceId) -> Result<ClientSeries, Error> {
        let mut series = ClientSeries::default();
        for row in self.received_checkins(sender)? {
            let record_id = Uuid::from_slice(&row.record_id).map_err(|_| StoreError::Tampered {
                table: "received",
                row: sender.to_string(),
            })?;
            let body = open_received(&self.cipher, sender, &record_id, row.version, &row.sealed)?;
            if let Some(note) = body.shared_note {
                series.notes.insert(record_id, note);
            }
            if !body.goal_ratings.is_empty() {
                series
                    .goal_ratings
                    .push((record_id, body.session_date, body.goal_ratings));
            }
            series
                .received
                .insert(record_id, mark_time(row.received_at));
            series.editions.push(body.instrument);
            series.points.push(SessionPoint {
                record_id,
                session_date: body.session_date,
                answers: body.answers,
                support_requested: body.support_requested,
            });
        }
        Ok(series)
    }

    /// Every flag stored for a client (open and resolved), from before this
    /// recomputation; none when the summary is of a format before flags.
    fn stored_flags(&self, sender: &str) -> Result<Vec<Flag>, Error> {
        let Some((Some(sealed), history)) = self.stored_summary(sender)? else {
            return Ok(Vec::new());
        };
        let mut flags = open_kept_flags(&self.cipher, &summary_address(sender), &sealed, false)?;
        if let Some(history) = history {
            flags.extend(open_kept_flags(
                &self.cipher,
                &history_address(sender),
                &history,
                true,
            )?);
        }
        Ok(flags)
    }

    /// Every client's resolved flags, labels filled.
    fn resolved_flags(&self) -> Result<Vec<Flag>, Error> {
        self.refresh_insights()?;
        let labels: HashMap<String, String> = self
            .peers()?
            .into_iter()
            .map(|(peer, _)| (peer.card.device_id.to_string(), peer.label))
            .collect();
        let mut out = Vec::new();
        for (sender, sealed) in self.sealed_histories()? {
            let flags = open_kept_flags(&self.cipher, &history_address(&sender), &sealed, true)?;
            let label = labels.get(&sender).cloned().unwrap_or_default();
            out.extend(flags.into_iter().map(|mut f| {
                f.client_label = label.clone();
                f
            }));
        }
        Ok(out)
    }

    fn client_rows(&self) -> Result<Vec<ClientRow>, Error> {
        let mut ended = self.peer_endings()?;
        let mut out = Vec::new();
        for (peer, _) in self.peers()? {
            let key = peer.card.device_id.to_string();
            let (ended_at, reason, paused_at) = ended.remove(&key).unwrap_or_default();
            let status = match (ended_at, reason.as_deref()) {
                (Some(ms), Some("left")) => ClientStatus::Left(mark_time(ms)),
                (Some(ms), Some("erased")) => ClientStatus::Erased(mark_time(ms)),
                (Some(ms), _) => ClientStatus::Revoked(mark_time(ms)),
                _ => ClientStatus::Active,
            };
            out.push(ClientRow {
                label: peer.label,
                device_id: peer.card.device_id,
                paired_on: peer.paired_at.date_naive(),
                paused_since: paused_at
                    .filter(|_| status == ClientStatus::Active)
                    .map(mark_time),
                status,
            });
        }
        Ok(out)
    }

    /// Flags marked discussed, and when (of one client, or of all).
    fn discussed_marks(
        &self,
        sender: Option<&str>,
    ) -> Result<HashMap<String, DateTime<Utc>>, Error> {
        Ok(self
            .flag_marks(sender)?
            .into_iter()
            .map(|(id, ms)| (id, mark_time(ms)))
            .collect())
    }

    fn acknowledged_reasons(&self) -> Result<HashMap<String, DateTime<Utc>>, Error> {
        Ok(self
            .reason_acks()?
            .into_iter()
            .map(|(id, ms)| (id, mark_time(ms)))
            .collect())
    }

    pub(super) fn recorded_sessions(&self) -> Result<HashMap<String, Vec<NaiveDate>>, Error> {
        let mut out: HashMap<String, Vec<NaiveDate>> = HashMap::new();
        for (sender, date) in self.session_dates()? {
            if let Ok(date) = NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
                out.entry(sender).or_default().push(date);
            }
        }
        Ok(out)
    }
}
