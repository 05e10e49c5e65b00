//! The therapy domain: instruments and check-ins, with their validation rules.

mod checkin;
mod consent;
mod form;
mod instrument;
mod names;

pub use checkin::{
    Answers, CheckIn, CheckInDraft, CheckInRecord, MAX_SESSION_AGE_DAYS, Note, NoteVisibility,
    Tombstone, note_length,
};
pub use consent::{Consent, ConsentStatus};
pub use form::{CheckInForm, FormItem, FormProgress, ScalePoint};
pub use instrument::{
    CURRENT_INSTRUMENT, Instrument, InstrumentRef, Instruments, ItemSpec, Localized, NoteSpec,
    ReliableChange, Scale, resolve_locale,
};
pub use names::{LABEL_MAX_CHARS, NAME_MAX_CHARS, check_name};
