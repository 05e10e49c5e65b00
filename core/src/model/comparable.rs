//! Comparing answers across editions: like with like.
//!
//! A new edition may reword an item and keep its id, because the id is the
//! key answers are stored under. Whether its answers can sit on one line
//! with the earlier edition's is not a matter of the id: "I leave feeling
//! more hopeful" (a change since the session began) and "Right now I feel
//! hopeful that things can get better" (a state) are both `hopeful` and
//! measure different things. So the later edition declares, per item,
//! which earlier editions it `continues`, and everything that compares
//! ratings over time — the usual range, a drop, the change since the first
//! session and its reliable change index, a plateau, the trend, the charts
//! — asks here, and nowhere else, whether two answers may be compared.

use super::checkin::{Answers, CheckIn};
use super::instrument::{Instrument, InstrumentRef, Instruments};
use crate::error::InstrumentError;

/// Something a client answered on one edition: a check-in as the client
/// keeps it, as the therapist receives it, or a point of a series.
pub trait Answered {
    /// The edition answered.
    fn edition(&self) -> &InstrumentRef;
    /// The ratings given, by item id.
    fn answers(&self) -> &Answers;
}

impl Answered for CheckIn {
    fn edition(&self) -> &InstrumentRef {
        &self.instrument
    }

    fn answers(&self) -> &Answers {
        &self.answers
    }
}

impl<T: Answered> Answered for &T {
    fn edition(&self) -> &InstrumentRef {
        (*self).edition()
    }

    fn answers(&self) -> &Answers {
        (*self).answers()
    }
}

impl Instruments {
    /// Whether an answer to `item` on edition `a` may be compared with one
    /// on edition `b`: the same edition, or editions of one instrument of
    /// which the later declares that its `item` continues the earlier. Not
    /// transitive: v3 continuing v2 says nothing about v1 unless v3 names
    /// it too.
    pub fn comparable(&self, item: &str, a: &InstrumentRef, b: &InstrumentRef) -> bool {
        if a == b {
            return true;
        }
        if a.id != b.id {
            return false;
        }
        let (earlier, later) = if a.version < b.version {
            (a, b)
        } else {
            (b, a)
        };
        self.get(later)
            .and_then(|instrument| instrument.item(item))
            .is_some_and(|spec| spec.continues.contains(&earlier.version))
    }

    /// The edition of the newest answer to `item` in `series` (oldest
    /// first): what the other answers must be comparable with.
    pub fn reference_edition<'s, T: Answered>(
        &self,
        item: &str,
        series: &'s [T],
    ) -> Option<&'s InstrumentRef> {
        series
            .iter()
            .rev()
            .find(|answered| answered.answers().contains_key(item))
            .map(Answered::edition)
    }

    /// The answers of `series` (oldest first) to `item` that may be
    /// compared with its newest answer, oldest first: those given on an
    /// edition [comparable](Instruments::comparable) with the newest
    /// answer's. Every figure over time is taken from this run, so a v1
    /// `hopeful` is never set beside a v2 one, while a `heard` whose
    /// wording only became clearer keeps its whole history.
    pub fn comparable_run<'s, T: Answered>(&self, item: &str, series: &'s [T]) -> Vec<&'s T> {
        let Some(reference) = self.reference_edition(item, series) else {
            return Vec::new();
        };
        series
            .iter()
            .filter(|answered| {
                answered.answers().contains_key(item)
                    && self.comparable(item, reference, answered.edition())
            })
            .collect()
    }

    /// The ratings of [`Instruments::comparable_run`], oldest first.
    pub fn comparable_ratings<T: Answered>(&self, item: &str, series: &[T]) -> Vec<u8> {
        self.comparable_run(item, series)
            .into_iter()
            .filter_map(|answered| answered.answers().get(item).copied())
            .collect()
    }

    /// Checks what `instrument` says it continues against the editions
    /// already known: each must be installed, have the item, and rate it on
    /// the same scale (a 1–5 answer cannot join a 0–10 line). Labels may
    /// differ: better words for the same points are allowed.
    pub(super) fn check_continues(&self, instrument: &Instrument) -> Result<(), InstrumentError> {
        let invalid = |detail: String| InstrumentError::Invalid {
            id: instrument.reference.id.clone(),
            detail,
        };
        for item in &instrument.items {
            for &version in &item.continues {
                let earlier = InstrumentRef {
                    id: instrument.reference.id.clone(),
                    version,
                };
                let Some(old) = self.get(&earlier) else {
                    return Err(invalid(format!(
                        "item {:?} continues version {version}, which is not installed (add \
                         editions oldest first)",
                        item.id
                    )));
                };
                let Some(old_item) = old.item(&item.id) else {
                    return Err(invalid(format!(
                        "item {:?} continues version {version}, which has no such item",
                        item.id
                    )));
                };
                if (old_item.scale.min, old_item.scale.max) != (item.scale.min, item.scale.max) {
                    return Err(invalid(format!(
                        "item {:?} continues version {version}, which rates it from {} to {}, \
                         not from {} to {}",
                        item.id,
                        old_item.scale.min,
                        old_item.scale.max,
                        item.scale.min,
                        item.scale.max
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};

    fn edition(version: u32) -> InstrumentRef {
        InstrumentRef {
            id: "session-checkin".into(),
            version,
        }
    }

    fn checkin(version: u32, heard: u8, hopeful: u8) -> CheckIn {
        CheckIn {
            id: uuid::Uuid::now_v7(),
            instrument: edition(version),
            session_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
            note: None,
            support_requested: false,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
            seen_at: None,
            goal_ratings: Default::default(),
        }
    }

    #[test]
    fn v2_continues_v1_for_every_item_but_hope() {
        let all = Instruments::bundled().unwrap();
        for item in ["heard", "worked_on", "fit"] {
            assert!(all.comparable(item, &edition(1), &edition(2)), "{item}");
            assert!(all.comparable(item, &edition(2), &edition(1)), "{item}");
        }
        // "More hopeful than when I came" is a change; "hopeful right now"
        // is a state: the same id, two questions.
        assert!(!all.comparable("hopeful", &edition(1), &edition(2)));
        assert!(!all.comparable("hopeful", &edition(2), &edition(1)));
        // An edition is always comparable with itself.
        assert!(all.comparable("hopeful", &edition(1), &edition(1)));
        assert!(all.comparable("hopeful", &edition(2), &edition(2)));
        // Another instrument, or an edition this app does not have, is not.
        let other = InstrumentRef {
            id: "other".into(),
            version: 1,
        };
        assert!(!all.comparable("heard", &edition(1), &other));
        assert!(!all.comparable("heard", &edition(1), &edition(9)));
    }

    #[test]
    fn a_series_across_editions_keeps_what_may_be_compared_with_its_newest_answer() {
        let all = Instruments::bundled().unwrap();
        let series = [
            checkin(1, 2, 1),
            checkin(1, 3, 2),
            checkin(2, 4, 4),
            checkin(2, 5, 3),
        ];
        assert_eq!(all.comparable_ratings("heard", &series), [2, 3, 4, 5]);
        assert_eq!(all.comparable_ratings("hopeful", &series), [4, 3]);
        assert_eq!(all.reference_edition("hopeful", &series), Some(&edition(2)));
        // At the edge: one v2 check-in after v1 ones is a run of one.
        assert_eq!(all.comparable_ratings("hopeful", &series[..3]), [4]);
        // Before it, the v1 history is whole.
        assert_eq!(all.comparable_ratings("hopeful", &series[..2]), [1, 2]);
        // An item never answered has no run.
        assert!(all.comparable_run("fit", &series).is_empty());
        assert!(all.comparable_run::<CheckIn>("heard", &[]).is_empty());
    }

    #[test]
    fn a_v1_only_history_is_compared_as_before() {
        let all = Instruments::bundled().unwrap();
        let series = [checkin(1, 2, 1), checkin(1, 4, 3), checkin(1, 5, 4)];
        assert_eq!(all.comparable_ratings("hopeful", &series), [1, 3, 4]);
        assert_eq!(all.comparable_ratings("heard", &series), [2, 4, 5]);
    }

    #[test]
    fn an_old_client_answering_v1_after_v2_is_compared_within_v1() {
        let all = Instruments::bundled().unwrap();
        let series = [checkin(1, 2, 1), checkin(2, 4, 4), checkin(1, 3, 2)];
        assert_eq!(all.comparable_ratings("hopeful", &series), [1, 2]);
        assert_eq!(all.comparable_ratings("heard", &series), [2, 4, 3]);
    }

    /// A v3 made from v2's file with `edit` applied, added to the bundled
    /// editions.
    fn add_v3(edit: impl Fn(String) -> String) -> Result<(), InstrumentError> {
        let v2 = include_str!("../../instruments/session-checkin.v2.json");
        let json = edit(v2.replace(r#""version": 2"#, r#""version": 3"#));
        Instruments::bundled()?.add(Instrument::from_json(&json)?)
    }

    /// `heard` of v3 continuing `continues` instead of `[1]`.
    fn heard_continues(continues: &str) -> Result<(), InstrumentError> {
        add_v3(|json| {
            json.replacen(
                r#""continues": [1]"#,
                &format!(r#""continues": {continues}"#),
                1,
            )
        })
    }

    #[test]
    fn what_an_item_continues_is_checked() {
        heard_continues("[1, 2]").unwrap();
        heard_continues("[2]").unwrap();
        for (continues, expected) in [
            ("[3]", "not an earlier version"),
            ("[0]", "not an earlier version"),
            ("[2, 2]", "twice"),
            ("[1, 4]", "not an earlier version"),
        ] {
            let err = heard_continues(continues).unwrap_err();
            assert!(err.to_string().contains(expected), "{continues}: {err}");
        }
        // Only what the earlier edition asked can be continued.
        let err = add_v3(|json| json.replacen(r#""id": "heard""#, r#""id": "respected""#, 1))
            .unwrap_err();
        assert!(err.to_string().contains("has no such item"), "{err}");
        // On the same scale.
        let err = add_v3(|json| {
            json.replacen(
                r#""scale": { "min": 1, "max": 5, "labels": "agreement" }"#,
                r#""scale": { "min": 0, "max": 4, "labels": "agreement" }"#,
                1,
            )
        })
        .unwrap_err();
        assert!(err.to_string().contains("rates it from 1 to 5"), "{err}");
        // And only once the earlier edition is known.
        let v2 = include_str!("../../instruments/session-checkin.v2.json");
        let err = Instruments::default()
            .add(Instrument::from_json(v2).unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("not installed"), "{err}");
    }
}
