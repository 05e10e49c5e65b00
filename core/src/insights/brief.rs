//! The pre-session brief: for each client the therapist sees on a day, one
//! card with what happened since their last session, where the client's
//! ratings usually lie and what moved outside that, the open flags with
//! their reasons, one calm line about the goals the client shares when they
//! moved or stalled, and one suggested opening line.
//!
//! The opening lines are data (`resources/openings.v1.json`: our own words,
//! versioned, in every language Rapport speaks), chosen by the client's most
//! needed open flag. They are suggestions for a person, not a script.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::flags::Flag;
use super::goals::{GoalProgress, goal_line};
use super::sentences::{Arg, Sentence};
use super::usual::UsualRange;
use super::words::day;
use super::{ClientInsights, ClientStatus};
use crate::error::{Error, StoreError};
use crate::identity::DeviceId;
use crate::model::{Answers, resolve_locale};
use crate::store::Store;
use crate::sync::open_received;

const OPENINGS: &str = include_str!("../../resources/openings.v1.json");

/// The most check-ins a card lists; older ones are in the client's history.
pub const BRIEF_CHECKINS: usize = 12;

/// Which clients a brief covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BriefBasis {
    /// The clients with a session recorded on the day.
    RecordedSessions,
    /// No session is recorded on the day: every active client.
    ActiveClients,
}

/// A check-in as a card lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BriefCheckIn {
    /// The client's id for it.
    pub record_id: Uuid,
    /// The session it is about.
    pub session_date: NaiveDate,
    /// Ratings by item id.
    pub answers: Answers,
    /// The note, when the client shared it.
    pub note: Option<String>,
    /// The client asked for support with it.
    pub support_requested: bool,
    /// The therapist acknowledged it.
    pub seen: bool,
}

/// An item of the latest check-in outside the client's usual range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutsideRange {
    /// The item (`heard`, `hopeful`, ...).
    pub item: String,
    /// The rating given.
    pub rating: u8,
    /// Below (`false`) or above (`true`) the range.
    pub above: bool,
    /// The range it was judged against (from the check-ins before it).
    pub range: UsualRange,
    /// "hopeful 2, below the usual 3–5 over the last eight sessions".
    pub text: Sentence,
}

/// A suggested opening line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// The phrasing's id in the data (`concern.1`).
    pub id: String,
    /// The version of the set of phrasings.
    pub version: u32,
    /// The language it is in.
    pub locale: String,
    /// The line.
    pub text: String,
}

/// One client's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BriefCard {
    /// The therapist's label for the client.
    pub label: String,
    /// The client's device.
    pub device_id: DeviceId,
    /// Active, or how the pairing ended.
    pub status: ClientStatus,
    /// When the client paused sharing, while paused.
    pub paused_since: Option<DateTime<Utc>>,
    /// A session with the client is recorded on the brief's day.
    pub session_on_day: bool,
    /// The latest session recorded before the day.
    pub last_session: Option<NaiveDate>,
    /// Check-ins since the last session (at most [`BRIEF_CHECKINS`]), oldest first.
    pub checkins: Vec<BriefCheckIn>,
    /// The client's usual range per required item, from the answers that
    /// may be compared with the newest (see [`super::ClientInsights::sessions`]).
    pub usual: Vec<(String, UsualRange)>,
    /// What of the latest check-in lies outside it.
    pub outside: Vec<OutsideRange>,
    /// Open flags, by need, with their reasons.
    pub flags: Vec<Flag>,
    /// One suggested opening line.
    pub opening: Opening,
    /// The goals the client shares, with their ratings.
    #[serde(default)]
    pub goals: Vec<GoalProgress>,
    /// One calm line when a shared goal moved since it was set, or has not
    /// moved over its latest ratings (see [`goal_line`]).
    #[serde(default)]
    pub goal_line: Option<Sentence>,
}

/// The brief for one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    /// The day it prepares.
    pub date: NaiveDate,
    /// Which clients it covers.
    pub basis: BriefBasis,
    /// One card per client, by need.
    pub cards: Vec<BriefCard>,
}

#[derive(Deserialize)]
struct Openings {
    version: u32,
    locales: Vec<String>,
    default_locale: String,
    situations: HashMap<String, Vec<Phrasing>>,
}

#[derive(Deserialize)]
struct Phrasing {
    id: String,
    text: HashMap<String, String>,
}

fn openings() -> Result<&'static Openings, Error> {
    static PARSED: OnceLock<Result<Openings, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| serde_json::from_str(OPENINGS).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|detail| {
            StoreError::UnreadableRecord {
                table: "openings",
                row: "openings.v1.json".into(),
                detail: detail.clone(),
            }
            .into()
        })
}

/// The opening line for a client's most needed open flag, in `locale`.
/// The phrasing is picked by the client and the day, so it varies from one
/// week to the next but not from one reading to the next.
pub fn opening_for(
    top: Option<&Flag>,
    client: &DeviceId,
    date: NaiveDate,
    locale: &str,
) -> Result<Opening, Error> {
    let data = openings()?;
    let situation = top.map_or("steady", |f| f.kind.id());
    let phrasings = data
        .situations
        .get(situation)
        .filter(|p| !p.is_empty())
        .or_else(|| data.situations.get("steady"))
        .ok_or_else(|| StoreError::UnreadableRecord {
            table: "openings",
            row: situation.into(),
            detail: "no phrasing for this situation".into(),
        })?;
    let mut hash = Sha256::new();
    hash.update(client.0);
    hash.update(date.to_string().as_bytes());
    let pick = usize::from(hash.finalize()[0]) % phrasings.len();
    let phrasing = &phrasings[pick];
    let lang = resolve_locale(&data.locales, &data.default_locale, locale);
    let text = phrasing
        .text
        .get(lang)
        .or_else(|| phrasing.text.get(&data.default_locale))
        .cloned()
        .unwrap_or_default();
    Ok(Opening {
        id: phrasing.id.clone(),
        version: data.version,
        locale: lang.to_owned(),
        text,
    })
}

impl Store {
    /// The brief for `date`: a card for each client with a session recorded
    /// on that day — or, when none is, for each active client — by need.
    /// Flags are as they stand on `date`, so a therapist can prepare
    /// tomorrow. `label` narrows it to one client; `locale` picks the
    /// language of the opening lines.
    pub fn brief(
        &self,
        date: NaiveDate,
        label: Option<&str>,
        locale: &str,
    ) -> Result<Brief, Error> {
        let only = label.map(|l| self.client_by_label(l)).transpose()?;
        let recorded = self.recorded_sessions()?;
        let on_day = |c: &ClientInsights| {
            recorded
                .get(&c.device_id.to_string())
                .is_some_and(|days| days.contains(&date))
        };
        let clients: Vec<ClientInsights> = self
            .insights_on(date)?
            .into_iter()
            .filter(|c| {
                only.as_ref()
                    .is_none_or(|p| p.card.device_id == c.device_id)
            })
            .collect();
        let scheduled = clients.iter().any(on_day);
        let basis = if scheduled {
            BriefBasis::RecordedSessions
        } else {
            BriefBasis::ActiveClients
        };
        let instrument = self.summary_instrument()?;
        let rules = self.flag_rules()?;
        let window = rules.usual_range_sessions as usize;
        let mut cards = Vec::new();
        for client in clients {
            let today = on_day(&client);
            let wanted = match basis {
                BriefBasis::RecordedSessions => today,
                BriefBasis::ActiveClients => {
                    client.status == ClientStatus::Active || only.is_some()
                }
            };
            if !wanted {
                continue;
            }
            let key = client.device_id.to_string();
            let last_session = recorded
                .get(&key)
                .and_then(|days| days.iter().rev().find(|d| **d < date).copied());
            let latest = client
                .sessions
                .iter()
                .rev()
                .find(|p| p.session_date <= date)
                .map(|p| p.session_date);
            let since = match (last_session, latest) {
                (Some(session), _) => Some(session),
                (None, Some(latest)) => {
                    Some(latest.min(date.checked_sub_days(Days::new(14)).unwrap_or(date)))
                }
                (None, None) => None,
            };
            let checkins = match since {
                Some(since) => self.checkins_between(&client.device_id, since, date)?,
                None => Vec::new(),
            };
            let mut usual = Vec::new();
            let mut outside = Vec::new();
            for spec in instrument.items.iter().filter(|s| s.required) {
                let ratings: Vec<u8> = client
                    .sessions
                    .iter()
                    .filter(|p| p.session_date <= date)
                    .filter_map(|p| p.answers.get(&spec.id).copied())
                    .collect();
                usual.push((
                    spec.id.clone(),
                    UsualRange::of(&ratings, window, &spec.scale),
                ));
                let Some((&rating, before)) = ratings.split_last() else {
                    continue;
                };
                let range = UsualRange::of(before, window, &spec.scale);
                let above = rating > range.high;
                if range.sessions > 0 && (range.is_below(rating) || above) {
                    outside.push(OutsideRange {
                        item: spec.id.clone(),
                        rating,
                        above,
                        text: Sentence::new(
                            if above {
                                "outside.above"
                            } else {
                                "outside.below"
                            },
                            [
                                ("item", Arg::Item(spec.id.clone())),
                                ("rating", Arg::rating(rating)),
                                ("usual", Arg::part(range.describe())),
                            ],
                        ),
                        range,
                    });
                }
            }
            let opening = opening_for(client.flags.first(), &client.device_id, date, locale)?;
            let goal_line = goal_line(
                &client.goals,
                date,
                rules.stuck_sessions as usize,
                rules.goal_moved_by,
            );
            cards.push(BriefCard {
                label: client.label,
                device_id: client.device_id,
                status: client.status,
                paused_since: client.paused_since,
                session_on_day: today,
                last_session,
                checkins,
                usual,
                outside,
                flags: client.flags,
                opening,
                goals: client.goals,
                goal_line,
            });
        }
        Ok(Brief { date, basis, cards })
    }

    /// A client's check-ins about sessions from `since` to `until`, oldest
    /// first, at most [`BRIEF_CHECKINS`] (the latest).
    fn checkins_between(
        &self,
        sender: &DeviceId,
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<BriefCheckIn>, Error> {
        let rows = self.received_between(sender, since, until, BRIEF_CHECKINS)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows.into_iter().rev() {
            let record_id = Uuid::from_slice(&row.record_id).map_err(|_| StoreError::Tampered {
                table: "received",
                row: sender.to_string(),
            })?;
            let body = open_received(&self.cipher, sender, &record_id, row.version, &row.sealed)?;
            out.push(BriefCheckIn {
                record_id,
                session_date: body.session_date,
                answers: body.answers,
                note: body.shared_note,
                support_requested: body.support_requested,
                seen: row.acked,
            });
        }
        Ok(out)
    }
}

impl BriefCard {
    /// One line for a list: "R.K. — concern (medium); last session 3 Nov 2026".
    pub fn summary_line(&self) -> String {
        let flag = match self.flags.first() {
            Some(f) => format!(
                "{} ({})",
                f.kind.id().replace('_', " "),
                f.severity.as_str()
            ),
            None => "no open flag".into(),
        };
        match self.last_session {
            Some(d) => format!("{} — {flag}; last session {}", self.label, day(d)),
            None => format!("{} — {flag}", self.label),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::FlagKind;
    use super::*;

    #[test]
    fn every_situation_has_a_phrasing_in_every_language() {
        let data = openings().unwrap();
        for kind in [
            FlagKind::SupportRequested,
            FlagKind::DifficultFirstSession,
            FlagKind::Concern,
            FlagKind::StalledTherapy,
            FlagKind::MissingCheckin,
            FlagKind::ReviewSuggested,
            FlagKind::GoalsStuck,
        ] {
            let phrasings = &data.situations[kind.id()];
            assert!(!phrasings.is_empty(), "{}", kind.id());
        }
        for phrasings in data.situations.values() {
            for p in phrasings {
                for locale in &data.locales {
                    let text = &p.text[locale];
                    assert!(text.len() > 10, "{} {locale}", p.id);
                }
            }
        }
    }

    #[test]
    fn the_opening_follows_the_locale_and_is_stable_for_a_day() {
        let client = DeviceId([3; 16]);
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let en = opening_for(None, &client, d, "en-GB").unwrap();
        let again = opening_for(None, &client, d, "en-GB").unwrap();
        assert_eq!(en, again);
        assert!(en.id.starts_with("steady."));
        let de = opening_for(None, &client, d, "de-AT").unwrap();
        assert_eq!((de.locale.as_str(), de.id.as_str()), ("de", en.id.as_str()));
        assert_ne!(de.text, en.text);
        let unknown = opening_for(None, &client, d, "pt-BR").unwrap();
        assert_eq!(unknown.locale, "en");
    }
}
