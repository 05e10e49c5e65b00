import Foundation

/// The "Today" screen: the library's brief before the day's sessions, one card
/// per client with what came in since the last session, the client's usual
/// range and what lies outside it, the open flags, and a suggested opening line.
///
/// Which clients get a card, their order (by need) and every sentence come
/// from the library's `brief()`; this model only holds them for the screen.
/// Same behaviour as the Android library's `BriefScreenModel`, which is tested
/// against the real library.
@MainActor
public final class BriefScreenModel: ObservableObject {
    /// Everything the screen draws.
    public struct State: Equatable {
        public var loading = false
        /// The day the brief prepares, `YYYY-MM-DD`; empty until loaded.
        public var date = ""
        /// The cards are the clients with a session recorded today (else every active client).
        public var onlyRecordedSessions = false
        /// One card per client, by need (the library's order).
        public var cards: [BriefCard] = []
        public var problem: Problem?
    }

    @Published public private(set) var state = State()

    private let therapist: TherapistApp
    private let locale: String
    private let today: () -> Date

    /// - Parameters:
    ///   - locale: the language of the opening lines (`de-AT`, ...); the library picks the best match.
    ///   - today: the day to prepare, in the device's calendar.
    public init(therapist: TherapistApp, locale: String, today: @escaping () -> Date = Date.init) {
        self.therapist = therapist
        self.locale = locale
        self.today = today
    }

    /// Loads the brief for today.
    public func load() async {
        await reload(nil)
    }

    /// Marks one flag discussed; it leaves its card.
    public func markDiscussed(_ flagId: String) async {
        let therapist = therapist, locale = locale
        var problem: Problem?
        do {
            _ = try await offMain { try therapist.markDiscussed(id: flagId, locale: locale) }
        } catch {
            problem = Problem(error)
        }
        await reload(problem)
    }

    private func reload(_ problem: Problem?) async {
        state.loading = true
        let therapist = therapist, locale = locale
        let date = CheckInScreenModel.sessionDate(today())
        do {
            let brief = try await offMain { try therapist.brief(date: date, label: nil, locale: locale) }
            state.date = brief.date
            state.onlyRecordedSessions = brief.basis == .recordedSessions
            state.cards = brief.cards
            state.problem = problem
        } catch {
            state.problem = Problem(error)
        }
        state.loading = false
    }
}
