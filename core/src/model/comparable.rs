//! Comparing answers across editions.
//!
//! A new edition may reword an item and keep its id, because the id is the
//! key answers are stored under. Whether its answers measure the same thing
//! as the earlier edition's is not a matter of the id: the later edition
//! declares, per item, which earlier editions it `continues`. Here that
//! declaration is checked against the editions it names.

use super::instrument::{Instrument, InstrumentRef, Instruments};
use crate::error::InstrumentError;

impl Instruments {
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
