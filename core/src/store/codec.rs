//! The plaintext inside a check-in's sealed column.
//!
//! postcard (compact, serde-based) behind a one-byte format version, so the
//! layout can change later without guessing what an old row holds.

use serde::{Deserialize, Serialize};

use crate::model::{Answers, Note, NoteVisibility};

const FORMAT_V1: u8 = 1;

/// Answers encode as a length-prefixed list of (item id, rating) pairs.
#[derive(Serialize)]
struct SealedCheckInRef<'a> {
    answers: &'a Answers,
    note: Option<(&'a str, bool)>,
}

#[derive(Deserialize)]
struct SealedCheckIn {
    answers: Answers,
    note: Option<(String, bool)>,
}

/// Encodes answers and note for sealing.
pub(super) fn encode(answers: &Answers, note: Option<&Note>) -> Result<Vec<u8>, String> {
    let payload = SealedCheckInRef {
        answers,
        note: note.map(|n| (n.text.as_str(), n.visibility == NoteVisibility::Shared)),
    };
    let mut out = vec![FORMAT_V1];
    out.extend(postcard::to_allocvec(&payload).map_err(|e| e.to_string())?);
    Ok(out)
}

/// Decodes what [`encode`] produced.
pub(super) fn decode(bytes: &[u8]) -> Result<(Answers, Option<Note>), String> {
    let Some((&format, body)) = bytes.split_first() else {
        return Err("empty payload".into());
    };
    if format != FORMAT_V1 {
        return Err(format!("unknown payload format {format}"));
    }
    let payload: SealedCheckIn = postcard::from_bytes(body).map_err(|e| e.to_string())?;
    let note = payload.note.map(|(text, shared)| Note {
        text,
        visibility: if shared {
            NoteVisibility::Shared
        } else {
            NoteVisibility::Private
        },
    });
    Ok((payload.answers, note))
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
        assert_eq!(
            decode(&encode(&answers, Some(&note)).unwrap()).unwrap(),
            (answers.clone(), Some(note))
        );
        assert_eq!(
            decode(&encode(&answers, None).unwrap()).unwrap(),
            (answers, None)
        );
    }

    #[test]
    fn unknown_format_and_truncation_are_errors() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[9, 0]).is_err());
        let full = encode(&[("heard".into(), 4)].into(), None).unwrap();
        assert!(decode(&full[..full.len() - 2]).is_err());
    }
}
