//! Names people type at set-up: the therapist's name, which clients see, and
//! the label a therapist gives each client, which stays on their device.
//!
//! One rule for both, here, so the CLI and both apps refuse the same input
//! with the same error: trimmed, not empty, one screen line long at most
//! (counted as [`super::note_length`] counts a note), and no control
//! characters, which could garble or disguise a line on someone's screen.

use crate::error::{NameError, NameField};

/// Longest therapist name accepted, in characters: a full name with titles
/// fits; a paragraph does not.
pub const NAME_MAX_CHARS: usize = 80;

/// Longest client label accepted, in characters: initials or a first name,
/// as a list row shows it.
pub const LABEL_MAX_CHARS: usize = 40;

/// Checks a name as typed and returns it trimmed, or why it is refused. Apps
/// may call it on every keystroke; set-up and invites call it again.
pub fn check_name(field: NameField, text: &str) -> Result<String, NameError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NameError::Empty { field });
    }
    let max = match field {
        NameField::TherapistName => NAME_MAX_CHARS,
        NameField::ClientLabel => LABEL_MAX_CHARS,
    };
    let given = text.chars().count();
    if given > max {
        return Err(NameError::TooLong { field, max, given });
    }
    if let Some(index) = text.chars().position(char::is_control) {
        return Err(NameError::ControlCharacter {
            field,
            position: index + 1,
        });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_kept_as_typed() {
        assert_eq!(
            check_name(NameField::TherapistName, "  Dr. Ana Rivera-López "),
            Ok("Dr. Ana Rivera-López".to_owned())
        );
        assert_eq!(
            check_name(NameField::ClientLabel, "J.D."),
            Ok("J.D.".to_owned())
        );
    }

    #[test]
    fn an_empty_or_blank_name_is_refused_naming_its_field() {
        for blank in ["", "   ", "\n\t "] {
            let e = check_name(NameField::ClientLabel, blank).unwrap_err();
            assert_eq!(
                e,
                NameError::Empty {
                    field: NameField::ClientLabel
                }
            );
            assert_eq!((e.code(), e.field().id()), ("name_empty", "label"));
        }
    }

    #[test]
    fn a_name_longer_than_a_line_is_refused_with_both_lengths() {
        let at_limit = "é".repeat(LABEL_MAX_CHARS);
        assert!(check_name(NameField::ClientLabel, &at_limit).is_ok());
        let e = check_name(NameField::ClientLabel, &format!("{at_limit}x")).unwrap_err();
        assert_eq!(
            e,
            NameError::TooLong {
                field: NameField::ClientLabel,
                max: LABEL_MAX_CHARS,
                given: LABEL_MAX_CHARS + 1
            }
        );
        assert_eq!(e.code(), "name_too_long");
        let long_name = "a".repeat(NAME_MAX_CHARS + 1);
        let e = check_name(NameField::TherapistName, &long_name).unwrap_err();
        assert_eq!(e.field().id(), "name");
        assert!(
            e.to_string()
                .contains(&format!("{NAME_MAX_CHARS} or fewer"))
        );
    }

    #[test]
    fn a_control_character_inside_is_refused_with_its_position() {
        for (text, position) in [("A\u{1b}[2JB", 2), ("Dr.\nEvil", 4), ("J\u{7}", 2)] {
            let e = check_name(NameField::TherapistName, text).unwrap_err();
            assert_eq!(
                e,
                NameError::ControlCharacter {
                    field: NameField::TherapistName,
                    position
                },
                "{text:?}"
            );
            assert_eq!(e.code(), "name_control_character");
        }
    }
}
