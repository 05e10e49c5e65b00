//! The core's rules a screen asks about before it calls the app objects:
//! names as they are typed, how long an invite may stay valid, which
//! questionnaire is current. The app objects apply the same rules again;
//! asking here only lets a screen say so sooner.

use rapport_core::NameField;
use rapport_core::invite;
use rapport_core::model::check_name;

use crate::checkin::InstrumentRef;
use crate::error::RapportError;

/// How long an invite may stay valid, in days, for a screen's picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct InviteValidity {
    /// What `invite_client` uses when not told.
    pub default_days: u32,
    /// The longest accepted; more is `InvalidInvite` with code
    /// `validity_too_long` (and zero is `validity_not_positive`).
    pub max_days: u32,
}

/// The default and the maximum validity of a new invite.
#[uniffi::export]
pub fn invite_validity() -> InviteValidity {
    InviteValidity {
        default_days: days(invite::DEFAULT_VALIDITY_DAYS),
        max_days: days(invite::MAX_VALIDITY_DAYS),
    }
}

fn days(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The therapist's name as typed, trimmed, or `InvalidName` (field `name`)
/// saying why `set_up` would refuse it: empty, too long, or holding a
/// control character.
#[uniffi::export]
pub fn check_therapist_name(name: String) -> Result<String, RapportError> {
    Ok(check_name(NameField::TherapistName, &name).map_err(rapport_core::Error::from)?)
}

/// A client's label as typed, trimmed, or `InvalidName` (field `label`)
/// saying why `invite_client` would refuse it.
#[uniffi::export]
pub fn check_client_label(label: String) -> Result<String, RapportError> {
    Ok(check_name(NameField::ClientLabel, &label).map_err(rapport_core::Error::from)?)
}

/// The edition new check-ins answer (`session-checkin`, newest version):
/// what a draft names when the app has no form at hand.
#[uniffi::export]
pub fn current_instrument() -> Result<InstrumentRef, RapportError> {
    let instruments = rapport_core::Instruments::bundled()
        .map_err(|e| RapportError::from(rapport_core::Error::from(e)))?;
    Ok(crate::app::current(&instruments)?.reference.clone().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_label_is_invalid_name_pointing_at_the_label() {
        match check_client_label("   ".into()) {
            Err(RapportError::InvalidName { field, code, .. }) => {
                assert_eq!((field.as_str(), code.as_str()), ("label", "name_empty"));
            }
            other => panic!("unexpected {other:?}"),
        }
        match check_therapist_name("Dr.\u{1b}[31mX".into()) {
            Err(RapportError::InvalidName { field, code, .. }) => {
                assert_eq!(
                    (field.as_str(), code.as_str()),
                    ("name", "name_control_character")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(check_client_label("  J.D. ".into()), Ok("J.D.".into()));
    }

    #[test]
    fn the_rules_come_from_core() {
        assert_eq!(
            invite_validity(),
            InviteValidity {
                default_days: 7,
                max_days: 366
            }
        );
        let current = current_instrument().unwrap();
        assert_eq!(
            (current.id.as_str(), current.version),
            ("session-checkin", 2)
        );
    }
}
