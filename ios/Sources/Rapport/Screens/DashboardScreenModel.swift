import Foundation

/// The therapist's dashboard: one row per client with a chart of "heard" and
/// "hopeful" over sessions, the trend, reliable changes, and open alerts,
/// most urgent first.
///
/// The figures (trend, reliable change, alert rules) come from the library's
/// `insights()` and `alerts()`, so iOS, Android and the CLI agree; this model
/// only orders and shapes them. Same behaviour as the Android library's
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
        public var openAlerts: [Alert]
        /// Check-ins not yet acknowledged.
        public var unseen: UInt32
        /// The most pressing open alert's severity, for ordering and the badge.
        public var mostSevere: AlertSeverity? { openAlerts.map(\.severity).min(by: { urgencyRank($0) < urgencyRank($1) }) }
    }

    /// Everything the screen draws.
    public struct State: Equatable {
        public var loading = false
        /// Clients with the most severe open alerts first.
        public var clients: [ClientRow] = []
        /// Every open alert, most severe first.
        public var alerts: [Alert] = []
        public var problem: Problem?
    }

    @Published public private(set) var state = State()

    private let therapist: TherapistApp
    private let transport: () -> Transport?

    public init(therapist: TherapistApp, transport: @escaping () -> Transport?) {
        self.therapist = therapist
        self.transport = transport
    }

    /// Syncs when a relay is at hand (new check-ins arrive that way), then reloads.
    public func refresh() async {
        state.loading = true
        state.problem = nil
        var problem: Problem?
        if let relay = transport() {
            do {
                _ = try await therapist.sync(transport: relay)
            } catch {
                problem = Problem(error)
            }
        }
        await reload(problem)
    }

    /// Acknowledges one alert; it leaves the open list and the row's badge.
    public func acknowledge(_ alertId: String) async {
        let therapist = therapist
        var problem: Problem?
        do {
            _ = try await offMain { try therapist.acknowledgeAlert(id: alertId) }
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
            if let relay = transport() {
                _ = try await therapist.sync(transport: relay)
            }
        } catch {
            problem = Problem(error)
        }
        await reload(problem)
    }

    private func reload(_ problem: Problem?) async {
        let therapist = therapist
        do {
            let (insights, open) = try await offMain {
                (try therapist.insights(), try therapist.alerts(includeAcknowledged: false))
            }
            state.clients = insights.map(Self.row).sorted { a, b in
                let ra = a.mostSevere.map(urgencyRank) ?? Int.max, rb = b.mostSevere.map(urgencyRank) ?? Int.max
                return ra != rb ? ra < rb : a.label < b.label
            }
            state.alerts = Self.ordered(open)
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
            openAlerts: ordered(insights.openAlerts),
            unseen: insights.unseen
        )
    }

    /// Most severe first, then by client, then the latest session first.
    static func ordered(_ alerts: [Alert]) -> [Alert] {
        alerts.sorted { a, b in
            if urgencyRank(a.severity) != urgencyRank(b.severity) { return urgencyRank(a.severity) < urgencyRank(b.severity) }
            if a.clientLabel != b.clientLabel { return a.clientLabel < b.clientLabel }
            return (a.sessionDate ?? "") > (b.sessionDate ?? "")
        }
    }
}

/// How pressing a severity is: 0 is the most urgent.
public func urgencyRank(_ severity: AlertSeverity) -> Int {
    switch severity {
    case .urgent: return 0
    case .high: return 1
    case .medium: return 2
    case .low: return 3
    }
}
