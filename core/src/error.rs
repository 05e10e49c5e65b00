//! Errors, in two levels: one rich enum per concern here, each message telling a
//! person what happened and what to do next, and [`Error`] gathering them for
//! callers that do not care which part of the core failed. The bindings map
//! [`Error`] onto a small, stable enum at the FFI edge.
//!
//! No variant carries a field named `message`: it clashes with
//! `Throwable.message` in the generated Kotlin.

use chrono::NaiveDate;
use uuid::Uuid;

pub use rapport_protocol::ErrorCode as RelayCode;

use crate::model::InstrumentRef;

/// Anything the core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A check-in was refused; nothing was stored.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// An instrument definition is unusable.
    #[error(transparent)]
    Instrument(#[from] InstrumentError),
    /// The local database could not be opened, read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data key could not be unlocked or protected.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// An invite could not be read, or made as asked.
    #[error(transparent)]
    Invite(#[from] InviteError),
    /// A name typed at set-up (the therapist's name, a client's label) was refused.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A goal could not be set or changed as asked; nothing was stored.
    #[error(transparent)]
    Goal(#[from] GoalError),
    /// A client's hello was refused.
    #[error(transparent)]
    Pairing(#[from] PairingError),
    /// An envelope was refused (and is quarantined by the sync engine).
    #[error(transparent)]
    Envelope(#[from] QuarantineReason),
    /// The relay could not be used; nothing was lost, sync again later.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A relay address that Rapport will not send anything to.
    #[error(transparent)]
    RelayUrl(#[from] RelayUrlError),
    /// This device has not joined a therapist or been set up as one.
    #[error(
        "this device is not set up yet: set it up as a therapist, or join a therapist with an \
         invite, first"
    )]
    NoAccount,
    /// The operation belongs to the other role.
    #[error(
        "this device is set up as a {actual}; that is something a {expected} does: open the \
         {expected}'s own database instead"
    )]
    WrongRole {
        /// The role the operation needs.
        expected: crate::role::Role,
        /// This device's role.
        actual: crate::role::Role,
    },
    /// The device is already set up.
    #[error("this device is already set up as a {role}; use another home to start afresh")]
    AlreadySetUp {
        /// Its role.
        role: crate::role::Role,
    },
    /// No paired client has this label.
    #[error("no client is labelled {label:?}: the dashboard lists every client's label")]
    UnknownClient {
        /// The label asked for.
        label: String,
    },
    /// Several paired clients share this label.
    #[error("{count} clients are labelled {label:?}; this needs a label that names one")]
    AmbiguousClient {
        /// The label asked for.
        label: String,
        /// How many share it.
        count: usize,
    },
    /// No flag has this id.
    #[error("no flag has the id {id:?}: the list of flags shows each one's id")]
    UnknownFlag {
        /// The id asked for.
        id: String,
    },
    /// No reason of an open flag has this id.
    #[error("no reason of an open flag has the id {id:?}: each flag lists its reasons' ids")]
    UnknownReason {
        /// The id asked for.
        id: String,
    },
    /// A rule setting that does not exist or a value out of range.
    #[error("{0}")]
    RuleSetting(#[from] RuleSettingError),
    /// Joining needs the current consent text accepted.
    #[error(
        "joining needs consent version {current} accepted (you gave {given}): read the \
         consent and accept it to join"
    )]
    ConsentRequired {
        /// The version this app asks for.
        current: u32,
        /// The version given.
        given: u32,
    },
    /// The consent text changed since this client accepted it: the new one
    /// must be accepted before the next check-in is recorded. Nothing
    /// recorded is lost while it waits.
    #[error(
        "the consent text has changed since you accepted it (it is now version {current}): \
         read it and accept it to record check-ins again; everything you recorded is kept"
    )]
    ConsentOutdated {
        /// The version this app asks for.
        current: u32,
        /// The version accepted (0 for a pairing made before versions were kept).
        accepted: u32,
    },
    /// A crisis country that is not a two-letter country code.
    #[error(
        "{given:?} is not a two-letter country code (such as IE or DE): choose the country again"
    )]
    InvalidCountry {
        /// What was given.
        given: String,
    },
    /// The therapist ended the pairing, or this client is erasing its data.
    #[error("sharing with your therapist has ended ({how}); your check-ins stay on this device")]
    SharingEnded {
        /// Which of the two.
        how: SharingEndedBy,
    },
    /// A reply is longer than a client's screen is made to show.
    #[error("the reply is {given} characters long; shorten it to {max} or fewer")]
    ReplyTooLong {
        /// Longest reply accepted, in characters.
        max: usize,
        /// Length of the reply given, in characters.
        given: usize,
    },
    /// A reply with nothing but spaces in it.
    #[error("the reply is empty: write a few words, or leave the check-in without a reply")]
    EmptyReply,
    /// A reply holding a character no screen can show (a tab, an escape
    /// sequence): it could garble or spoof what the client sees.
    #[error(
        "the reply contains an invisible control character (character {position}): remove it; \
         line breaks are fine"
    )]
    ReplyControlCharacter {
        /// Where it is, counting characters from 1.
        position: usize,
    },
    /// The client checked in again since: a reply belongs to the most recent
    /// conversation, not to a session the client has moved on from.
    #[error(
        "this client has checked in since, so the reply to this check-in can no longer be \
         written or changed; reply to their latest check-in instead"
    )]
    ReplyClosed,
}

impl Error {
    /// A stable name for the kind of error, for apps and scripts to act on
    /// (the text may change; these names do not). The parts with their own
    /// finer codes ([`InviteError::code`], [`PairingError::code`],
    /// [`QuarantineReason::code`]) keep them.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "invalid_checkin",
            Error::Instrument(_) => "invalid_instrument",
            Error::Store(StoreError::CheckInNotFound { .. }) => "checkin_not_found",
            Error::Store(StoreError::CheckInDeleted { .. }) => "checkin_deleted",
            Error::Store(_) => "storage",
            Error::Key(_) => "key_unavailable",
            Error::Invite(_) => "invalid_invite",
            Error::Name(_) => "invalid_name",
            Error::Goal(_) => "invalid_goal",
            Error::Pairing(_) => "pairing_refused",
            Error::Envelope(_) => "envelope_refused",
            Error::Transport(_) => "transport",
            Error::RelayUrl(_) => "invalid_relay_url",
            Error::NoAccount => "no_account",
            Error::WrongRole { .. } => "wrong_role",
            Error::AlreadySetUp { .. } => "already_set_up",
            Error::UnknownClient { .. } => "unknown_client",
            Error::AmbiguousClient { .. } => "ambiguous_client",
            Error::UnknownFlag { .. } => "unknown_flag",
            Error::UnknownReason { .. } => "unknown_reason",
            Error::RuleSetting(_) => "invalid_rule_setting",
            Error::ConsentRequired { .. } => "consent_required",
            Error::ConsentOutdated { .. } => "consent_outdated",
            Error::InvalidCountry { .. } => "invalid_country",
            Error::SharingEnded { .. } => "sharing_ended",
            Error::ReplyTooLong { .. } => "reply_too_long",
            Error::EmptyReply => "empty_reply",
            Error::ReplyControlCharacter { .. } => "reply_control_character",
            Error::ReplyClosed => "reply_closed",
        }
    }

    /// The finest stable name there is: the part's own code where it has one
    /// ([`InviteError::code`], [`PairingError::code`], [`NameError::code`],
    /// [`QuarantineReason::code`]), else [`Error::code`]. What a front end
    /// shows beside the sentence, so a script or a test can act on it.
    pub fn specific_code(&self) -> &'static str {
        match self {
            Error::Invite(e) => e.code(),
            Error::Pairing(e) => e.code(),
            Error::Name(e) => e.code(),
            Error::Goal(e) => e.code(),
            Error::Envelope(e) => e.code(),
            Error::RelayUrl(e) => e.code(),
            Error::Transport(TransportError::Refused { code, .. }) => code.as_str(),
            other => other.code(),
        }
    }
}

/// How sharing with the therapist ended (see [`Error::SharingEnded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharingEndedBy {
    /// The therapist ended the pairing.
    Revoked,
    /// This client asked to erase its data; the erase is under way.
    Erasing,
}

impl SharingEndedBy {
    /// A stable name (`revoked`, `erasing`), also what the error text shows.
    pub fn code(self) -> &'static str {
        match self {
            SharingEndedBy::Revoked => "revoked",
            SharingEndedBy::Erasing => "erasing",
        }
    }
}

impl std::fmt::Display for SharingEndedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Why an invite could not be read, or made as asked. Each kind of damage has
/// its own variant so an app can say "ask your therapist for a new invite"
/// only when that helps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    /// The text is not a Rapport invite at all.
    #[error("this is not a Rapport invite (it should start with \"rapport:invite/\")")]
    NotAnInvite,
    /// The invite was cut off, as when a link is copied only in part.
    #[error(
        "the invite is incomplete ({found} of {expected} bytes): copy the whole link, or scan \
         the QR code again"
    )]
    Truncated {
        /// Bytes the invite says it has.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// The checksum does not match: a character was changed.
    #[error("the invite was altered or mistyped: scan the QR code or copy the link again")]
    Altered,
    /// The invite was made by a newer (or unknown) version of Rapport.
    #[error(
        "this invite is format version {found}; this app reads version {supported}: update the app"
    )]
    UnsupportedVersion {
        /// Version in the invite.
        found: u8,
        /// Version this app reads.
        supported: u8,
    },
    /// The invite's time is up.
    #[error("this invite expired at {expired_at}: ask your therapist for a new one")]
    Expired {
        /// When it expired.
        expired_at: chrono::DateTime<chrono::Utc>,
    },
    /// The invite decodes but its content is not usable.
    #[error("the invite is not usable: {detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// A new invite was asked to be valid for no time at all, or less.
    #[error("an invite must stay valid for some time: choose at least one day")]
    ValidityNotPositive,
    /// A new invite was asked to stay valid longer than a single-use secret
    /// should live.
    #[error("an invite can stay valid for at most {max_days} days; choose a shorter time")]
    ValidityTooLong {
        /// The longest validity accepted, in days.
        max_days: i64,
    },
}

impl InviteError {
    /// A stable name for the kind of error (used by test vectors and bindings).
    pub fn code(&self) -> &'static str {
        match self {
            InviteError::NotAnInvite => "not_an_invite",
            InviteError::Truncated { .. } => "truncated",
            InviteError::Altered => "altered",
            InviteError::UnsupportedVersion { .. } => "unsupported_version",
            InviteError::Expired { .. } => "expired",
            InviteError::Malformed { .. } => "malformed",
            InviteError::ValidityNotPositive => "validity_not_positive",
            InviteError::ValidityTooLong { .. } => "validity_too_long",
        }
    }
}

/// Why a therapist refused a client's hello.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    /// The hello names no invite this therapist made.
    #[error("the hello answers an invite this device did not create")]
    UnknownInvite,
    /// The invite was already used by another device.
    #[error("this invite was already used: each invite pairs one device; create a new invite")]
    InviteAlreadyUsed,
    /// The invite expired before the hello arrived.
    #[error("the invite expired at {expired_at} before the client answered: create a new invite")]
    InviteExpired {
        /// When it expired.
        expired_at: chrono::DateTime<chrono::Utc>,
    },
    /// The hello's MAC does not match the invite's pairing secret.
    #[error("the hello was not made with this invite's secret: it is forged or damaged")]
    BadMac,
    /// The hello's device card is not self-consistent.
    #[error("the client's device card is invalid: {detail}")]
    BadCard {
        /// What is wrong.
        detail: String,
    },
}

impl QuarantineReason {
    /// Which kind of refusal this is, without its details.
    pub fn kind(&self) -> QuarantineKind {
        match self {
            QuarantineReason::TooLarge { .. } => QuarantineKind::TooLarge,
            QuarantineReason::BadHeader { .. } => QuarantineKind::BadHeader,
            QuarantineReason::TooManyStanzas { .. } => QuarantineKind::TooManyStanzas,
            QuarantineReason::ScryptStanza => QuarantineKind::ScryptStanza,
            QuarantineReason::DecryptionFailed => QuarantineKind::DecryptionFailed,
            QuarantineReason::Malformed { .. } => QuarantineKind::Malformed,
            QuarantineReason::UnknownSender { .. } => QuarantineKind::UnknownSender,
            QuarantineReason::BadSignature { .. } => QuarantineKind::BadSignature,
            QuarantineReason::WrongMailbox { .. } => QuarantineKind::WrongMailbox,
            QuarantineReason::WrongRecipient => QuarantineKind::WrongRecipient,
            QuarantineReason::Replayed { .. } => QuarantineKind::Replayed,
        }
    }

    /// A stable name for the reason (stored with quarantined envelopes, used
    /// by test vectors and bindings).
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

/// Why the sync engine quarantined an envelope, as a kind a caller can match
/// on: each way [`QuarantineReason`] refuses one, and a refused pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuarantineKind {
    /// [`QuarantineReason::TooLarge`].
    TooLarge,
    /// [`QuarantineReason::BadHeader`].
    BadHeader,
    /// [`QuarantineReason::TooManyStanzas`].
    TooManyStanzas,
    /// [`QuarantineReason::ScryptStanza`].
    ScryptStanza,
    /// [`QuarantineReason::DecryptionFailed`].
    DecryptionFailed,
    /// [`QuarantineReason::Malformed`]: also a body of ours that does not
    /// parse, or a message kind the receiving role never gets.
    Malformed,
    /// [`QuarantineReason::UnknownSender`].
    UnknownSender,
    /// [`QuarantineReason::BadSignature`].
    BadSignature,
    /// [`QuarantineReason::WrongMailbox`].
    WrongMailbox,
    /// [`QuarantineReason::WrongRecipient`].
    WrongRecipient,
    /// [`QuarantineReason::Replayed`].
    Replayed,
    /// A hello whose pairing was refused ([`PairingError`]).
    PairingRefused,
}

impl QuarantineKind {
    /// The stable name stored with the envelope and given to the bindings
    /// (`malformed`, `pairing_refused`, ...).
    pub fn code(self) -> &'static str {
        match self {
            QuarantineKind::TooLarge => "too_large",
            QuarantineKind::BadHeader => "bad_header",
            QuarantineKind::TooManyStanzas => "too_many_stanzas",
            QuarantineKind::ScryptStanza => "scrypt_stanza",
            QuarantineKind::DecryptionFailed => "decryption_failed",
            QuarantineKind::Malformed => "malformed",
            QuarantineKind::UnknownSender => "unknown_sender",
            QuarantineKind::BadSignature => "bad_signature",
            QuarantineKind::WrongMailbox => "wrong_mailbox",
            QuarantineKind::WrongRecipient => "wrong_recipient",
            QuarantineKind::Replayed => "replayed",
            QuarantineKind::PairingRefused => "pairing_refused",
        }
    }
}

impl PairingError {
    /// A stable name for the reason (used by the bindings).
    pub fn code(&self) -> &'static str {
        match self {
            PairingError::UnknownInvite => "unknown_invite",
            PairingError::InviteAlreadyUsed => "invite_already_used",
            PairingError::InviteExpired { .. } => "invite_expired",
            PairingError::BadMac => "bad_mac",
            PairingError::BadCard { .. } => "bad_card",
        }
    }
}

/// Which name a person typed: each is checked by the same rule, and an app
/// points at the field it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameField {
    /// The therapist's name, as clients see it.
    TherapistName,
    /// What the therapist calls a client (initials, say); it stays on the
    /// therapist's device.
    ClientLabel,
}

impl NameField {
    /// The field's stable name (`name`, `label`), for apps to point at.
    pub fn id(self) -> &'static str {
        match self {
            NameField::TherapistName => "name",
            NameField::ClientLabel => "label",
        }
    }
}

impl std::fmt::Display for NameField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NameField::TherapistName => "your name",
            NameField::ClientLabel => "the client's label",
        })
    }
}

/// Why a name typed at set-up was refused (see `model::check_name`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing but spaces.
    #[error("{field} is empty: type a few letters")]
    Empty {
        /// Which name.
        field: NameField,
    },
    /// Longer than a screen line can show.
    #[error("{field} is {given} characters long; shorten it to {max} or fewer")]
    TooLong {
        /// Which name.
        field: NameField,
        /// Longest accepted, in characters.
        max: usize,
        /// Length given, in characters.
        given: usize,
    },
    /// An invisible control character (a line break, a tab, an escape
    /// sequence): it could garble or disguise what a screen shows.
    #[error("{field} contains an invisible control character (character {position}): remove it")]
    ControlCharacter {
        /// Which name.
        field: NameField,
        /// Where it is, counting characters from 1.
        position: usize,
    },
}

impl NameError {
    /// A stable name for the reason (`name_empty`, `name_too_long`,
    /// `name_control_character`).
    pub fn code(&self) -> &'static str {
        match self {
            NameError::Empty { .. } => "name_empty",
            NameError::TooLong { .. } => "name_too_long",
            NameError::ControlCharacter { .. } => "name_control_character",
        }
    }

    /// The field at fault.
    pub fn field(&self) -> NameField {
        match self {
            NameError::Empty { field }
            | NameError::TooLong { field, .. }
            | NameError::ControlCharacter { field, .. } => *field,
        }
    }
}

/// Why an envelope was not accepted. The sync engine quarantines the envelope
/// with this reason and counts it; nothing is applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuarantineReason {
    /// Larger than the 64 KiB limit.
    #[error("envelope of {size} bytes is over the {limit}-byte limit")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not an age file, or its header is malformed or unreasonably long.
    #[error("envelope header is malformed: {detail}")]
    BadHeader {
        /// What is wrong.
        detail: String,
    },
    /// More recipient stanzas than any envelope of ours has: refused before
    /// age parses them.
    #[error("envelope header has {count} recipient stanzas (at most {limit} allowed)")]
    TooManyStanzas {
        /// Stanzas counted.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A passphrase (scrypt) stanza, which could cost seconds of work to try.
    #[error("envelope uses a passphrase stanza, which envelopes never do")]
    ScryptStanza,
    /// Not encrypted to this device, or the ciphertext was altered.
    #[error("envelope could not be decrypted by this device")]
    DecryptionFailed,
    /// Decrypted, but the content is not a message of ours.
    #[error("envelope content is malformed: {detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// The sender is not a paired device.
    #[error("envelope from unknown device {sender}")]
    UnknownSender {
        /// The sender claimed.
        sender: String,
    },
    /// The signature does not verify against the sender's key.
    #[error("envelope signature does not verify for sender {sender}")]
    BadSignature {
        /// The sender claimed.
        sender: String,
    },
    /// The envelope was addressed to another mailbox (re-posted by someone).
    #[error("envelope was addressed to mailbox {addressed_to}, but arrived in {arrived_in}")]
    WrongMailbox {
        /// Mailbox in the signed message.
        addressed_to: String,
        /// Mailbox it was fetched from.
        arrived_in: String,
    },
    /// The envelope was addressed to another recipient key.
    #[error("envelope was addressed to another device")]
    WrongRecipient,
    /// A sequence number already seen from this sender: a replay.
    #[error("envelope {seq} from {sender} was already received (replay)")]
    Replayed {
        /// The sender.
        sender: String,
        /// The repeated sequence number.
        seq: u64,
    },
}

/// Why a check-in was refused. Each variant names the offending item or value
/// so an app can point at the right control.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The check-in names an instrument edition this app does not have.
    #[error("unknown questionnaire {instrument}: update the app, or answer the current one")]
    UnknownInstrument {
        /// The edition asked for.
        instrument: InstrumentRef,
    },
    /// An answer names an item the instrument does not have.
    #[error("\"{item}\" is not a question in {instrument}: remove that answer")]
    UnknownItem {
        /// The instrument answered.
        instrument: InstrumentRef,
        /// The unknown item id.
        item: String,
    },
    /// A rating is outside the item's scale.
    #[error("rating {value} for \"{item}\" is out of range: choose a value from {min} to {max}")]
    RatingOutOfRange {
        /// The item rated.
        item: String,
        /// The rating given.
        value: i64,
        /// Lowest allowed rating.
        min: u8,
        /// Highest allowed rating.
        max: u8,
    },
    /// A required item was not answered.
    #[error("\"{item}\" needs an answer before the check-in can be saved")]
    RequiredItemMissing {
        /// The unanswered item.
        item: String,
    },
    /// The note is longer than the instrument allows.
    #[error("the note is {chars} characters long; shorten it to {max} or fewer")]
    NoteTooLong {
        /// Length of the note given, in characters.
        chars: usize,
        /// Longest note accepted.
        max: usize,
    },
    /// The session date lies in the future.
    #[error("the session date {date} is in the future: pick the day the session took place")]
    SessionDateInFuture {
        /// The date given.
        date: NaiveDate,
    },
    /// A goal rating is outside "how close am I", 0 to 10.
    #[error("rating {value} for a goal is out of range: choose a value from 0 to {max}")]
    GoalRatingOutOfRange {
        /// The goal rated.
        goal: Uuid,
        /// The rating given.
        value: u8,
        /// Highest allowed rating.
        max: u8,
    },
    /// More goals rated than a client can have active.
    #[error("{given} goals are rated; a check-in rates at most {max}, your active goals")]
    TooManyGoalRatings {
        /// How many were rated.
        given: usize,
        /// The most active goals a client may have.
        max: usize,
    },
    /// A rating names a goal that is not one of the client's active goals
    /// (unknown, or archived before this check-in was recorded).
    #[error(
        "the check-in rates goal {goal}, which is not one of your active goals: rate only the \
         goals you are working on now"
    )]
    GoalNotActive {
        /// The goal named.
        goal: Uuid,
    },
    /// The session date is too far in the past to be a real recent session.
    #[error(
        "the session date {date} is more than a year ago: pick the day the session took place \
         (on or after {earliest})"
    )]
    SessionDateTooOld {
        /// The date given.
        date: NaiveDate,
        /// Earliest date accepted today.
        earliest: NaiveDate,
    },
}

impl ValidationError {
    /// The control a refused check-in should point at: the item id, `note`,
    /// `session_date`, `instrument` or `goal_ratings`.
    pub fn field(&self) -> &str {
        match self {
            ValidationError::UnknownInstrument { .. } => "instrument",
            ValidationError::UnknownItem { item, .. }
            | ValidationError::RatingOutOfRange { item, .. }
            | ValidationError::RequiredItemMissing { item } => item,
            ValidationError::NoteTooLong { .. } => "note",
            ValidationError::GoalRatingOutOfRange { .. }
            | ValidationError::TooManyGoalRatings { .. }
            | ValidationError::GoalNotActive { .. } => "goal_ratings",
            ValidationError::SessionDateInFuture { .. }
            | ValidationError::SessionDateTooOld { .. } => "session_date",
        }
    }
}

/// Why a goal could not be set or changed (see `model::goals`). Each
/// variant names the goal or the limit, so an app can point at the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoalError {
    /// Setting one more would make more active goals than the limit.
    #[error(
        "you have {max} active goals already: archive one (it stays, with its ratings) to make \
         room for a new one"
    )]
    TooManyActive {
        /// The most active goals a client may have.
        max: usize,
    },
    /// Nothing but spaces.
    #[error("the goal is empty: write it in a few words of your own")]
    EmptyText,
    /// Longer than a goal is meant to be.
    #[error("the goal is {given} characters long; shorten it to {max} or fewer")]
    TextTooLong {
        /// Longest accepted, in characters (counted as `model::note_length`).
        max: usize,
        /// Length given, in characters.
        given: usize,
    },
    /// An invisible control character (a line break, a tab, an escape
    /// sequence): a goal is one line, and such a character could garble or
    /// disguise what the therapist's screen shows.
    #[error("the goal contains an invisible control character (character {position}): remove it")]
    ControlCharacter {
        /// Where it is, counting characters from 1.
        position: usize,
    },
    /// No goal has this id.
    #[error("no goal has the id {id}: the list of your goals shows each one's id")]
    UnknownGoal {
        /// The id asked for.
        id: Uuid,
    },
    /// The goal was archived: it stays as it was, with its ratings.
    #[error(
        "goal {id} is archived and stays as it was: set a new goal instead (sharing can still be \
         changed)"
    )]
    Archived {
        /// The archived goal.
        id: Uuid,
    },
}

impl GoalError {
    /// A stable name for the refusal, for apps and scripts to act on.
    pub fn code(&self) -> &'static str {
        match self {
            GoalError::TooManyActive { .. } => "too_many_goals",
            GoalError::EmptyText => "goal_empty",
            GoalError::TextTooLong { .. } => "goal_too_long",
            GoalError::ControlCharacter { .. } => "goal_control_character",
            GoalError::UnknownGoal { .. } => "goal_not_found",
            GoalError::Archived { .. } => "goal_archived",
        }
    }
}

/// Why an instrument definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstrumentError {
    /// The file is not valid JSON of the expected shape.
    #[error("the instrument file could not be read: {detail}")]
    Unreadable {
        /// What the parser said.
        detail: String,
    },
    /// The file parses but the definition is incomplete or inconsistent.
    #[error("instrument {id:?} is invalid: {detail}")]
    Invalid {
        /// The instrument's id as written in the file.
        id: String,
        /// What is wrong, in plain words.
        detail: String,
    },
    /// The same id and version was added twice.
    #[error("{instrument} is already installed: publish changed wording as a new version instead")]
    DuplicateEdition {
        /// The edition added twice.
        instrument: InstrumentRef,
    },
}

/// Why the data key could not be unlocked, created or protected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The passphrase does not open this database.
    #[error("wrong passphrase: this database was locked with a different one; try again")]
    WrongPassphrase,
    /// A new database needs a passphrase that is not empty.
    #[error("choose a passphrase: an empty one would leave the database unprotected")]
    EmptyPassphrase,
    /// The key in the platform keystore does not open this database.
    #[error(
        "the key in the device keystore does not open this database; \
         restore the matching keystore entry or use a recovery kit"
    )]
    WrongKey,
    /// The platform keystore has no key for this database.
    #[error(
        "the device keystore has no key named {name:?} for this database \
         (was the app's data restored onto a new device?); use a recovery kit"
    )]
    MissingKey {
        /// Name the key was stored under.
        name: String,
    },
    /// The database was locked with another kind of key than the one offered.
    #[error("this database is locked with {expected}; open it with that instead")]
    KeySourceMismatch {
        /// What the database expects, in words.
        expected: &'static str,
    },
    /// The passphrase-wrapped key would take an unreasonable amount of work to
    /// unlock, which only a tampered file would ask for.
    #[error(
        "the stored key asks for scrypt work factor {required} (limit {limit}); \
         the file may have been tampered with"
    )]
    ExcessiveWork {
        /// Work factor in the file.
        required: u8,
        /// Highest work factor accepted.
        limit: u8,
    },
    /// The platform keystore refused an operation.
    #[error("the device keystore failed: {reason}")]
    SecretStore {
        /// What the keystore said.
        reason: String,
    },
    /// The operating system could not provide random numbers, so no new secret
    /// or nonce can be made safely.
    #[error("the device could not provide random numbers ({detail}); restart it and try again")]
    NoRandomness {
        /// What the OS reported.
        detail: String,
    },
    /// A key written out by hand or in a file is not the hex digits it
    /// should be.
    #[error("the {what} must be {digits} hex digits (0-9, a-f): copy it again, whole")]
    NotHex {
        /// Which key (`signing seed`, `verifying key`).
        what: &'static str,
        /// How many digits it has.
        digits: usize,
    },
    /// The wrapped key is damaged.
    #[error("the stored key is damaged ({detail}); restore from a backup or recovery kit")]
    Damaged {
        /// What is wrong.
        detail: String,
    },
}

/// Why the local database could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not a Rapport database.
    #[error(
        "{path} is not a Rapport database; choose another location, \
         or move that file away if it is not needed"
    )]
    NotARapportDatabase {
        /// The file opened.
        path: String,
    },
    /// The file is a Rapport database but SQLite found it damaged.
    #[error("the database is damaged ({detail}); restore it from a backup or recovery kit")]
    Corrupt {
        /// What SQLite reported.
        detail: String,
    },
    /// The file was written by a newer version of Rapport.
    #[error(
        "this database was written by a newer Rapport (schema {found}, this app reads up to \
         {supported}); update the app. The file has not been changed"
    )]
    NewerDatabase {
        /// Schema version in the file.
        found: i64,
        /// Newest schema version this code knows.
        supported: i64,
    },
    /// A sealed row did not decrypt: it was altered, swapped or damaged.
    #[error(
        "a stored {table} record ({row}) failed its integrity check: it was altered or moved; \
         restore from a backup or re-sync"
    )]
    Tampered {
        /// Table of the record.
        table: &'static str,
        /// Its id.
        row: String,
    },
    /// A sealed row decrypted but its content could not be understood.
    #[error("a stored {table} record ({row}) could not be read: {detail}")]
    UnreadableRecord {
        /// Table of the record.
        table: &'static str,
        /// Its id.
        row: String,
        /// What is wrong.
        detail: String,
    },
    /// No check-in has this id.
    #[error("no check-in with id {id}; it may have been deleted on another device")]
    CheckInNotFound {
        /// The id asked for.
        id: Uuid,
    },
    /// The check-in was deleted and cannot be changed any more.
    #[error("check-in {id} was deleted; record a new one instead")]
    CheckInDeleted {
        /// The id asked for.
        id: Uuid,
    },
    /// The database could not be opened or used for a reason outside Rapport.
    #[error("database error: {detail}")]
    Sqlite {
        /// What SQLite reported.
        detail: String,
        /// SQLite's error code, when there is one.
        code: Option<i32>,
    },
    /// The file system refused.
    #[error("file error for {path}: {detail}")]
    Io {
        /// File concerned.
        path: String,
        /// What the OS reported.
        detail: String,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                detail: e.to_string(),
            },
            code => StoreError::Sqlite {
                detail: e.to_string(),
                code: code.and(e.sqlite_error().map(|s| s.extended_code)),
            },
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(e.into())
    }
}

/// Why the relay could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer: offline, DNS, TLS, a timeout. Nothing was lost; sync again later.
    #[error("the relay could not be reached ({detail}); check the connection and sync again")]
    Unreachable {
        /// What failed.
        detail: String,
    },
    /// The relay answered with an error.
    #[error("the relay refused the request ({status} {code}): {detail}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The relay's error code ([`RelayCode::Unknown`] when it gave none
        /// this version knows).
        code: RelayCode,
        /// The relay's explanation.
        detail: String,
    },
    /// Too many requests; retry after the given time.
    #[error("the relay asks to slow down; sync again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The relay answered something this app does not understand.
    #[error("unexpected answer from the relay ({detail}); sync again later")]
    Protocol {
        /// What was wrong.
        detail: String,
    },
}

/// Why a relay address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayUrlError {
    /// Not a URL at all.
    #[error("{given:?} is not a relay address ({detail}); it looks like https://relay.example.org")]
    NotAUrl {
        /// The text given.
        given: String,
        /// What the parser found.
        detail: String,
    },
    /// A URL without a host, such as `mailto:`.
    #[error("{given:?} names no host; a relay address looks like https://relay.example.org")]
    NoHost {
        /// The text given.
        given: String,
    },
    /// Neither `https` nor `http`.
    #[error("a relay address starts with https://, not {scheme}://")]
    Scheme {
        /// The scheme given.
        scheme: String,
    },
    /// Plain `http` to another machine: anyone on the way could read who
    /// talks to whom and tamper with answers.
    #[error(
        "the relay at {host} must be reached over https; plain http is only for a relay on this \
         machine"
    )]
    PlainHttp {
        /// The host given.
        host: String,
    },
    /// A user name or password in the address.
    #[error("a relay address carries no user name or password; leave them out")]
    Credentials,
    /// A query (`?...`) or fragment (`#...`).
    #[error("a relay address ends at its host or path; leave out any ?... or #...")]
    QueryOrFragment,
}

impl RelayUrlError {
    /// A stable name for the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            RelayUrlError::NotAUrl { .. } => "not_a_url",
            RelayUrlError::NoHost { .. } => "no_host",
            RelayUrlError::Scheme { .. } => "scheme",
            RelayUrlError::PlainHttp { .. } => "plain_http",
            RelayUrlError::Credentials => "credentials",
            RelayUrlError::QueryOrFragment => "query_or_fragment",
        }
    }
}

/// A rule setting that does not exist or a value out of its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleSettingError {
    /// No setting has this name.
    #[error("there is no rule setting called {name:?}")]
    Unknown {
        /// The name given.
        name: String,
    },
    /// The value is not a whole number in range.
    #[error("{name} takes a whole number from {min} to {max}")]
    OutOfRange {
        /// The setting.
        name: String,
        /// Its smallest value.
        min: u64,
        /// Its largest value.
        max: u64,
    },
}
