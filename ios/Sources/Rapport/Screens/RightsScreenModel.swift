import Foundation

/// The client's rights, each one action behind a confirmation.
public enum RightsAction: Equatable, Sendable {
    /// Everything on this phone, as a JSON file the client shares where they choose.
    case export
    /// New check-ins stay on this phone; the therapist learns only that sharing is paused.
    case pause
    /// Share again, after answering whether what was held back goes too.
    case resume
    /// End the pairing: nothing more is sent; the therapist keeps what they received.
    case leave
    /// Delete everything on this phone, and ask the therapist's device to delete what it received.
    case erase
}

/// A file for the client to save or share (the share sheet, or `fileExporter`).
public struct ExportFile: Equatable, Sendable {
    /// The suggested file name.
    public var fileName: String
    /// Its MIME type.
    public var mimeType: String
    /// The contents: plaintext, every check-in and private note included.
    public var text: String
}

/// What an erase will and will not reach now, for its confirmation (the facts
/// of the consent text's "Erase everything"). It always deletes everything on
/// this phone; it cannot reach what the therapist copied out of Rapport.
public struct EraseReach: Equatable, Sendable {
    /// The check-ins on this phone it deletes (with goals and settings).
    public var checkinsOnPhone: Int
    /// A therapist is paired: their device is asked to delete everything it
    /// received from this client at its next sync, and the relay to drop what
    /// waits for this phone. `false` after leaving: an erase then reaches no
    /// therapist at all.
    public var reachesTherapist: Bool
}

/// The client's "Your data" screen: export, pause, resume, leave, erase, and
/// the crisis country. Each action is two steps: `ask` opens its confirmation
/// (for `.resume`, with what was held back during the pause), `confirm` does
/// it, `cancel` closes the confirmation doing nothing. Mirrors the Android
/// library's `RightsScreenModel`.
@MainActor
public final class RightsScreenModel: ObservableObject {
    /// Everything the screen draws.
    public struct State: Equatable {
        public var loading = true
        /// Where the pairing stands; `nil` until loaded.
        public var membership: Membership?
        public var checkinsOnPhone = 0
        /// The countries with checked crisis lines, for the picker.
        public var countries: [CrisisCountry] = []
        /// The country whose crisis lines are shown: the client's choice, else the locale's region.
        public var crisisCountry: String?
        /// `crisisCountry` was chosen by the client (not taken from the locale).
        public var crisisCountryChosen = false
        /// The action whose confirmation is open.
        public var confirming: RightsAction?
        /// For the resume question: what was held back (count and session dates).
        public var held: HeldCheckIns?
        public var working = false
        /// The action just done, to say so.
        public var done: RightsAction?
        /// The export to share, once made.
        public var export: ExportFile?
        /// What went wrong last (for a done action: what waits, such as an offline sync).
        public var problem: Problem?

        /// Sharing is paused.
        public var paused: Bool {
            if case .active(let paused) = membership { return paused }
            return false
        }

        /// What an erase would reach now.
        public var eraseReach: EraseReach {
            let paired: Bool
            switch membership {
            case .active, .erasing: paired = true
            default: paired = false
            }
            return EraseReach(checkinsOnPhone: checkinsOnPhone, reachesTherapist: paired)
        }

        /// Whether `action` applies now.
        public func canDo(_ action: RightsAction) -> Bool {
            guard let membership, !working else { return false }
            switch (action, membership) {
            case (.export, _): return true
            case (.pause, .active(let paused)): return !paused
            case (.resume, .active(let paused)): return paused
            case (.leave, .active), (.leave, .revoked): return true
            case (.erase, .erasing): return false
            case (.erase, _): return true
            default: return false
            }
        }
    }

    @Published public private(set) var state = State()

    private let client: ClientApp
    private let locale: String
    private let http: () -> HttpClient?
    private let today: () -> Date

    public init(client: ClientApp, locale: String, http: @escaping () -> HttpClient?, today: @escaping () -> Date = Date.init) {
        self.client = client
        self.locale = locale
        self.http = http
        self.today = today
    }

    /// Reads the pairing, what is on this phone and the crisis country.
    public func load() async {
        let client = client, locale = locale
        do {
            let (membership, count, countries, chosen, regional) = try await offMain {
                (
                    try client.membership(),
                    try Self.countCheckins(client),
                    crisisCountries(),
                    try client.crisisCountry(),
                    crisisCountryForLocale(locale: locale)
                )
            }
            state.membership = membership
            state.checkinsOnPhone = count
            state.countries = countries
            state.crisisCountry = chosen ?? regional
            state.crisisCountryChosen = chosen != nil
        } catch {
            state.problem = Problem(error)
        }
        state.loading = false
    }

    private nonisolated static func countCheckins(_ client: ClientApp) throws -> Int {
        var count = 0
        var page = try client.history(after: nil, limit: 1000)
        while true {
            count += page.checkins.count
            guard let next = page.next else { return count }
            page = try client.history(after: next, limit: 1000)
        }
    }

    /// Opens `action`'s confirmation, if it applies now. Resuming first reads
    /// what was held back, so the question can say how much.
    public func ask(_ action: RightsAction) async {
        guard state.canDo(action) else { return }
        var held: HeldCheckIns?
        if action == .resume {
            let client = client
            do {
                held = try await offMain { try client.heldCheckins() }
            } catch {
                state.problem = Problem(error)
                return
            }
        }
        state.confirming = action
        state.held = held
        state.done = nil
        state.problem = nil
    }

    /// Closes the confirmation; nothing is done.
    public func cancel() {
        state.confirming = nil
        state.held = nil
    }

    /// Does the confirmed action. `sendHeld` answers the resume question:
    /// `true` sends what was held back during the pause, `false` (the
    /// default) keeps it on this phone, never sent to this therapist.
    public func confirm(sendHeld: Bool = false) async {
        guard let action = state.confirming, !state.working else { return }
        state.working = true
        state.problem = nil
        let client = client, relay = http()
        do {
            var waiting: Problem?
            switch action {
            case .export:
                let json = try await offMain { try client.exportJson() }
                state.export = ExportFile(fileName: "rapport-export-\(Self.day(today())).json", mimeType: "application/json", text: json)
            case .pause:
                try await offMain { try client.pauseSharing() }
                waiting = await syncProblem(relay)
            case .resume:
                _ = try await offMain { try client.resumeSharing(sendHeld: sendHeld) }
                waiting = await syncProblem(relay)
            case .leave:
                // Leaving tells the therapist through the relay first: unreachable, the
                // library's own error says so, and the leave waits to be tried again (the
                // library sends nothing new to the therapist meanwhile).
                try await client.leaveTherapist(http: relay ?? NoRelay())
            case .erase:
                let wiped = try await offMain { try client.eraseEverything() }
                // Paired: the next sync delivers the erase, then wipes this phone.
                if !wiped { waiting = await syncProblem(relay) }
            }
            state.confirming = nil
            state.held = nil
            state.done = action
            state.problem = waiting
            state.working = false
            await load()
        } catch {
            // Refused or failed: the confirmation stays open to try again.
            state.problem = Problem(error)
            state.working = false
        }
    }

    /// Erasing waits for the relay (the therapist must be told first): tries
    /// the sync that finishes it again.
    public func finishErase() async {
        guard state.membership == .erasing else { return }
        state.working = true
        state.problem = await syncProblem(http())
        state.working = false
        await load()
    }

    /// The export was shared or saved (or the client cancelled): forget its text.
    public func exportHandled() { state.export = nil }

    /// Changes the country whose crisis lines the client sees; takes effect at once.
    public func chooseCrisisCountry(_ code: String) async {
        let client = client
        do {
            let kept = try await offMain { try client.setCrisisCountry(country: code) }
            state.crisisCountry = kept
            state.crisisCountryChosen = kept != nil
            state.problem = nil
        } catch {
            state.problem = Problem(error)
        }
    }

    private func syncProblem(_ relay: HttpClient?) async -> Problem? {
        guard let relay else { return nil }
        do {
            _ = try await client.sync(http: relay)
            return nil
        } catch {
            return Problem(error)
        }
    }

    private static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}

/// No relay at hand (not joined): a call that needs one fails with the
/// library's "offline" error.
private final class NoRelay: HttpClient, @unchecked Sendable {
    func send(request: HttpRequest) throws -> HttpResponse {
        throw HttpError.Unreachable(reason: "no relay at hand")
    }
}
