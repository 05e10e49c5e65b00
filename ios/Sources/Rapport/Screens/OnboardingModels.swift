import Foundation

/// The client's first screen: paste or scan the therapist's invite, read what
/// will be shared (the consent text, versioned by the library), choose the
/// country whose crisis lines to show (pre-selected from the region, one tap to
/// change), decide about check-ins made while not paired (kept on the phone
/// unless the client chooses to share them), agree, join.
///
/// The invite is checked as it is typed, offline, by the library's strict
/// parser, so a cut-off or expired link is named before anything is sent.
@MainActor
public final class JoinScreenModel: ObservableObject {
    /// Everything the screen draws.
    public struct State: Equatable {
        public var invite = ""
        /// The relay named by a valid invite; `nil` while it is not valid.
        public var relayUrl: String?
        public var consentText = ""
        /// The version of that text, recorded with the pairing.
        public var consentVersion: UInt32?
        public var consentAccepted = false
        /// The countries with checked crisis lines, for the picker.
        public var countries: [CrisisCountry] = []
        /// The country whose crisis lines the client will see (`IE`); `nil`
        /// when the locale names none and none was picked.
        public var crisisCountry: String?
        /// Check-ins made on this device while not paired (how many, which
        /// session dates); `nil` when there are none.
        public var held: HeldCheckIns?
        /// Share `held` with this therapist; `false` (the default) keeps them
        /// on this phone only.
        public var shareHeld = false
        public var joining = false
        public var joined = false
        /// An invite's `code` says which damage (`truncated`, `expired`, ...).
        public var problem: Problem?
        /// A valid invite, the consent read and agreed, nothing in flight.
        public var canJoin: Bool { relayUrl != nil && consentVersion != nil && consentAccepted && !joining && !joined }
    }

    @Published public private(set) var state = State()

    private let client: ClientApp
    private let locale: String
    private let http: HttpClient

    public init(client: ClientApp, locale: String, http: HttpClient = URLSessionHttpClient()) {
        self.client = client
        self.locale = locale
        self.http = http
    }

    /// Loads the consent text in the client's language, the crisis countries
    /// (an earlier choice, else the locale's region, pre-selected) and the
    /// check-ins held on this device that joining could share.
    public func load() async {
        let client = client, locale = locale
        do {
            let (consent, countries, chosen, held) = try await offMain {
                (
                    client.consent(locale: locale),
                    crisisCountries(),
                    try client.crisisCountry() ?? crisisCountryForLocale(locale: locale),
                    try client.heldCheckins()
                )
            }
            state.consentText = consent.text
            state.consentVersion = consent.version
            state.countries = countries
            state.crisisCountry = chosen
            state.held = held.count > 0 ? held : nil
        } catch {
            state.problem = Problem(error)
        }
    }

    /// The client picked the country whose crisis lines they see.
    public func chooseCrisisCountry(_ code: String) { state.crisisCountry = code }

    /// The answer to "share the check-ins made while not paired?"; keeping
    /// them is the default.
    public func shareHeld(_ share: Bool) { state.shareHeld = share }

    /// The invite link as typed or scanned; checked at once.
    public func editInvite(_ text: String) {
        state.invite = text
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            state.relayUrl = nil
            state.problem = nil
            return
        }
        do {
            state.relayUrl = try parseInvite(uri: trimmed, now: Date()).relayUrl
            state.problem = nil
        } catch {
            state.relayUrl = nil
            state.problem = Problem(error)
        }
    }

    /// The client ticked (or unticked) "I agree".
    public func acceptConsent(_ accepted: Bool) { state.consentAccepted = accepted }

    /// Joins the therapist; the check-in screen opens once `joined`.
    public func join() async {
        guard state.canJoin, let version = state.consentVersion else { return }
        state.joining = true
        state.problem = nil
        do {
            _ = try await client.join(http: http,
                                      inviteUri: state.invite.trimmingCharacters(in: .whitespacesAndNewlines),
                                      consentVersion: version,
                                      crisisCountry: state.crisisCountry,
                                      shareHeld: state.held != nil && state.shareHeld)
            state.joined = true
        } catch {
            state.problem = Problem(error)
        }
        state.joining = false
        // The consent text changed since it was shown: show the new one, to be agreed again.
        if state.problem?.kind == .consentRequired {
            state.consentAccepted = false
            await load()
        }
    }
}

/// The therapist's set-up and invite screen: choose the relay and a display
/// name once, then create one single-use invite per client (link and QR code).
///
/// The name and each label are checked by the library as they are typed
/// (empty, too long, a control character), by the rule set-up and invites
/// apply again.
@MainActor
public final class PracticeSetupModel: ObservableObject {
    /// Everything the screen draws.
    public struct State: Equatable {
        public var relayUrl = ""
        public var name = ""
        /// The name as the library accepted it (trimmed); `nil` while refused or empty.
        public var validName: String?
        /// Why the library refuses the name as typed (show it once something is typed).
        public var nameProblem: Problem?
        public var setUp = false
        /// The next client's label (initials, say); it never leaves this device.
        public var label = ""
        /// The label as the library accepted it (trimmed); `nil` while refused or empty.
        public var validLabel: String?
        /// Why the library refuses the label as typed.
        public var labelProblem: Problem?
        /// The invite just created, to show as a link and a QR code.
        public var invite: CreatedInvite?
        public var working = false
        public var problem: Problem?
        public var canSetUp: Bool { !setUp && !working && !relayUrl.trimmingCharacters(in: .whitespaces).isEmpty && validName != nil }
        public var canInvite: Bool { setUp && !working && validLabel != nil }
    }

    @Published public private(set) var state = State()

    private let therapist: TherapistApp
    private let http: HttpClient

    public init(therapist: TherapistApp, http: HttpClient = URLSessionHttpClient()) {
        self.therapist = therapist
        self.http = http
    }

    /// Reads whether this device is already set up.
    public func load() async {
        let therapist = therapist
        do {
            if let account = try await offMain({ try therapist.account() }) {
                state.relayUrl = account.relayUrl
                state.name = account.name
                state.validName = account.name
                state.setUp = true
            }
        } catch {
            state.problem = Problem(error)
        }
    }

    public func editRelayUrl(_ text: String) { state.relayUrl = text; state.problem = nil }
    /// The name clients see, as typed; checked at once.
    public func editName(_ text: String) {
        state.name = text
        do {
            state.validName = try checkTherapistName(name: text)
            state.nameProblem = nil
        } catch {
            state.validName = nil
            state.nameProblem = Problem(error)
        }
    }

    /// The next client's label, as typed; checked at once.
    public func editLabel(_ text: String) {
        state.label = text
        do {
            state.validLabel = try checkClientLabel(label: text)
            state.labelProblem = nil
        } catch {
            state.validLabel = nil
            state.labelProblem = Problem(error)
        }
    }

    /// Sets this device up on the relay.
    public func setUp() async {
        guard state.canSetUp, let name = state.validName else { return }
        state.working = true
        state.problem = nil
        let url = state.relayUrl.trimmingCharacters(in: .whitespaces)
        do {
            _ = try await therapist.setUp(http: http, relayUrl: url, name: name)
            state.setUp = true
        } catch {
            state.problem = Problem(error)
        }
        state.working = false
    }

    /// Creates an invite for the client labelled `label`.
    public func invite() async {
        guard state.canInvite, let label = state.validLabel else { return }
        state.working = true
        state.problem = nil
        do {
            state.invite = try await therapist.inviteClient(http: http,
                                                            label: label,
                                                            validFor: nil)
            state.label = ""
            state.validLabel = nil
            state.labelProblem = nil
        } catch {
            state.problem = Problem(error)
        }
        state.working = false
    }
}
