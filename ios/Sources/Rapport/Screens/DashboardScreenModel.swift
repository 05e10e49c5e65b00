import Foundation

/// The therapist's dashboard: one row per client with a chart of "heard" and
/// "hopeful" over sessions, the trend, reliable changes, and open flags.
///
/// The figures (trend, reliable change, flags) and the order of clients and
/// flags (by need) come from the library's `insights()` and `flags()`, so iOS,
/// Android and the CLI agree; this model keeps that order and only shapes them. Same behaviour as the Android library's
/// `DashboardScreenModel`, which is tested against the real library.
@MainActor
public final class DashboardScreenModel: ObservableObject {
    /// One session on a client's chart.
    public struct Point: Identifiable, Equatable {
        public var id: String { sessionDate }
        /// The session's day, `YYYY-MM-DD`.
        public var sessionDate: String
        public var heard: UInt8?
        public var hopeful: UInt8?
        /// The client asked for support that session (the chart marks it).
        public var supportRequested: Bool
    }

    /// One client.
    public struct ClientRow: Identifiable, Equatable {
        public var id: String { deviceId }
        /// The therapist's label (it never left this device).
        public var label: String
        public var deviceId: String
        public var trend: Trend
        /// One point per session, oldest first.
        public var points: [Point]
        public var latestHeard: UInt8?
        public var latestHopeful: UInt8?
        /// Items whose change since the first session is beyond measurement noise.
        public var reliableChanges: [ItemInsight]
        /// Open flags, by need (the library's order).
        public var flags: [Flag]
        /// The client has paused sharing (no check-in counts as missing meanwhile).
        public var paused: Bool
        /// Check-ins not yet acknowledged.
        public var unseen: UInt32
        /// The goals the client shares, each with its "how close am I"
        /// series by session and the change since it was set (the library's).
        public var goals: [GoalProgress]
        /// The first flag's severity (the library puts the most pressing first), for the badge.
        public var badge: Severity? { flags.first?.severity }
    }

    /// Everything the screen draws.
    public struct State: Equatable {
        public var loading = false
        /// One row per client, by need (the library's order).
        public var clients: [ClientRow] = []
        /// Every open flag, by need (the library's order).
        public var flags: [Flag] = []
        public var problem: Problem?
    }

    @Published public private(set) var state = State()

    private let therapist: TherapistApp
    private let locale: String
    private let http: () -> HttpClient?

    /// - Parameters:
    ///   - locale: the language of the flags' sentences (`de-AT`, ...); the library picks the best match.
    public init(therapist: TherapistApp, locale: String, http: @escaping () -> HttpClient?) {
        self.therapist = therapist
        self.locale = locale
        self.http = http
    }

    /// Syncs when a relay is at hand (new check-ins arrive that way), then reloads.
    public func refresh() async {
        state.loading = true
        state.problem = nil
        var problem: Problem?
        if let relay = http() {
            do {
                _ = try await therapist.sync(http: relay)
            } catch {
                problem = Problem(error)
            }
        }
        await reload(problem)
    }

    /// Marks one flag discussed; it resolves and leaves the open list and the row.
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

    /// Marks every check-in seen and sends the receipts, so clients see "seen
    /// by your therapist" after their next sync.
    public func markAllSeen() async {
        let therapist = therapist
        var problem: Problem?
        do {
            _ = try await offMain { try therapist.acknowledgeAll() }
            if let relay = http() {
                _ = try await therapist.sync(http: relay)
            }
        } catch {
            problem = Problem(error)
        }
        await reload(problem)
    }

    private func reload(_ problem: Problem?) async {
        let therapist = therapist, locale = locale
        do {
            let (insights, open) = try await offMain {
                (try therapist.insights(locale: locale), try therapist.flags(includeResolved: false, locale: locale))
            }
            state.clients = insights.map(Self.row)
            state.flags = open
            state.problem = problem
        } catch {
            state.problem = Problem(error)
        }
        state.loading = false
    }

    private static func row(_ insights: ClientInsights) -> ClientRow {
        let points = insights.sessions.map {
            Point(sessionDate: $0.sessionDate, heard: $0.ratings["heard"], hopeful: $0.ratings["hopeful"], supportRequested: $0.supportRequested)
        }
        return ClientRow(
            label: insights.label,
            deviceId: insights.deviceId,
            trend: insights.trend,
            points: points,
            latestHeard: points.last(where: { $0.heard != nil })?.heard,
            latestHopeful: points.last(where: { $0.hopeful != nil })?.hopeful,
            reliableChanges: insights.items.filter(\.reliable),
            flags: insights.flags,
            paused: insights.pausedSince != nil,
            unseen: insights.unseen,
            goals: insights.goals
        )
    }
}
