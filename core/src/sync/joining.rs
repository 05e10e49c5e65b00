//! What a client decides when joining a therapist, and what joining did.
//!
//! Joining is where the client accepts the consent text and chooses the
//! crisis country (a front end pre-selects the phone's region,
//! [`crate::safety::country_for_locale`], one tap to change). Each decision
//! is a plain field, so Swift, Kotlin and the CLI pass the same thing.

use crate::store::Peer;

/// The client's decisions, given with the invite to
/// [`crate::Store::client_join_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinChoices {
    /// The version of the consent text the client accepted
    /// ([`crate::model::Consent`]); it must be the current one.
    pub consent_version: u32,
    /// The crisis country to keep (`IE`), checked by
    /// [`crate::safety::check_country`] before anything is sent; `None`
    /// keeps the choice made earlier, if any.
    pub crisis_country: Option<String>,
}

impl JoinChoices {
    /// Accepting consent `version`, nothing else chosen.
    pub fn accepting(version: u32) -> JoinChoices {
        JoinChoices {
            consent_version: version,
            ..JoinChoices::default()
        }
    }
}

/// What joining did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinOutcome {
    /// The therapist now paired.
    pub therapist: Peer,
    /// The crisis country kept after joining (the one chosen now, or the
    /// earlier choice); `None` when the phone's region decides.
    pub crisis_country: Option<String>,
}
