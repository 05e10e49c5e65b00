//! The plaintext inside a check-in's sealed column.
//!
//! postcard (compact, serde-based) behind a one-byte format version, so the
//! layout can change later without guessing what an old row holds.
//!
//! - format 1: answers and note.
//! - format 2: adds "I need support now" (schema v5). Format 1 rows are still
//!   read (support not requested).
//! - format 3: adds the goal ratings (schema v8). Rows of formats 1 and 2
//!   are still read (no goal rated); new rows are always written as format 3.

use serde::{Deserialize, Serialize};

use crate::model::{Answers, GoalRatings, Note, NoteVisibility};

const FORMAT_V1: u8 = 1;
const FORMAT_V2: u8 = 2;
const FORMAT_V3: u8 = 3;

/// What a sealed check-in row holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sealed {
    pub answers: Answers,
    pub note: Option<Note>,
    pub support_requested: bool,
    pub goal_ratings: GoalRatings,
}

/// Answers encode as a length-prefixed list of (item id, rating) pairs, goal
/// ratings as a list of (goal id, rating).
#[derive(Serialize)]
struct SealedCheckInRef<'a> {
    answers: &'a Answers,
    note: Option<(&'a str, bool)>,
    support_requested: bool,
    goal_ratings: &'a GoalRatings,
}

#[derive(Deserialize)]
struct SealedCheckInV1 {
    answers: Answers,
    note: Option<(String, bool)>,
}

#[derive(Deserialize)]
struct SealedCheckInV2 {
    answers: Answers,
    note: Option<(String, bool)>,
    support_requested: bool,
}

#[derive(Deserialize)]
struct SealedCheckInV3 {
    answers: Answers,
    note: Option<(String, bool)>,
    support_requested: bool,
    goal_ratings: GoalRatings,
}

/// Encodes answers, note, support request and goal ratings for sealing.
pub(crate) fn encode(
    answers: &Answers,
    note: Option<&Note>,
    support_requested: bool,
    goal_ratings: &GoalRatings,
) -> Result<Vec<u8>, String> {
    let payload = SealedCheckInRef {
        answers,
        note: note.map(|n| (n.text.as_str(), n.visibility == NoteVisibility::Shared)),
        support_requested,
        goal_ratings,
    };
    let mut out = vec![FORMAT_V3];
    out.extend(postcard::to_allocvec(&payload).map_err(|e| e.to_string())?);
    Ok(out)
}

/// Decodes what [`encode`] produced, or a row of an older format.
pub(crate) fn decode(bytes: &[u8]) -> Result<Sealed, String> {
    let Some((&format, body)) = bytes.split_first() else {
        return Err("empty payload".into());
    };
    let (answers, note, support_requested, goal_ratings) = match format {
        FORMAT_V1 => {
            let p: SealedCheckInV1 = postcard::from_bytes(body).map_err(|e| e.to_string())?;
            (p.answers, p.note, false, GoalRatings::new())
        }
        FORMAT_V2 => {
            let p: SealedCheckInV2 = postcard::from_bytes(body).map_err(|e| e.to_string())?;
            (p.answers, p.note, p.support_requested, GoalRatings::new())
        }
        FORMAT_V3 => {
            let p: SealedCheckInV3 = postcard::from_bytes(body).map_err(|e| e.to_string())?;
            (p.answers, p.note, p.support_requested, p.goal_ratings)
        }
        _ => return Err(format!("unknown payload format {format}")),
    };
    let note = note.map(|(text, shared)| Note {
        text,
        visibility: if shared {
            NoteVisibility::Shared
        } else {
            NoteVisibility::Private
        },
    });
    Ok(Sealed {
        answers,
        note,
        support_requested,
        goal_ratings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_and_without_note() {
        let answers: Answers = [("heard".into(), 4), ("hopeful".into(), 1)].into();
        let note = Note {
            text: "ünïcode ✓".into(),
            visibility: NoteVisibility::Private,
        };
        let goals: GoalRatings = [
            (uuid::Uuid::from_u128(1), 0),
            (uuid::Uuid::from_u128(2), 10),
        ]
        .into();
        let back = decode(&encode(&answers, Some(&note), true, &goals).unwrap()).unwrap();
        assert_eq!(back.answers, answers);
        assert_eq!(back.note, Some(note));
        assert!(back.support_requested);
        assert_eq!(back.goal_ratings, goals);
        let back = decode(&encode(&answers, None, false, &GoalRatings::new()).unwrap()).unwrap();
        assert_eq!(
            (back.answers, back.note, back.support_requested),
            (answers, None, false)
        );
        assert!(back.goal_ratings.is_empty());
    }

    #[test]
    fn a_format_1_row_reads_as_support_not_requested() {
        #[derive(Serialize)]
        struct V1<'a> {
            answers: &'a Answers,
            note: Option<(&'a str, bool)>,
        }
        let answers: Answers = [("heard".into(), 2), ("hopeful".into(), 5)].into();
        let mut bytes = vec![FORMAT_V1];
        bytes.extend(
            postcard::to_allocvec(&V1 {
                answers: &answers,
                note: Some(("old", true)),
            })
            .unwrap(),
        );
        let back = decode(&bytes).unwrap();
        assert_eq!(back.answers, answers);
        assert_eq!(back.note.unwrap().text, "old");
        assert!(!back.support_requested);
        assert!(back.goal_ratings.is_empty());
    }

    #[test]
    fn a_format_2_row_reads_as_no_goal_rated() {
        #[derive(Serialize)]
        struct V2<'a> {
            answers: &'a Answers,
            note: Option<(&'a str, bool)>,
            support_requested: bool,
        }
        let answers: Answers = [("heard".into(), 3), ("hopeful".into(), 4)].into();
        let mut bytes = vec![FORMAT_V2];
        bytes.extend(
            postcard::to_allocvec(&V2 {
                answers: &answers,
                note: None,
                support_requested: true,
            })
            .unwrap(),
        );
        let back = decode(&bytes).unwrap();
        assert_eq!(back.answers, answers);
        assert!(back.support_requested);
        assert!(back.goal_ratings.is_empty());
    }

    #[test]
    fn unknown_format_and_truncation_are_errors() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[9, 0]).is_err());
        let full = encode(
            &[("heard".into(), 4)].into(),
            None,
            false,
            &GoalRatings::new(),
        )
        .unwrap();
        assert!(decode(&full[..full.len() - 2]).is_err());
    }
}
