//! How a client's summary is kept in `client_insights`: packed (item ids
//! once, one byte per rating) behind a format byte, sealed per client, and
//! opened for a dashboard over the available cores. A summary of another
//! format is never read, only recomputed.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::flags::Flag;
use super::{ItemInsight, SessionPoint, Trend};
use crate::crypto::{RowAddress, RowCipher, RowOpenError};
use crate::error::{Error, StoreError};

/// The table summaries are sealed for.
pub(super) const TABLE: &str = "client_insights";
const HISTORY: &str = "client_insights.history";

/// A summary in memory.
pub(crate) struct Summary {
    /// The latest `CHART_SESSIONS` points.
    pub(super) points: Vec<SessionPoint>,
    pub(super) total: u32,
    pub(super) items: Vec<ItemInsight>,
    pub(super) trend: Trend,
    /// Open flags of the series (without what today's date adds).
    pub(super) flags: Vec<Flag>,
}

/// What `client_insights.sealed` holds: postcard behind a format byte, the
/// series packed (item ids once, one byte per rating, 0 for "not rated") so
/// the dashboard decodes little more than the numbers it shows.
#[derive(Serialize, Deserialize)]
pub(crate) struct PackedSummary {
    total: u32,
    item_ids: Vec<String>,
    points: Vec<PackedPoint>,
    items: Vec<ItemInsight>,
    trend: Trend,
    pub(super) flags: Vec<Flag>,
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
    pub(crate) fn pack(self) -> PackedSummary {
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
            flags: self.flags,
        }
    }

    pub(crate) fn unpack(packed: PackedSummary) -> Summary {
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
            flags: packed.flags,
        }
    }

    pub(super) fn empty() -> Summary {
        Summary {
            points: Vec::new(),
            total: 0,
            items: Vec::new(),
            trend: Trend::NotEnoughData,
            flags: Vec::new(),
        }
    }
}

/// 1: alerts (schema v5); 2: flags told in English (schema v6–10); 3:
/// flags whose sentences are kept in no language (schema v11). A summary of
/// another format is recomputed, never read, but the flags a format-2 one
/// kept are carried over ([`open_kept_flags`]).
const SUMMARY_FORMAT: u8 = 3;
const ENGLISH_FLAGS: u8 = 2;

pub(crate) fn summary_address(sender: &str) -> RowAddress<'_> {
    RowAddress {
        table: TABLE,
        row_id: sender.as_bytes(),
        version: 1,
        bound: &[],
    }
}

pub(crate) fn history_address(sender: &str) -> RowAddress<'_> {
    RowAddress {
        table: HISTORY,
        row_id: sender.as_bytes(),
        version: 1,
        bound: &[],
    }
}

/// Seals a summary or history behind the format byte.
pub(super) fn seal_packed<T: Serialize>(
    cipher: &RowCipher,
    address: &RowAddress<'_>,
    value: &T,
) -> Result<Vec<u8>, Error> {
    let plaintext = packed_plaintext(address, value)?;
    Ok(cipher.seal(address, &plaintext)?)
}

/// What [`seal_packed`] encrypts: the format byte, then the value.
pub(crate) fn packed_plaintext<T: Serialize>(
    address: &RowAddress<'_>,
    value: &T,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let mut plaintext = zeroize::Zeroizing::new(vec![SUMMARY_FORMAT]);
    plaintext.extend(
        postcard::to_allocvec(value).map_err(|e| StoreError::UnreadableRecord {
            table: TABLE,
            row: String::from_utf8_lossy(address.row_id).into_owned(),
            detail: e.to_string(),
        })?,
    );
    Ok(plaintext)
}

/// Opens every summary, split over the available cores: decryption and
/// decoding are what a large practice's dashboard spends its time on.
pub(super) fn open_summaries(
    cipher: &RowCipher,
    sealed: Vec<(String, Vec<u8>)>,
) -> Result<HashMap<String, Summary>, Error> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let open_part = |part: &[(String, Vec<u8>)]| -> Result<Vec<(String, Summary)>, Error> {
        let mut out = Vec::with_capacity(part.len());
        for (key, bytes) in part {
            if let Some(packed) =
                open_packed::<PackedSummary>(cipher, &summary_address(key), bytes)?
            {
                out.push((key.clone(), Summary::unpack(packed)));
            }
        }
        Ok(out)
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

/// Opens a sealed summary or history; `None` when it is of another format
/// (an older summary, recomputed on the next refresh).
pub(crate) fn open_packed<T: serde::de::DeserializeOwned>(
    cipher: &RowCipher,
    address: &RowAddress<'_>,
    sealed: &[u8],
) -> Result<Option<T>, Error> {
    let plaintext = open_plaintext(cipher, address, sealed)?;
    match plaintext.split_first() {
        Some((&SUMMARY_FORMAT, body)) => Ok(Some(decode(address, body)?)),
        _ => Ok(None),
    }
}

/// The flags a sealed summary (`history` false) or history kept, of this
/// format or of format 2, whose words were English: those are kept as they
/// were written ([`Sentence::Verbatim`]), so a withdrawn or resolved flag a
/// therapist saw does not vanish when the format changes. None for a
/// summary of another format.
pub(super) fn open_kept_flags(
    cipher: &RowCipher,
    address: &RowAddress<'_>,
    sealed: &[u8],
    history: bool,
) -> Result<Vec<Flag>, Error> {
    let plaintext = open_plaintext(cipher, address, sealed)?;
    Ok(match (plaintext.split_first(), history) {
        (Some((&SUMMARY_FORMAT, body)), false) => decode::<PackedSummary>(address, body)?.flags,
        (Some((&SUMMARY_FORMAT, body)), true) => decode(address, body)?,
        (Some((&ENGLISH_FLAGS, body)), false) => {
            let summary: english::PackedSummary = decode(address, body)?;
            summary.flags.into_iter().map(Flag::from).collect()
        }
        (Some((&ENGLISH_FLAGS, body)), true) => {
            let flags: Vec<english::Flag> = decode(address, body)?;
            flags.into_iter().map(Flag::from).collect()
        }
        _ => Vec::new(),
    })
}

fn decode<T: serde::de::DeserializeOwned>(
    address: &RowAddress<'_>,
    body: &[u8],
) -> Result<T, Error> {
    postcard::from_bytes(body).map_err(|e| {
        StoreError::UnreadableRecord {
            table: TABLE,
            row: String::from_utf8_lossy(address.row_id).into_owned(),
            detail: e.to_string(),
        }
        .into()
    })
}

/// The format byte and what follows it.
fn open_plaintext(
    cipher: &RowCipher,
    address: &RowAddress<'_>,
    sealed: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let row = || String::from_utf8_lossy(address.row_id).into_owned();
    let plaintext = zeroize::Zeroizing::new(cipher.open(address, sealed).map_err(|e| match e {
        RowOpenError::Tampered => StoreError::Tampered {
            table: TABLE,
            row: row(),
        },
        RowOpenError::Malformed => StoreError::UnreadableRecord {
            table: TABLE,
            row: row(),
            detail: "sealed value is malformed".into(),
        },
    })?);
    Ok(plaintext)
}

/// Format 2: the same shapes, every sentence English words.
mod english {
    use chrono::{DateTime, NaiveDate, Utc};
    use serde::Deserialize;
    #[cfg(test)]
    use serde::Serialize;

    use super::super::flags::{self, FlagEventKind, FlagKind, ResolutionKind};
    use super::super::rules::{Rule, Severity};
    use super::super::sentences::Sentence;
    use super::super::{ItemInsight, Trend};
    use super::PackedPoint;
    use crate::identity::DeviceId;

    /// Only its flags are read; the rest is decoded to reach them.
    #[derive(Deserialize)]
    #[cfg_attr(test, derive(Serialize))]
    #[allow(dead_code)]
    pub(super) struct PackedSummary {
        pub total: u32,
        pub item_ids: Vec<String>,
        pub points: Vec<PackedPoint>,
        pub items: Vec<ItemInsight>,
        pub trend: Trend,
        pub flags: Vec<Flag>,
    }

    #[derive(Deserialize)]
    #[cfg_attr(test, derive(Serialize))]
    pub(super) struct Flag {
        pub id: String,
        pub client: DeviceId,
        pub client_label: String,
        pub kind: FlagKind,
        pub severity: Severity,
        pub escalated: bool,
        pub headline: String,
        pub opened_on: NaiveDate,
        pub updated_on: NaiveDate,
        pub resolution: Option<Resolution>,
        pub reasons: Vec<Reason>,
        pub earlier_reasons: u32,
        pub events: Vec<FlagEvent>,
    }

    #[derive(Deserialize)]
    #[cfg_attr(test, derive(Serialize))]
    pub(super) struct Reason {
        pub id: String,
        pub rule: Rule,
        pub session_date: Option<NaiveDate>,
        pub text: String,
        pub rci: Option<f64>,
        pub acknowledged_at: Option<DateTime<Utc>>,
    }

    #[derive(Deserialize)]
    #[cfg_attr(test, derive(Serialize))]
    pub(super) struct FlagEvent {
        pub on: NaiveDate,
        pub kind: FlagEventKind,
        pub text: String,
    }

    #[derive(Deserialize)]
    #[cfg_attr(test, derive(Serialize))]
    pub(super) struct Resolution {
        pub kind: ResolutionKind,
        pub on: NaiveDate,
        pub text: String,
    }

    impl From<Flag> for flags::Flag {
        fn from(f: Flag) -> flags::Flag {
            flags::Flag {
                id: f.id,
                client: f.client,
                client_label: f.client_label,
                kind: f.kind,
                severity: f.severity,
                escalated: f.escalated,
                headline: Sentence::Verbatim(f.headline),
                opened_on: f.opened_on,
                updated_on: f.updated_on,
                resolution: f.resolution.map(|r| flags::Resolution {
                    kind: r.kind,
                    on: r.on,
                    text: Sentence::Verbatim(r.text),
                }),
                reasons: f
                    .reasons
                    .into_iter()
                    .map(|r| flags::Reason {
                        id: r.id,
                        rule: r.rule,
                        session_date: r.session_date,
                        text: Sentence::Verbatim(r.text),
                        rci: r.rci,
                        acknowledged_at: r.acknowledged_at,
                    })
                    .collect(),
                earlier_reasons: f.earlier_reasons,
                events: f
                    .events
                    .into_iter()
                    .map(|e| flags::FlagEvent {
                        on: e.on,
                        kind: e.kind,
                        text: Sentence::Verbatim(e.text),
                    })
                    .collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sentences::Sentence;
    use super::*;
    use crate::crypto::DataKey;

    fn cipher() -> RowCipher {
        RowCipher::new(&DataKey::from_bytes(&[7; 32]).unwrap())
    }

    fn point(day: u32, heard: u8, hopeful: Option<u8>) -> SessionPoint {
        let mut answers: crate::model::Answers = [("heard".to_owned(), heard)].into();
        if let Some(hopeful) = hopeful {
            answers.insert("hopeful".into(), hopeful);
        }
        SessionPoint {
            record_id: Uuid::from_bytes([day as u8; 16]),
            session_date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            answers,
            support_requested: day == 9,
        }
    }

    #[test]
    fn a_summary_reads_back_as_it_was_sealed_unrated_items_included() {
        let points = vec![
            point(2, 2, Some(1)),
            point(9, 4, None),
            point(16, 5, Some(4)),
        ];
        let summary = Summary {
            points: points.clone(),
            total: 40,
            items: Vec::new(),
            trend: Trend::NotEnoughData,
            flags: Vec::new(),
        };
        let cipher = cipher();
        let sealed = seal_packed(&cipher, &summary_address("client"), &summary.pack()).unwrap();
        let opened = open_summaries(&cipher, vec![("client".into(), sealed)]).unwrap();
        let back = &opened["client"];
        assert_eq!(back.points, points);
        assert_eq!(back.total, 40);
    }

    /// A withdrawn flag kept by a format-2 summary, in English words.
    fn english_flag() -> english::Flag {
        let on = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        english::Flag {
            id: "0123456789ab".into(),
            client: crate::identity::DeviceId([3; 16]),
            client_label: String::new(),
            kind: super::super::FlagKind::Concern,
            severity: super::super::Severity::Medium,
            escalated: false,
            headline: "Hopeful 2.".into(),
            opened_on: on,
            updated_on: on,
            resolution: Some(english::Resolution {
                kind: super::super::ResolutionKind::Withdrawn,
                on,
                text: "Withdrawn on 2 Nov 2026.".into(),
            }),
            reasons: vec![english::Reason {
                id: "ba9876543210".into(),
                rule: super::super::Rule::LowScore,
                session_date: Some(on),
                text: "Rated hopeful 2.".into(),
                rci: None,
                acknowledged_at: None,
            }],
            earlier_reasons: 0,
            events: vec![english::FlagEvent {
                on,
                kind: super::super::FlagEventKind::Opened,
                text: "Opened: hopeful 2.".into(),
            }],
        }
    }

    fn sealed_in_format_2<T: Serialize>(address: &RowAddress<'_>, value: &T) -> Vec<u8> {
        let mut plaintext = vec![ENGLISH_FLAGS];
        plaintext.extend(postcard::to_allocvec(value).unwrap());
        cipher().seal(address, &plaintext).unwrap()
    }

    /// Flags a format-2 summary or history kept (withdrawn, resolved) are
    /// carried over with their English words: a new format must not make a
    /// flag the therapist saw vanish.
    #[test]
    fn flags_of_the_english_format_are_kept_with_their_words() {
        let cipher = cipher();
        let history = sealed_in_format_2(&history_address("c"), &vec![english_flag()]);
        let summary = sealed_in_format_2(
            &summary_address("c"),
            &english::PackedSummary {
                total: 1,
                item_ids: vec!["heard".into()],
                points: vec![PackedPoint {
                    record_id: [1; 16],
                    day: 739_000,
                    ratings: vec![2],
                    support_requested: false,
                }],
                items: Vec::new(),
                trend: Trend::NotEnoughData,
                flags: vec![english_flag()],
            },
        );
        for (address, sealed, history) in [
            (history_address("c"), &history, true),
            (summary_address("c"), &summary, false),
        ] {
            let kept = open_kept_flags(&cipher, &address, sealed, history).unwrap();
            assert_eq!(kept.len(), 1);
            let flag = &kept[0];
            assert_eq!(flag.id, "0123456789ab");
            assert_eq!(flag.headline, Sentence::Verbatim("Hopeful 2.".into()));
            assert_eq!(flag.headline.render("de"), "Hopeful 2.");
            assert_eq!(flag.reasons[0].text.render("fr"), "Rated hopeful 2.");
            assert_eq!(flag.events[0].text.render("es"), "Opened: hopeful 2.");
            let resolution = flag.resolution.as_ref().unwrap();
            assert_eq!(resolution.text.render("en"), "Withdrawn on 2 Nov 2026.");
        }
        // The summary itself is of another format: recomputed, not read.
        assert!(
            open_packed::<PackedSummary>(&cipher, &summary_address("c"), &summary)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_summary_of_another_format_is_not_read_and_one_moved_is_refused() {
        let cipher = cipher();
        let old = cipher
            .seal(&summary_address("client"), &[SUMMARY_FORMAT - 1, 0])
            .unwrap();
        let none: Option<PackedSummary> =
            open_packed(&cipher, &summary_address("client"), &old).unwrap();
        assert!(none.is_none());
        let sealed = seal_packed(&cipher, &history_address("a"), &Vec::<Flag>::new()).unwrap();
        assert!(matches!(
            open_packed::<Vec<Flag>>(&cipher, &history_address("b"), &sealed),
            Err(Error::Store(StoreError::Tampered { .. }))
        ));
    }
}
