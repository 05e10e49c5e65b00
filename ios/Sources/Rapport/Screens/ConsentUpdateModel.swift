import Foundation

/// Asks a client who accepted an earlier consent text to read and accept the
/// current one, once, before their next check-in. Nothing is lost meanwhile:
/// the library keeps every check-in, every waiting change and the pairing; it
/// only refuses new check-ins (`ConsentRequired`) until the text is accepted.
///
/// Open it when the client's home opens: `load` says whether it is needed.
@MainActor
public final class ConsentUpdateModel: ObservableObject {
    /// Everything the screen draws.
    public struct State: Equatable {
        public var loading = true
        /// The current text waits to be accepted: show this screen instead of the check-in.
        public var mustAccept = false
        /// The version the client accepted earlier (when they joined).
        public var acceptedVersion: UInt32?
        public var consentText = ""
        /// Its version, recorded when accepted.
        public var consentVersion: UInt32?
        public var agreed = false
        public var working = false
        public var problem: Problem?
        /// The text shown and agreed, nothing in flight.
        public var canAccept: Bool { mustAccept && consentVersion != nil && agreed && !working }
    }

    @Published public private(set) var state = State()

    private let client: ClientApp
    private let locale: String

    public init(client: ClientApp, locale: String) {
        self.client = client
        self.locale = locale
    }

    /// Reads whether the client must accept the current text, and loads it if so.
    public func load() async {
        let client = client, locale = locale
        do {
            let (status, consent) = try await offMain { () throws -> (ConsentStatus, Consent?) in
                let status = try client.consentStatus()
                return (status, status.mustAccept ? client.consent(locale: locale) : nil)
            }
            state.mustAccept = status.mustAccept
            state.acceptedVersion = status.accepted
            state.consentText = consent?.text ?? ""
            state.consentVersion = consent?.version
            state.problem = nil
        } catch {
            state.problem = Problem(error)
        }
        state.loading = false
    }

    /// The client ticked (or unticked) "I agree".
    public func agree(_ agreed: Bool) { state.agreed = agreed }

    /// Records the acceptance; `mustAccept` turns false and the home opens as usual.
    public func accept() async {
        guard state.canAccept, let version = state.consentVersion else { return }
        state.working = true
        state.problem = nil
        let client = client
        do {
            let status = try await offMain { try client.acceptConsent(version: version) }
            state.mustAccept = status.mustAccept
            state.acceptedVersion = status.accepted
        } catch {
            state.problem = Problem(error)
        }
        state.working = false
        // The text changed again while it was on screen: show the newer one.
        if state.problem?.kind == .consentRequired {
            state.agreed = false
            await load()
        }
    }
}
