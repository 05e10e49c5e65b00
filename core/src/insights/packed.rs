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

/// 1: alerts (schema v5); 2: flags. A summary of another format is
/// recomputed, never read.
const SUMMARY_FORMAT: u8 = 2;

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
    match plaintext.split_first() {
        Some((&SUMMARY_FORMAT, body)) => Ok(Some(postcard::from_bytes(body).map_err(|e| {
            StoreError::UnreadableRecord {
                table: TABLE,
                row: row(),
                detail: e.to_string(),
            }
        })?)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
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
