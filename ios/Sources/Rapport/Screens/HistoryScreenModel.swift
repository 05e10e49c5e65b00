import Foundation

/// The client's own history: every check-in, newest session first, each
/// marked "seen by your therapist" once the therapist acknowledged that
/// version, plus the switch that pauses sharing. A check-in the therapist
/// replied to carries the reply, shown with the reminder that nobody watches
/// check-ins in real time.
///
/// Refreshing syncs first when a relay is at hand, because that is how "seen"
/// receipts arrive; an unreachable relay still shows the history on the device.
@MainActor
public final class HistoryScreenModel: ObservableObject {
    /// One check-in in the list.
    public struct Row: Identifiable, Equatable {
        public var id: String
        /// The session's day, `YYYY-MM-DD`.
        public var sessionDate: String
        public var heard: UInt8?
        public var hopeful: UInt8?
        public var answers: [String: UInt8]
        /// The note, shown only here on the client's own device.
        public var note: String?
        public var noteShared: Bool
        public var supportRequested: Bool
        /// When the therapist acknowledged this version; `nil` until then.
        public var seenAt: Date?
        public var version: UInt32
        /// The therapist's reply to this check-in, if they wrote one.
        public var reply: String?
        /// The row shows "seen by your therapist".
        public var seen: Bool { seenAt != nil }
    }

    /// Everything the screen draws.
    public struct State: Equatable {
        public var loading = false
        public var rows: [Row] = []
        public var hasMore = false
        public var sharingPaused = false
        /// The therapist ended the pairing: the history stays, nothing more is shared.
        public var endedByTherapist = false
        /// "Rapport is not monitored in real time", in the client's language:
        /// shown under every reply.
        public var notMonitored = ""
        public var problem: Problem?
    }

    @Published public private(set) var state = State()

    private let client: ClientApp
    private let locale: String
    private let http: () -> HttpClient?
    private let pageSize: UInt32
    private var next: HistoryCursor?

    public init(client: ClientApp, locale: String, http: @escaping () -> HttpClient?, pageSize: UInt32 = 50) {
        self.client = client
        self.locale = locale
        self.http = http
        self.pageSize = pageSize
    }

    /// Syncs (to collect "seen" receipts) when it can, then reloads page one.
    public func refresh() async {
        state.loading = true
        state.problem = nil
        var syncProblem: Problem?
        if let relay = http() {
            do {
                _ = try await client.sync(http: relay)
            } catch {
                syncProblem = Problem(error)
            }
        }
        let client = client, pageSize = pageSize, locale = locale
        do {
            let (page, membership, notMonitored) = try await offMain {
                (
                    try client.history(after: nil, limit: pageSize),
                    try client.membership(),
                    crisisResources(locale: locale).notMonitored
                )
            }
            state.notMonitored = notMonitored
            next = page.next
            state.rows = page.checkins.map(Self.row)
            state.hasMore = page.next != nil
            if case .active(let paused) = membership {
                state.sharingPaused = paused
            } else {
                state.sharingPaused = false
            }
            if case .revoked = membership {
                state.endedByTherapist = true
            } else {
                state.endedByTherapist = false
            }
            state.problem = syncProblem
        } catch {
            state.problem = Problem(error)
        }
        state.loading = false
    }

    /// Appends the next page, if there is one.
    public func loadMore() async {
        guard let cursor = next, !state.loading else { return }
        state.loading = true
        let client = client, pageSize = pageSize
        do {
            let page = try await offMain { try client.history(after: cursor, limit: pageSize) }
            next = page.next
            state.rows += page.checkins.map(Self.row)
            state.hasMore = page.next != nil
        } catch {
            state.problem = Problem(error)
        }
        state.loading = false
    }

    /// Pauses or resumes sharing: while paused, check-ins stay on this device.
    /// Resuming sends what was recorded during the pause only when `sendHeld`
    /// (ask first: `client.heldCheckins()`); otherwise it stays here.
    public func setSharingPaused(_ paused: Bool, sendHeld: Bool = false) async {
        let client = client
        do {
            try await offMain {
                if paused {
                    try client.pauseSharing()
                } else {
                    _ = try client.resumeSharing(sendHeld: sendHeld)
                }
            }
        } catch {
            state.problem = Problem(error)
            return
        }
        state.sharingPaused = paused
        if !paused { await refresh() }
    }

    private static func row(_ checkin: CheckIn) -> Row {
        Row(
            id: checkin.id,
            sessionDate: checkin.sessionDate,
            heard: checkin.answers["heard"],
            hopeful: checkin.answers["hopeful"],
            answers: checkin.answers,
            note: checkin.note?.text,
            noteShared: checkin.note?.visibility == .shared,
            supportRequested: checkin.supportRequested,
            seenAt: checkin.seenAt,
            version: checkin.version,
            reply: checkin.reply?.text
        )
    }
}
