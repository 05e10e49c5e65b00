//! The therapy domain: instruments, check-ins and the client's goals, with
//! their validation rules.

mod checkin;
mod comparable;
mod consent;
mod form;
mod goal_ratings;
mod goals;
mod instrument;
mod names;

pub use checkin::{
    Answers, CheckIn, CheckInDraft, CheckInRecord, MAX_SESSION_AGE_DAYS, Note, NoteVisibility,
    Tombstone, note_length,
};
pub use comparable::Answered;
pub use consent::{Consent, ConsentStatus};
pub use form::{CheckInForm, FormItem, FormProgress, ScalePoint};
pub use goal_ratings::{GOAL_RATING_MAX, GoalRatings, MAX_ACTIVE_GOALS, check_goal_ratings};
pub use goals::{GOAL_MAX_CHARS, Goal, GoalDraft, GoalWording, MAX_EARLIER_TEXTS, check_goal_text};
pub use instrument::{
    CURRENT_INSTRUMENT, Instrument, InstrumentRef, Instruments, ItemSpec, Localized, NoteSpec,
    ReliableChange, Scale, resolve_locale,
};
pub use names::{LABEL_MAX_CHARS, NAME_MAX_CHARS, check_name};
