import Foundation

/// The client's goals: the active ones (at most three) to reword, share or
/// keep private, and archive, and a field to set a new one, shared or
/// private, alone or together in a session. The rules (how many, how long)
/// are the library's: a goal it refuses comes back as a `Problem` with the
/// library's own words (for a fourth goal, "archive one first"), and nothing
/// changes.
@MainActor
public final class GoalsScreenModel: ObservableObject {
    /// Everything the screen draws.
    public struct State: Equatable {
        /// The first load is in progress.
        public var loading = true
        /// The goals the client works on now, in the order they were set.
        public var active: [Goal] = []
        /// Archived goals, most recently archived first.
        public var archived: [Goal] = []
        /// The new goal's words, as typed.
        public var draft = ""
        /// The new goal goes to the therapist.
        public var draftShared = true
        /// The new goal was set together in a session.
        public var draftInSession = false
        /// The most goals active at once (the library's), for the screen's words.
        public var maxActive = 0
        /// The longest goal accepted (the library's), for the field's hint.
        public var maxChars = 0
        /// What the library refused, in its own words.
        public var problem: Problem?
    }

    @Published public private(set) var state = State()

    private let client: ClientApp

    public init(client: ClientApp) {
        self.client = client
    }

    /// Reloads the goals from the device.
    public func load() async {
        let client = client
        do {
            let goals = try await offMain { try client.goals() }
            state.active = goals.filter { $0.archivedAt == nil }
            state.archived = goals.filter { $0.archivedAt != nil }
            let limits = goalLimits()
            state.maxActive = Int(limits.maxActive)
            state.maxChars = Int(limits.maxChars)
        } catch {
            state.problem = Problem(error)
        }
        state.loading = false
    }

    /// The new goal's words, as typed.
    public func editDraft(_ text: String) {
        state.draft = text
        state.problem = nil
    }

    /// Whether the new goal goes to the therapist.
    public func setDraftShared(_ shared: Bool) {
        state.draftShared = shared
    }

    /// Whether the new goal was set together in a session.
    public func setDraftInSession(_ inSession: Bool) {
        state.draftInSession = inSession
    }

    /// Sets the drafted goal; on success the draft is cleared.
    public func add() async {
        let client = client, text = state.draft, shared = state.draftShared, inSession = state.draftInSession
        if await change({ try client.addGoal(text: text, shared: shared, setInSession: inSession) }) {
            state.draft = ""
            state.draftShared = true
            state.draftInSession = false
        }
    }

    /// Rewords a goal; the earlier wording is kept by the library. True when
    /// it was saved (the screen closes its editor then).
    @discardableResult
    public func reword(id: String, text: String) async -> Bool {
        let client = client
        return await change { try client.editGoal(id: id, text: text) }
    }

    /// Shares a goal with the therapist, or keeps it on this device from now on.
    public func setShared(id: String, shared: Bool) async {
        let client = client
        _ = await change { try client.setGoalShared(id: id, shared: shared) }
    }

    /// Archives a goal: it stays, read-only, and frees its place.
    public func archive(id: String) async {
        let client = client
        _ = await change { try client.archiveGoal(id: id) }
    }

    /// Runs one change; on a refusal shows it and changes nothing, else
    /// reloads. True when it was made.
    private func change(_ call: @escaping @Sendable () throws -> Goal) async -> Bool {
        do {
            _ = try await offMain(call)
        } catch {
            state.problem = Problem(error)
            return false
        }
        state.problem = nil
        await load()
        return true
    }
}
