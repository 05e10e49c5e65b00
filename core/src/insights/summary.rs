//! The therapist's per-client summaries: kept sealed in `client_insights`,
//! recomputed only for clients a sync touched, read in one pass for the
//! dashboard.
//!
//! Applying a check-in marks its sender dirty in the same transaction, so a
//! crash between the apply and the recomputation only delays it to the next
//! read. Alerts that depend on today's date (`missing_checkin`) and the
//! acknowledgements are applied at read time, on top of the stored summary.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::alerts::{missing_alerts, series_alerts};
use super::{Alert, AlertRules, ClientInsights, ItemInsight, SessionPoint, Trend, analyse};
use crate::crypto::{RowAddress, RowCipher, RowOpenError};
use crate::error::{Error, StoreError};
use crate::identity::DeviceId;
use crate::model::Instrument;
use crate::store::{Store, open_value, seal_value};
use crate::sync::open_received;

const TABLE: &str = "client_insights";
const ACKS: &str = "alert_acks";
const RULES_KEY: &str = "alert_rules";
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

/// A summary in memory.
struct Summary {
    /// The latest `CHART_SESSIONS` points.
    points: Vec<SessionPoint>,
    total: u32,
    items: Vec<ItemInsight>,
    trend: Trend,
    alerts: Vec<Alert>,
}

/// What `client_insights.sealed` holds: postcard behind a format byte, the
/// series packed (item ids once, one byte per rating, 0 for "not rated") so
/// the dashboard decodes little more than the numbers it shows.
#[derive(Serialize, Deserialize)]
struct PackedSummary {
    total: u32,
    item_ids: Vec<String>,
    points: Vec<PackedPoint>,
    items: Vec<ItemInsight>,
    trend: Trend,
    alerts: Vec<Alert>,
}

#[derive(Serialize, Deserialize)]
struct PackedPoint {
    record_id: [u8; 16],
    /// Days since 1 January of year 1 (chrono's `num_days_from_ce`).
    day: i32,
    ratings: Vec<u8>,
    support_requested: bool,
}

impl Summary {
    fn pack(self) -> PackedSummary {
        let mut item_ids: Vec<String> = Vec::new();
        for point in &self.points {
            for item in point.answers.keys() {
                if !item_ids.contains(item) {
                    item_ids.push(item.clone());
                }
            }
        }
        let points = self
            .points
            .into_iter()
            .map(|p| PackedPoint {
                record_id: *p.record_id.as_bytes(),
                day: p.session_date.num_days_from_ce(),
                ratings: item_ids
                    .iter()
                    .map(|id| p.answers.get(id).copied().unwrap_or(0))
                    .collect(),
                support_requested: p.support_requested,
            })
            .collect();
        PackedSummary {
            total: self.total,
            item_ids,
            points,
            items: self.items,
            trend: self.trend,
            alerts: self.alerts,
        }
    }

    fn unpack(packed: PackedSummary) -> Summary {
        let points = packed
            .points
            .into_iter()
            .map(|p| SessionPoint {
                record_id: Uuid::from_bytes(p.record_id),
                session_date: NaiveDate::from_num_days_from_ce_opt(p.day).unwrap_or_default(),
                answers: packed
                    .item_ids
                    .iter()
                    .zip(p.ratings)
                    .filter(|(_, v)| *v > 0)
                    .map(|(id, v)| (id.clone(), v))
                    .collect(),
                support_requested: p.support_requested,
            })
            .collect();
        Summary {
            points,
            total: packed.total,
            items: packed.items,
            trend: packed.trend,
            alerts: packed.alerts,
        }
    }
}

const SUMMARY_FORMAT: u8 = 1;

fn summary_address(sender: &str) -> RowAddress<'_> {
    RowAddress {
        table: TABLE,
        row_id: sender.as_bytes(),
        version: 1,
        bound: &[],
    }
}

/// A paired client as the summary needs it.
struct ClientRow {
    label: String,
    device_id: DeviceId,
    paired_on: NaiveDate,
    status: ClientStatus,
}

/// Marks a client's summary for recomputation (inside the apply transaction).
pub(crate) fn mark_dirty(tx: &rusqlite::Transaction<'_>, sender: &DeviceId) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO client_insights (sender, dirty) VALUES (?1, 1)
         ON CONFLICT (sender) DO UPDATE SET dirty = 1",
    )?
    .execute(params![sender.to_string()])?;
    Ok(())
}

impl Store {
    /// The alert thresholds in use (the defaults until changed).
    pub fn alert_rules(&self) -> Result<AlertRules, Error> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                params![RULES_KEY],
                |r| r.get(0),
            )
            .optional()?;
        match json {
            None => Ok(AlertRules::default()),
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

    /// Changes the alert thresholds; every client's alerts are recomputed.
    pub fn set_alert_rules(&mut self, rules: &AlertRules) -> Result<(), Error> {
        let json = serde_json::to_string(rules).map_err(|e| StoreError::UnreadableRecord {
            table: "meta",
            row: RULES_KEY.into(),
            detail: e.to_string(),
        })?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = ?2",
            params![RULES_KEY, json],
        )?;
        tx.execute("UPDATE client_insights SET dirty = 1", [])?;
        tx.commit()?;
        Ok(())
    }

    /// Recomputes the summaries of clients whose check-ins changed since they
    /// were last computed; returns how many. Sync calls it; reads call it too,
    /// so a summary is never stale.
    pub fn refresh_insights(&self) -> Result<u32, Error> {
        let dirty: Vec<String> = self
            .conn
            .prepare_cached("SELECT sender FROM client_insights WHERE dirty = 1")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if dirty.is_empty() {
            return Ok(0);
        }
        let rules = self.alert_rules()?;
        let instrument = self.summary_instrument()?;
        let now = self.options.clock.now().timestamp_millis();
        let tx = self.conn.unchecked_transaction()?;
        for sender_text in &dirty {
            let sender: DeviceId = sender_text.parse().map_err(|_| StoreError::Tampered {
                table: TABLE,
                row: sender_text.clone(),
            })?;
            let mut points = self.session_points(&sender)?;
            let (items, trend) = analyse(&points, instrument);
            let alerts = series_alerts(&sender, &points, instrument, &rules);
            let total = points.len() as u32;
            points.drain(..points.len().saturating_sub(super::CHART_SESSIONS));
            let summary = Summary {
                points,
                total,
                items,
                trend,
                alerts,
            };
            let mut plaintext = zeroize::Zeroizing::new(vec![SUMMARY_FORMAT]);
            plaintext.extend(postcard::to_allocvec(&summary.pack()).map_err(|e| {
                StoreError::UnreadableRecord {
                    table: TABLE,
                    row: sender_text.clone(),
                    detail: e.to_string(),
                }
            })?);
            let sealed = self
                .cipher
                .seal(&summary_address(sender_text), &plaintext)?;
            tx.prepare_cached(
                "UPDATE client_insights SET dirty = 0, updated_at = ?2, sealed = ?3 WHERE sender = ?1",
            )?
            .execute(params![sender_text, now, sealed])?;
        }
        tx.commit()?;
        Ok(dirty.len() as u32)
    }

    /// Every client with series, trend and open alerts, in pairing order.
    pub fn insights(&self) -> Result<Vec<ClientInsights>, Error> {
        self.refresh_insights()?;
        let rules = self.alert_rules()?;
        let acked = self.acknowledged_ids()?;
        let today = self.options.clock.now().date_naive();
        let recorded = self.recorded_sessions()?;
        let unseen = self.unseen_counts()?;
        let sealed: Vec<(String, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT sender, sealed FROM client_insights WHERE sealed IS NOT NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut summaries = self.open_summaries(sealed)?;
        let mut out = Vec::new();
        for client in self.client_rows()? {
            let key = client.device_id.to_string();
            let summary = match summaries.remove(&key) {
                Some(summary) => summary,
                None => Summary {
                    points: Vec::new(),
                    total: 0,
                    items: Vec::new(),
                    trend: Trend::NotEnoughData,
                    alerts: Vec::new(),
                },
            };
            let mut alerts = summary.alerts;
            if client.status == ClientStatus::Active {
                let sessions = recorded.get(&key).map(Vec::as_slice).unwrap_or_default();
                alerts.extend(missing_alerts(
                    &client.device_id,
                    &summary.points,
                    sessions,
                    client.paired_on,
                    today,
                    &rules,
                ));
            }
            let mut open: Vec<Alert> = alerts
                .into_iter()
                .filter(|a| !acked.contains(&a.id))
                .map(|mut a| {
                    a.client_label = client.label.clone();
                    a
                })
                .collect();
            sort_alerts(&mut open);
            out.push(ClientInsights {
                unseen: unseen.get(&key).copied().unwrap_or(0),
                label: client.label,
                device_id: client.device_id,
                status: client.status,
                sessions: summary.points,
                total_sessions: summary.total,
                items: summary.items,
                trend: summary.trend,
                open_alerts: open,
            });
        }
        Ok(out)
    }

    /// Open alerts of every client, most severe first; with
    /// `include_acknowledged`, the acknowledged ones (newest first) after them.
    pub fn alerts(&self, include_acknowledged: bool) -> Result<Vec<Alert>, Error> {
        let mut open: Vec<Alert> = self
            .insights()?
            .into_iter()
            .flat_map(|c| c.open_alerts)
            .collect();
        sort_alerts(&mut open);
        if include_acknowledged {
            let mut history = self.acknowledged_alerts()?;
            history.sort_by_key(|a| std::cmp::Reverse(a.acknowledged_at));
            open.extend(history);
        }
        Ok(open)
    }

    /// Acknowledges an open alert (it stays in history). Acknowledging one
    /// already acknowledged returns it unchanged.
    pub fn acknowledge_alert(&mut self, id: &str) -> Result<Alert, Error> {
        let id = id.trim().to_ascii_lowercase();
        if let Some(done) = self.acknowledged_alerts()?.into_iter().find(|a| a.id == id) {
            return Ok(done);
        }
        let mut alert = self
            .alerts(false)?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(Error::UnknownAlert { id: id.clone() })?;
        let now = self.options.clock.now();
        alert.acknowledged_at = Some(now);
        let sender = alert.client.to_string();
        let sealed = seal_value(&self.cipher, ACKS, id.as_bytes(), &alert)?;
        self.conn.execute(
            "INSERT INTO alert_acks (id, sender, acked_at, sealed) VALUES (?1, ?2, ?3, ?4)",
            params![id, sender, now.timestamp_millis(), sealed],
        )?;
        Ok(alert)
    }

    /// Records that a session with the client labelled `label` took place on
    /// `date`, so a check-in for it is expected (`missing_checkin`).
    pub fn record_session(&mut self, label: &str, date: NaiveDate) -> Result<(), Error> {
        let client = self.client_by_label(label)?;
        let now = self.options.clock.now().timestamp_millis();
        self.conn.execute(
            "INSERT INTO sessions (sender, session_date, recorded_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (sender, session_date) DO NOTHING",
            params![client.card.device_id.to_string(), date.to_string(), now],
        )?;
        Ok(())
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

    fn summary_instrument(&self) -> Result<&Instrument, Error> {
        self.options.instruments.latest(INSTRUMENT).ok_or_else(|| {
            crate::error::InstrumentError::Invalid {
                id: INSTRUMENT.into(),
                detail: "the bundled session check-in is missing".into(),
            }
            .into()
        })
    }

    /// A client's live check-ins as points, oldest session first.
    fn session_points(&self, sender: &DeviceId) -> Result<Vec<SessionPoint>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT record_id, version, sealed FROM received
             WHERE sender = ?1 AND sealed IS NOT NULL ORDER BY session_date, record_id",
        )?;
        let rows = stmt.query_map(params![sender.to_string()], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut points = Vec::new();
        for row in rows {
            let (record_id, version, sealed) = row?;
            let record_id = Uuid::from_slice(&record_id).map_err(|_| StoreError::Tampered {
                table: "received",
                row: sender.to_string(),
            })?;
            let body = open_received(&self.cipher, sender, &record_id, version, &sealed)?;
            points.push(SessionPoint {
                record_id,
                session_date: body.session_date,
                answers: body.answers,
                support_requested: body.support_requested,
            });
        }
        Ok(points)
    }

    /// Opens every summary, split over the available cores: decryption and
    /// decoding are what a large practice's dashboard spends its time on.
    fn open_summaries(
        &self,
        sealed: Vec<(String, Vec<u8>)>,
    ) -> Result<HashMap<String, Summary>, Error> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8);
        let cipher = &self.cipher;
        let open_part = |part: &[(String, Vec<u8>)]| -> Result<Vec<(String, Summary)>, Error> {
            part.iter()
                .map(|(key, bytes)| Ok((key.clone(), open_summary(cipher, key, bytes)?)))
                .collect()
        };
        if threads < 2 || sealed.len() < 64 {
            return Ok(open_part(&sealed)?.into_iter().collect());
        }
        let chunk = sealed.len().div_ceil(threads);
        let parts: Vec<Result<Vec<(String, Summary)>, Error>> = std::thread::scope(|scope| {
            let handles: Vec<_> = sealed
                .chunks(chunk)
                .map(|part| scope.spawn(move || open_part(part)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(StoreError::UnreadableRecord {
                            table: TABLE,
                            row: String::new(),
                            detail: "opening the summaries crashed".into(),
                        }
                        .into())
                    })
                })
                .collect()
        });
        let mut out = HashMap::with_capacity(sealed.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    fn client_rows(&self) -> Result<Vec<ClientRow>, Error> {
        let mut ended: HashMap<String, (Option<i64>, Option<String>)> = self
            .conn
            .prepare_cached("SELECT device_id, ended_at, ended_reason FROM peers")?
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (peer, _) in self.peers()? {
            let key = peer.card.device_id.to_string();
            let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or_default();
            let status = match ended.remove(&key).unwrap_or_default() {
                (Some(ms), Some(reason)) if reason == "left" => ClientStatus::Left(at(ms)),
                (Some(ms), Some(reason)) if reason == "erased" => ClientStatus::Erased(at(ms)),
                (Some(ms), _) => ClientStatus::Revoked(at(ms)),
                _ => ClientStatus::Active,
            };
            out.push(ClientRow {
                label: peer.label,
                device_id: peer.card.device_id,
                paired_on: peer.paired_at.date_naive(),
                status,
            });
        }
        Ok(out)
    }

    fn acknowledged_ids(&self) -> Result<HashSet<String>, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM alert_acks")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    fn acknowledged_alerts(&self) -> Result<Vec<Alert>, Error> {
        let rows: Vec<(String, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT id, sealed FROM alert_acks")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(id, sealed)| open_value(&self.cipher, ACKS, id.as_bytes(), &sealed))
            .collect()
    }

    fn recorded_sessions(&self) -> Result<HashMap<String, Vec<NaiveDate>>, Error> {
        let mut out: HashMap<String, Vec<NaiveDate>> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT sender, session_date FROM sessions ORDER BY session_date")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (sender, date) = row?;
            if let Ok(date) = NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
                out.entry(sender).or_default().push(date);
            }
        }
        Ok(out)
    }

    fn unseen_counts(&self) -> Result<HashMap<String, u32>, Error> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT sender, count(*) FROM received
                 WHERE acked_at IS NULL AND sealed IS NOT NULL GROUP BY sender",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }
}

/// Opens one client's summary.
fn open_summary(cipher: &RowCipher, sender: &str, sealed: &[u8]) -> Result<Summary, Error> {
    let unreadable = |detail: String| StoreError::UnreadableRecord {
        table: TABLE,
        row: sender.into(),
        detail,
    };
    let plaintext =
        zeroize::Zeroizing::new(cipher.open(&summary_address(sender), sealed).map_err(
            |e| match e {
                RowOpenError::Tampered => StoreError::Tampered {
                    table: TABLE,
                    row: sender.into(),
                },
                RowOpenError::Malformed => unreadable("sealed value is malformed".into()),
            },
        )?);
    match plaintext.split_first() {
        Some((&SUMMARY_FORMAT, body)) => Ok(Summary::unpack(
            postcard::from_bytes(body).map_err(|e| unreadable(e.to_string()))?,
        )),
        _ => Err(unreadable("unknown summary format".into()).into()),
    }
}

/// Most severe first; within a severity, the latest session first.
fn sort_alerts(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        (a.severity, a.rule)
            .cmp(&(b.severity, b.rule))
            .then(b.session_date.cmp(&a.session_date))
            .then(a.client_label.cmp(&b.client_label))
    });
}
