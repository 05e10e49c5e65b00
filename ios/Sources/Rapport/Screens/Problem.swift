import Foundation

/// A failure as a screen shows it: what kind (so the screen picks the right
/// reaction: retry later, unlock, ask for a new invite, point at a field) and
/// the library's sentence for a person, which already says what to do.
///
/// Screens never show `localizedDescription` of a `RapportError`: it is a
/// debugging dump of every field, not a sentence.
public struct Problem: Equatable, Sendable {
    /// The reactions a screen can offer.
    public enum Kind: Equatable, Sendable {
        /// The relay could not be reached: nothing was lost, try again later.
        case offline
        /// The relay refused (revoked token, full mailbox, ...).
        case refused
        /// The relay asked to slow down.
        case rateLimited
        /// The check-in was refused: point at `field`.
        case invalidCheckIn
        /// The invite cannot be used: ask the therapist for a new one (or,
        /// making one, choose another validity).
        case invalidInvite
        /// The relay address is not one Rapport will use: ask for it again.
        case invalidRelayUrl
        /// A name or label as typed was refused: point at `field`.
        case invalidName
        /// A goal as typed (or a fourth active one) was refused: show the
        /// reason by it (`code` says which).
        case invalidGoal
        /// The passphrase is wrong or the Keychain is locked.
        case locked
        /// Not joined or set up yet, or set up for the other role.
        case notSetUp
        /// The check-in, client or flag no longer exists: refresh and pick again.
        case notFound
        /// Joining needs the current consent text agreed: show it again.
        case consentRequired
        /// The pairing has ended (revoked, or erasing): check-ins stay here.
        case sharingEnded
        /// Anything else: the sentence says what to do.
        case other
    }

    /// What went wrong.
    public var kind: Kind
    /// The library's sentence for a person.
    public var reason: String
    /// The control at fault, for a refused check-in or name (`name`, `label`).
    public var field: String?
    /// The library's code: a refused invite's damage (`expired`, `altered`,
    /// `validity_too_long`, ...), a refused name's (`name_empty`, ...) or a
    /// refused relay address's (`plain_http`, ...).
    public var code: String?
    /// Seconds to wait, when the relay asked to slow down.
    public var retryAfterSecs: UInt64?

    /// The problem a library call failed with.
    public init(_ error: Error) {
        field = nil
        code = nil
        retryAfterSecs = nil
        guard let error = error as? RapportError else {
            kind = .other
            reason = "Something went wrong. Your check-ins are safe; please try again."
            return
        }
        switch error {
        case .Network(let text):
            kind = .offline
            reason = text
        case .RelayRefused(_, let relayCode, let text):
            kind = .refused
            reason = text
            code = relayCode
        case .RateLimited(let secs, let text):
            kind = .rateLimited
            reason = text
            retryAfterSecs = secs
        case .InvalidCheckIn(let badField, let text):
            kind = .invalidCheckIn
            reason = text
            field = badField
        case .InvalidInvite(let damage, let text):
            kind = .invalidInvite
            reason = text
            code = damage
        case .InvalidRelayUrl(let why, let text):
            kind = .invalidRelayUrl
            reason = text
            code = why
        case .InvalidName(let badField, let nameCode, let text):
            kind = .invalidName
            reason = text
            field = badField
            code = nameCode
        case .InvalidGoal(let goalCode, let text):
            kind = .invalidGoal
            reason = text
            code = goalCode
        case .WrongPassphrase(let text), .KeyUnavailable(let text):
            kind = .locked
            reason = text
        case .NotSetUp(let text), .WrongSetup(let text):
            kind = .notSetUp
            reason = text
        case .CheckInNotFound(let text), .NotFound(let text), .GoalNotFound(let text):
            kind = .notFound
            reason = text
        case .ConsentRequired(_, let text):
            kind = .consentRequired
            reason = text
        case .SharingEnded(let text):
            kind = .sharingEnded
            reason = text
        case .Storage(let text), .EnvelopeRefused(_, let text):
            kind = .other
            reason = text
        @unknown default:
            kind = .other
            reason = "Something went wrong. Your check-ins are safe; please try again."
        }
    }
}

/// Runs a blocking library call off the main actor: the library's synchronous
/// calls touch the encrypted database (and fsync), which must not stall drawing.
func offMain<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) { try work() }.value
}
