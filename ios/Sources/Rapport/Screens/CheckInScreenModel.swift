import Foundation

/// The client's check-in screen: one tap per required item, an optional note,
/// a send button, and the "I need support now" button that opens the crisis
/// resources at once, offline.
///
/// Sending records the check-in on the device first (so it is never lost) and
/// then tries to sync; an unreachable relay only means "saved, will be sent".
/// When the library says the answers call for it (very low hope, or support
/// asked for) the crisis sheet opens. Same behaviour as the Android library's
/// `CheckInScreenModel`, which is tested against the real library.
///
/// The form and when send may be on are the library's: the form comes from
/// `checkinForm(locale:)`, and every tap and keystroke asks `checkinProgress`
/// what is missing and how long the note is, so this model keeps only what
/// is on screen.
@MainActor
public final class CheckInScreenModel: ObservableObject {
    /// One point of a rating scale.
    public struct Option: Identifiable, Equatable {
        public var id: UInt8 { value }
        public var value: UInt8
        public var label: String
    }

    /// One rated statement.
    public struct Item: Identifiable, Equatable {
        public var id: String
        public var prompt: String
        public var required: Bool
        public var options: [Option]
        public var selected: UInt8?
    }

    /// One active goal, rated with one tap on `State.goalScale` ("how close
    /// am I"); rating it is optional.
    public struct GoalRow: Identifiable, Equatable {
        public var id: String
        public var text: String
        public var selected: UInt8?
    }

    /// What became of the last send.
    public enum Delivery: Equatable {
        /// It reached the relay; the therapist gets it on their next sync.
        case sent
        /// Sharing is paused: it stays on this device until sharing resumes.
        case paused
        /// Saved on this device, to be sent later; the problem says why not now.
        case saved(Problem?)
    }

    /// Everything the screen draws.
    public struct State: Equatable {
        public var loading = true
        public var title = ""
        public var items: [Item] = []
        /// The client's active goals, each with an optional rating.
        public var goals: [GoalRow] = []
        /// The points of "how close am I", 0 to the library's top, lowest first.
        public var goalScale: [UInt8] = []
        public var notePrompt = ""
        public var note = ""
        /// The note goes to the therapist; private by default.
        public var noteShared = false
        /// Longest note accepted, as the library counts (`noteLength`).
        public var noteMaxChars = 0
        /// What the library says the form still needs; `nil` until loaded.
        public var progress: FormProgress?
        /// This check-in tells the therapist the client asked for support.
        public var supportRequested = false
        /// "Not monitored in real time", in the client's language; always shown.
        public var notMonitored = ""
        public var sending = false
        public var problem: Problem?
        public var recorded: CheckIn?
        public var delivery: Delivery?
        /// The crisis sheet while it is open.
        public var crisis: CrisisSheet?

        /// The answers tapped so far, by item id.
        public var answers: [String: UInt8] {
            var answers: [String: UInt8] = [:]
            for item in items {
                if let value = item.selected { answers[item.id] = value }
            }
            return answers
        }
        /// Characters in the note as the library counts them.
        public var noteLength: Int { Int(progress?.noteLength ?? 0) }
        /// The note is over the limit; send stays off and the field says why.
        public var noteTooLong: Bool { progress?.noteTooLong ?? false }
        /// Required items still unanswered, for the hint under the send button.
        public var missing: [Item] {
            let ids = progress?.missing ?? []
            return items.filter { ids.contains($0.id) }
        }
        /// The library says nothing is missing and the note fits; nothing in flight.
        public var canSend: Bool {
            !loading && !sending && !items.isEmpty && progress?.ready == true
        }
    }

    @Published public private(set) var state = State()

    private let client: ClientApp
    private let locale: String
    private let http: () -> HttpClient?
    private let today: () -> Date
    private var form: CheckInForm?

    /// - Parameters:
    ///   - http: the app's HTTP client once the client has joined; `nil` while there
    ///     is none (then check-ins wait on the device).
    ///   - today: the session day, in the device's calendar.
    public init(client: ClientApp, locale: String, http: @escaping () -> HttpClient?, today: @escaping () -> Date = Date.init) {
        self.client = client
        self.locale = locale
        self.http = http
        self.today = today
    }

    /// Loads the form in the client's language, the notice and the active goals.
    public func load() async {
        let client = client, locale = locale
        do {
            let (checkinForm, resources, goals) = try await offMain {
                (try client.checkinForm(locale: locale), crisisResources(locale: locale), try client.activeGoals())
            }
            form = checkinForm
            state.loading = false
            state.title = checkinForm.title
            state.items = checkinForm.items.map { item in
                Item(id: item.id, prompt: item.prompt, required: item.required,
                     options: item.scale.map { Option(value: $0.value, label: $0.label) }, selected: nil)
            }
            state.goals = goalRows(goals)
            state.goalScale = Array(0...goalLimits().ratingMax)
            state.notePrompt = checkinForm.notePrompt
            state.noteMaxChars = Int(checkinForm.noteMaxChars)
            state.notMonitored = resources.notMonitored
            state.problem = nil
            updateProgress()
        } catch {
            state.loading = false
            state.problem = Problem(error)
        }
    }

    /// Asks the library what the form still needs, after every change.
    private func updateProgress() {
        guard let form else {
            state.progress = nil
            return
        }
        state.progress = checkinProgress(form: form, answers: state.answers, note: state.note)
    }

    /// The client tapped `value` on `itemId`; tapping the chosen value clears it.
    public func rate(_ itemId: String, _ value: UInt8) {
        guard let index = state.items.firstIndex(where: { $0.id == itemId }) else { return }
        state.items[index].selected = state.items[index].selected == value ? nil : value
        if state.problem?.field == itemId { state.problem = nil }
        state.delivery = nil
        updateProgress()
    }

    /// Reads the active goals again (the client may have set, reworded or
    /// archived one on the goals screen since): call it when the screen shows
    /// again. Ratings already tapped stay on the goals still active.
    public func reloadGoals() async {
        let client = client
        do {
            let goals = try await offMain { try client.activeGoals() }
            state.goals = goalRows(goals)
        } catch {
            state.problem = Problem(error)
        }
    }

    private func goalRows(_ goals: [Goal]) -> [GoalRow] {
        goals.map { goal in
            GoalRow(id: goal.id, text: goal.text, selected: state.goals.first(where: { $0.id == goal.id })?.selected)
        }
    }

    /// The client tapped `value` (one of `State.goalScale`) on goal `goalId`;
    /// tapping the chosen value clears it. Rating a goal is optional.
    public func rateGoal(_ goalId: String, _ value: UInt8) {
        guard let index = state.goals.firstIndex(where: { $0.id == goalId }) else { return }
        state.goals[index].selected = state.goals[index].selected == value ? nil : value
        if state.problem?.field == "goal_ratings" { state.problem = nil }
        state.delivery = nil
    }

    /// The note as typed so far.
    public func editNote(_ text: String) {
        state.note = text
        if state.problem?.field == "note" { state.problem = nil }
        state.delivery = nil
        updateProgress()
    }

    /// Whether the note goes to the therapist.
    public func shareNote(_ shared: Bool) { state.noteShared = shared }

    /// Whether this check-in tells the therapist the client asked for support.
    public func requestSupport(_ requested: Bool) { state.supportRequested = requested }

    /// "I need support now": opens the resources straight away from the bundled
    /// data (no network), for the crisis country the client chose (else the
    /// locale's region), and marks the check-in being written, so the therapist
    /// sees the request when it is sent. Nobody is alerted in real time, which
    /// the sheet says.
    public func needSupportNow() {
        state.supportRequested = true
        // The sheet opens whatever happens: if the chosen country cannot be read, the locale's lines.
        let resources = (try? client.crisisResources(locale: locale)) ?? crisisResources(locale: locale)
        state.crisis = CrisisSheet(resources, reason: nil)
    }

    /// Closes the crisis sheet.
    public func dismissCrisis() { state.crisis = nil }

    /// Records the check-in, then tries to send it; does nothing unless `canSend`.
    public func send() async {
        guard let checkinForm = form, state.canSend else { return }
        let before = state
        state.sending = true
        state.problem = nil
        state.delivery = nil
        // Sent as typed: the library trims it and drops a blank one.
        let note = before.note.isEmpty ? nil : Note(text: before.note, visibility: before.noteShared ? .shared : .private)
        let draft = CheckInDraft(
            instrument: checkinForm.instrument,
            sessionDate: Self.sessionDate(today()),
            answers: before.answers,
            note: note,
            supportRequested: before.supportRequested,
            goalRatings: before.goals.compactMap { goal in
                goal.selected.map { GoalRating(goalId: goal.id, rating: $0) }
            }
        )
        let client = client, locale = locale
        let outcome: RecordOutcome
        do {
            outcome = try await offMain { try client.recordCheckin(draft: draft, locale: locale) }
        } catch {
            state.sending = false
            state.problem = Problem(error)
            return
        }
        for index in state.items.indices { state.items[index].selected = nil }
        for index in state.goals.indices { state.goals[index].selected = nil }
        state.note = ""
        state.noteShared = false
        state.supportRequested = false
        updateProgress()
        state.recorded = outcome.checkin
        if let safety = outcome.safety {
            state.crisis = CrisisSheet(safety.resources, reason: safety.reason)
        }
        state.delivery = await deliver()
        state.sending = false
    }

    /// Tries to sync; a failure leaves the check-in safely in the outbox.
    private func deliver() async -> Delivery {
        guard let relay = http() else { return .saved(nil) }
        do {
            // While sharing is paused the sync sends nothing and says so.
            let report = try await client.sync(http: relay)
            return report.paused ? .paused : .sent
        } catch {
            return .saved(Problem(error))
        }
    }

    /// A session date as the library wants it: `YYYY-MM-DD` in the device's
    /// own calendar and time zone (a day, not an instant).
    static func sessionDate(_ date: Date) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: .current, from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }
}
