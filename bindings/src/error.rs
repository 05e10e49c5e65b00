//! The one error that crosses the FFI: a handful of variants an app can act on,
//! each carrying the core's sentence for a person (`reason`), which already
//! says what to do next.
//!
//! The core's errors are rich and change with the code; this enum is small and
//! stable. No variant has a field named `message`: it would clash with
//! `Throwable.message` in the generated Kotlin.
//!
//! The same enum is what the app's [`crate::SecretStore`] throws, so it also
//! converts back into the core's keystore error. (The app's
//! [`crate::HttpClient`] throws its own small [`crate::HttpError`].)

use rapport_core::sync::TransportError;
use rapport_core::{Error as CoreError, GoalError, KeyError, SecretStoreError, StoreError};

/// Anything a Rapport call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum RapportError {
    /// The passphrase does not open this database (or is empty where a new
    /// one must be chosen): ask for it again.
    #[error("{reason}")]
    WrongPassphrase {
        /// What happened, for a person.
        reason: String,
    },
    /// The data key could not be unlocked from the device keystore, or a
    /// recovery kit is damaged: offer the recovery kit.
    #[error("{reason}")]
    KeyUnavailable {
        /// What happened, for a person.
        reason: String,
    },
    /// The invite could not be used: ask the therapist for a new one. Or,
    /// when creating one, its validity was refused (`validity_too_long`,
    /// `validity_not_positive`): choose another.
    #[error("{reason}")]
    InvalidInvite {
        /// A stable name for the damage (`truncated`, `altered`, `expired`,
        /// ... as `InviteError::code`, or a pairing refusal such as
        /// `invite_already_used`).
        code: String,
        /// What happened, for a person.
        reason: String,
    },
    /// A name typed at set-up was refused (the therapist's name, a client's
    /// label): point at `field`, nothing was sent.
    #[error("{reason}")]
    InvalidName {
        /// `name` (the therapist's) or `label` (a client's).
        field: String,
        /// `name_empty`, `name_too_long` or `name_control_character`.
        code: String,
        /// What happened, for a person.
        reason: String,
    },
    /// A check-in was refused and nothing was stored: point at `field`.
    #[error("{reason}")]
    InvalidCheckIn {
        /// The item id, `note`, `session_date` or `instrument` at fault.
        field: Option<String>,
        /// What happened, for a person.
        reason: String,
    },
    /// A goal was refused and nothing changed: show `reason` by the goal.
    #[error("{reason}")]
    InvalidGoal {
        /// `too_many_goals` (archive one first), `goal_empty`,
        /// `goal_too_long`, `goal_control_character` or `goal_archived`.
        code: String,
        /// What happened, for a person.
        reason: String,
    },
    /// No goal has this id: refresh the list of goals.
    #[error("{reason}")]
    GoalNotFound {
        /// What happened, for a person.
        reason: String,
    },
    /// No live check-in has this id (it may have been deleted): refresh.
    #[error("{reason}")]
    CheckInNotFound {
        /// What happened, for a person.
        reason: String,
    },
    /// This device has not joined a therapist or been set up as one yet.
    #[error("{reason}")]
    NotSetUp {
        /// What happened, for a person.
        reason: String,
    },
    /// The database is already set up, or set up for the other role.
    #[error("{reason}")]
    WrongSetup {
        /// What happened, for a person.
        reason: String,
    },
    /// The relay could not be reached or answered nonsense: nothing was lost,
    /// sync again later. Transports throw this for offline, DNS, TLS, timeouts.
    #[error("{reason}")]
    Network {
        /// What happened, for a person.
        reason: String,
    },
    /// Rapport will not send anything to this relay address (plain http to
    /// another machine, not a URL, ...): ask for the address again.
    #[error("{reason}")]
    InvalidRelayUrl {
        /// Why (`not_a_url`, `no_host`, `scheme`, `plain_http`,
        /// `credentials`, `query_or_fragment`).
        code: String,
        /// What happened, for a person.
        reason: String,
    },
    /// The relay refused the request (revoked token, full mailbox, ...).
    #[error("{reason}")]
    RelayRefused {
        /// HTTP status.
        status: u16,
        /// The relay's error code (`forbidden`, `token_revoked`, ...).
        code: String,
        /// What happened, for a person.
        reason: String,
    },
    /// The relay asks to slow down: sync again after `retry_after_secs`.
    #[error("{reason}")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
        /// What happened, for a person.
        reason: String,
    },
    /// An envelope was refused (only from `open_envelope`; sync
    /// quarantines such envelopes and reports them instead).
    #[error("{reason}")]
    EnvelopeRefused {
        /// `QuarantineReason::code`, such as `bad_signature` or `replayed`.
        code: String,
        /// What happened, for a person.
        reason: String,
    },
    /// No client has this label, several do, no flag or reason has this id,
    /// or a crisis country is not a country code: refresh the list and pick
    /// again.
    #[error("{reason}")]
    NotFound {
        /// What happened, for a person.
        reason: String,
    },
    /// The current consent text must be accepted: to join (show `consent()`
    /// and pass its version to `join`), or, after the text changed, before
    /// the next check-in (show it and call `accept_consent`). Nothing
    /// recorded is lost meanwhile.
    #[error("{reason}")]
    ConsentRequired {
        /// The version to accept.
        current: u32,
        /// What happened, for a person.
        reason: String,
    },
    /// Sharing with the therapist has ended (revoked, or erasing): check-ins
    /// stay on this device.
    #[error("{reason}")]
    SharingEnded {
        /// What happened, for a person.
        reason: String,
    },
    /// The local database could not be opened, read or written (damaged,
    /// written by a newer app, disk full, ...).
    #[error("{reason}")]
    Storage {
        /// What happened, for a person.
        reason: String,
    },
}

impl From<CoreError> for RapportError {
    fn from(e: CoreError) -> Self {
        let reason = e.to_string();
        match e {
            CoreError::Validation(v) => RapportError::InvalidCheckIn {
                field: Some(v.field().to_owned()),
                reason,
            },
            CoreError::Goal(GoalError::UnknownGoal { .. }) => RapportError::GoalNotFound { reason },
            CoreError::Goal(g) => RapportError::InvalidGoal {
                code: g.code().to_owned(),
                reason,
            },
            CoreError::Name(n) => RapportError::InvalidName {
                field: n.field().id().to_owned(),
                code: n.code().to_owned(),
                reason,
            },
            CoreError::Store(
                StoreError::CheckInNotFound { .. } | StoreError::CheckInDeleted { .. },
            ) => RapportError::CheckInNotFound { reason },
            CoreError::Store(_) | CoreError::Instrument(_) => RapportError::Storage { reason },
            CoreError::Key(KeyError::WrongPassphrase | KeyError::EmptyPassphrase) => {
                RapportError::WrongPassphrase { reason }
            }
            CoreError::Key(_) => RapportError::KeyUnavailable { reason },
            CoreError::Invite(i) => RapportError::InvalidInvite {
                code: i.code().to_owned(),
                reason,
            },
            CoreError::Pairing(p) => RapportError::InvalidInvite {
                code: p.code().to_owned(),
                reason,
            },
            CoreError::Envelope(q) => RapportError::EnvelopeRefused {
                code: q.code().to_owned(),
                reason,
            },
            CoreError::Transport(t) => t.into(),
            CoreError::RelayUrl(u) => RapportError::InvalidRelayUrl {
                code: u.code().to_owned(),
                reason,
            },
            CoreError::NoAccount => RapportError::NotSetUp { reason },
            CoreError::WrongRole { .. } | CoreError::AlreadySetUp { .. } => {
                RapportError::WrongSetup { reason }
            }
            CoreError::UnknownClient { .. }
            | CoreError::AmbiguousClient { .. }
            | CoreError::UnknownFlag { .. }
            | CoreError::UnknownReason { .. } => RapportError::NotFound { reason },
            // These bindings take no rule settings by name, so this is not
            // reached through them; were it, the setting is not one there is.
            CoreError::RuleSetting(_) => RapportError::NotFound { reason },
            CoreError::ConsentRequired { current, .. }
            | CoreError::ConsentOutdated { current, .. } => {
                RapportError::ConsentRequired { current, reason }
            }
            // A country comes from a picker: pick again.
            CoreError::InvalidCountry { .. } => RapportError::NotFound { reason },
            CoreError::SharingEnded { .. } => RapportError::SharingEnded { reason },
            // A reply is refused for what was typed, as a check-in is.
            CoreError::ReplyTooLong { .. }
            | CoreError::EmptyReply
            | CoreError::ReplyControlCharacter { .. }
            | CoreError::ReplyClosed => RapportError::InvalidCheckIn {
                field: Some("reply".to_owned()),
                reason,
            },
        }
    }
}

impl From<KeyError> for RapportError {
    fn from(e: KeyError) -> Self {
        CoreError::from(e).into()
    }
}

impl From<rapport_core::InviteError> for RapportError {
    fn from(e: rapport_core::InviteError) -> Self {
        CoreError::from(e).into()
    }
}

impl From<rapport_core::QuarantineReason> for RapportError {
    fn from(e: rapport_core::QuarantineReason) -> Self {
        CoreError::from(e).into()
    }
}

impl From<TransportError> for RapportError {
    fn from(e: TransportError) -> Self {
        let reason = e.to_string();
        match e {
            TransportError::Unreachable { .. } | TransportError::Protocol { .. } => {
                RapportError::Network { reason }
            }
            TransportError::Refused { status, code, .. } => RapportError::RelayRefused {
                status,
                code: code.as_str().to_owned(),
                reason,
            },
            TransportError::RateLimited { retry_after_secs } => RapportError::RateLimited {
                retry_after_secs,
                reason,
            },
        }
    }
}

/// What the app's keystore threw, as the core understands it.
impl From<RapportError> for SecretStoreError {
    fn from(e: RapportError) -> Self {
        SecretStoreError {
            reason: e.to_string(),
        }
    }
}

/// The app's keystore threw something other than a [`RapportError`]: it
/// becomes a keystore error on its way into the core.
impl From<uniffi::UnexpectedUniFFICallbackError> for RapportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        RapportError::KeyUnavailable {
            reason: format!("the app's keystore failed unexpectedly: {}", e.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_core::ValidationError;

    #[test]
    fn a_rating_out_of_range_names_the_item() {
        let e: RapportError = CoreError::from(ValidationError::RatingOutOfRange {
            item: "hopeful".into(),
            value: 9,
            min: 1,
            max: 5,
        })
        .into();
        match e {
            RapportError::InvalidCheckIn { field, reason } => {
                assert_eq!(field.as_deref(), Some("hopeful"));
                assert!(reason.contains("from 1 to 5"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_relay_refusal_keeps_its_status_and_code() {
        let refused = TransportError::Refused {
            status: 403,
            code: rapport_core::sync::RelayCode::TokenRevoked,
            detail: "revoked".into(),
        };
        assert!(matches!(
            RapportError::from(refused),
            RapportError::RelayRefused { status: 403, ref code, .. } if code == "token_revoked"
        ));
    }

    #[test]
    fn a_refused_goal_keeps_its_code() {
        let e: RapportError = CoreError::from(GoalError::TooManyActive { max: 3 }).into();
        assert!(
            matches!(e, RapportError::InvalidGoal { ref code, .. } if code == "too_many_goals")
        );
        let e: RapportError = CoreError::from(GoalError::UnknownGoal {
            id: uuid::Uuid::from_u128(1),
        })
        .into();
        assert!(matches!(e, RapportError::GoalNotFound { .. }));
    }

    #[test]
    fn invite_errors_keep_their_code() {
        let e: RapportError = rapport_core::InviteError::Altered.into();
        assert!(matches!(e, RapportError::InvalidInvite { ref code, .. } if code == "altered"));
    }
}
