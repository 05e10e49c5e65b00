//! What a client decides when joining a therapist, and what joining did.
//!
//! Joining is where the client accepts the consent text, chooses the
//! crisis country (a front end pre-selects the phone's region,
//! [`crate::safety::country_for_locale`], one tap to change), and decides
//! whether the check-ins held on the phone go to this therapist (show
//! [`crate::Store::held_checkins`] first: how many, which session dates;
//! nothing goes unless the client says so). Each decision is a plain field,
//! so Swift, Kotlin and the CLI pass the same thing.

use crate::store::{HeldCheckIns, Peer};

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
    /// Whether the check-ins held on this phone (made while not paired,
    /// [`crate::Store::held_checkins`]) go to this therapist. `false`, the
    /// default, keeps them on the phone: visible to the client, never sent
    /// to this therapist.
    pub share_held: bool,
}

impl JoinChoices {
    /// Accepting consent `version`, nothing else chosen: no crisis country,
    /// and held check-ins kept on the phone.
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
    /// The check-ins that were held on the phone when joining: shared with
    /// this therapist when `shared_held`, kept on the phone otherwise.
    pub held: HeldCheckIns,
    /// Whether they were shared (the choice made in [`JoinChoices`]).
    pub shared_held: bool,
}
