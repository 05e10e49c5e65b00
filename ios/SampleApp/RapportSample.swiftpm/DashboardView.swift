import Charts
import Rapport
import SwiftUI

/// The therapist's dashboard: open flags, then one row per client, both in the
/// library's order (by need; nothing here re-sorts them); a client's page has
/// the chart of heard and hopeful over sessions.
struct DashboardView: View {
    @StateObject var model: DashboardScreenModel

    var body: some View {
        NavigationStack {
            List {
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                if !model.state.flags.isEmpty {
                    Section("Open flags") {
                        ForEach(model.state.flags, id: \.id) { flag in
                            FlagRowView(flag: flag) {
                                Task { await model.markDiscussed(flag.id) }
                            }
                        }
                    }
                }
                Section("Clients") {
                    ForEach(model.state.clients) { client in
                        NavigationLink {
                            ClientDetailView(client: client, model: model)
                        } label: {
                            ClientRowView(client: client)
                        }
                        .frame(minHeight: 44)
                        .accessibilityHint("Shows the chart of this client's sessions and their flags.")
                    }
                    if model.state.clients.isEmpty && !model.state.loading {
                        Text("No clients yet. Create an invite to pair the first one.")
                            .foregroundStyle(.secondary)
                    }
                }
                Section {
                    Button("Mark all check-ins seen") {
                        Task { await model.markAllSeen() }
                    }
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .accessibilityHint("Clients see \"seen by your therapist\" after their next sync.")
                }
            }
            .refreshable { await model.refresh() }
            .navigationTitle("Clients")
            .toolbar {
                ToolbarItem(placement: .primaryAction) {
                    Button {
                        Task { await model.refresh() }
                    } label: {
                        Image(systemName: "arrow.clockwise")
                            .frame(minWidth: 44, minHeight: 44)
                    }
                    .accessibilityLabel("Sync")
                    .accessibilityHint("Fetches new check-ins and refreshes the dashboard.")
                }
            }
        }
        .task { await model.refresh() }
    }
}

/// One client in the list: label, trend, latest ratings, unseen count, badge.
struct ClientRowView: View {
    let client: DashboardScreenModel.ClientRow

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(client.label).font(.headline)
                Spacer()
                if client.paused {
                    Text("Paused").font(.caption).foregroundStyle(.secondary)
                }
                if let severity = client.badge {
                    SeverityBadge(severity: severity)
                }
            }
            Text([
                trendText(client.trend),
                client.latestHeard.map { "Heard \($0)/5" },
                client.latestHopeful.map { "Hopeful \($0)/5" },
                client.unseen > 0 ? "\(client.unseen) unseen" : nil,
            ].compactMap { $0 }.joined(separator: " · "))
            .font(.subheadline)
            .foregroundStyle(.secondary)
        }
        .accessibilityElement(children: .combine)
    }
}

/// A client's page: the chart, the reliable changes, their open flags and the
/// goals they share.
struct ClientDetailView: View {
    let client: DashboardScreenModel.ClientRow
    @ObservedObject var model: DashboardScreenModel

    var body: some View {
        List {
            Section("Heard and hopeful, by session") {
                if client.points.isEmpty {
                    Text("No check-ins yet.").foregroundStyle(.secondary)
                } else {
                    RatingsChart(points: client.points, trend: trendText(client.trend))
                        .frame(height: 220)
                }
                Text(trendText(client.trend)).font(.headline)
            }
            if !client.reliableChanges.isEmpty {
                Section("Reliable changes since the first session") {
                    ForEach(client.reliableChanges, id: \.item) { change in
                        Text("\(change.item): \(change.first) → \(change.latest) (RCI \(change.rci, specifier: "%.1f"))")
                    }
                }
            }
            if !client.flags.isEmpty {
                Section("Open flags") {
                    ForEach(client.flags, id: \.id) { flag in
                        FlagRowView(flag: flag) {
                            Task { await model.markDiscussed(flag.id) }
                        }
                    }
                }
            }
            if !client.goals.isEmpty {
                Section(GoalText.clientGoals) {
                    ForEach(client.goals, id: \.goalId) { goal in
                        GoalProgressView(goal: goal, top: Int(goalLimits().ratingMax))
                    }
                }
            }
        }
        .navigationTitle(client.label)
    }
}

/// One shared goal in the client's words, its latest "how close am I" and the
/// change since it was set (the library's figures), and its ratings by session.
struct GoalProgressView: View {
    let goal: GoalProgress
    let top: Int

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(goal.archivedAt == nil ? goal.text : GoalText.archived(goal.text))
                .font(.headline)
            Text(summary)
                .font(.subheadline)
                .foregroundStyle(.secondary)
            if goal.series.count > 1 {
                Chart {
                    ForEach(goal.series, id: \.recordId) { point in
                        LineMark(x: .value(GoalText.session, SessionDay.text(point.sessionDate)), y: .value(GoalText.howClose, Int(point.rating)))
                            .symbol(.circle)
                            .accessibilityLabel(SessionDay.text(point.sessionDate))
                            .accessibilityValue(GoalText.ratingLabel(Int(point.rating), of: top))
                    }
                }
                .chartYScale(domain: 0...top)
                .frame(height: 120)
                .accessibilityLabel(GoalText.chartLabel(goal.text, sessions: goal.series.count))
            }
        }
        .padding(.vertical, 4)
    }

    private var summary: String {
        guard let latest = goal.latest else { return GoalText.notRatedYet }
        guard let change = goal.changeSinceSet else { return GoalText.latest(Int(latest), of: top) }
        return GoalText.latest(Int(latest), of: top, change: Int(change))
    }
}

/// Heard and hopeful over sessions (1 to 5), with a mark where the client asked
/// for support. Swift Charts reads each point to VoiceOver (its audio graph
/// too); the summary label says what the chart shows as a whole.
struct RatingsChart: View {
    let points: [DashboardScreenModel.Point]
    let trend: String

    var body: some View {
        Chart {
            ForEach(points) { point in
                if let heard = point.heard {
                    LineMark(x: .value("Session", SessionDay.text(point.sessionDate)), y: .value("Rating", Int(heard)))
                        .foregroundStyle(by: .value("Statement", "Heard"))
                        .symbol(by: .value("Statement", "Heard"))
                        .accessibilityLabel(SessionDay.text(point.sessionDate))
                        .accessibilityValue("Heard \(heard) of 5")
                }
                if let hopeful = point.hopeful {
                    LineMark(x: .value("Session", SessionDay.text(point.sessionDate)), y: .value("Rating", Int(hopeful)))
                        .foregroundStyle(by: .value("Statement", "Hopeful"))
                        .symbol(by: .value("Statement", "Hopeful"))
                        .accessibilityLabel(SessionDay.text(point.sessionDate))
                        .accessibilityValue("Hopeful \(hopeful) of 5")
                }
                if point.supportRequested {
                    PointMark(x: .value("Session", SessionDay.text(point.sessionDate)), y: .value("Rating", 5))
                        .symbol(.triangle)
                        .foregroundStyle(.red)
                        .accessibilityLabel(SessionDay.text(point.sessionDate))
                        .accessibilityValue("The client asked for support")
                }
            }
        }
        .chartYScale(domain: 1...5)
        .chartYAxis { AxisMarks(values: [1, 2, 3, 4, 5]) }
        .accessibilityLabel("Chart of \(points.count) sessions, \(trend)")
    }
}

/// One flag: severity, client, the library's headline, its reasons, and
/// "Mark discussed".
struct FlagRowView: View {
    let flag: Flag
    let onMarkDiscussed: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            HStack {
                SeverityBadge(severity: flag.severity)
                Text(flag.clientLabel).font(.headline)
                Text(SessionDay.text(flag.updatedOn)).font(.caption).foregroundStyle(.secondary)
            }
            Text(flag.headline)
            ForEach(flag.reasons, id: \.id) { reason in
                Text("• " + reason.text + (reason.sessionDate.map { " (" + SessionDay.text($0) + ")" } ?? ""))
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
            Button("Mark discussed", action: onMarkDiscussed)
                .buttonStyle(.bordered)
                .frame(minHeight: 44)
                .accessibilityLabel("Mark the flag for \(flag.clientLabel) discussed")
                .accessibilityHint(flag.headline)
        }
        .padding(.vertical, 4)
    }
}

/// A severity as a coloured word (never colour alone).
struct SeverityBadge: View {
    let severity: Severity

    var body: some View {
        let (text, color): (String, Color) = {
            switch severity {
            case .urgent: return ("Urgent", .red)
            case .high: return ("High", .orange)
            case .medium: return ("Medium", .yellow)
            case .low: return ("Low", .gray)
            }
        }()
        Text(text)
            .font(.caption.bold())
            .padding(.horizontal, 8)
            .padding(.vertical, 2)
            .background(color.opacity(0.2), in: Capsule())
            .accessibilityLabel("Severity \(text)")
    }
}

/// The library's trend as a word.
func trendText(_ trend: Trend) -> String {
    switch trend {
    case .improving: return "Improving"
    case .steady: return "Steady"
    case .worsening: return "Worsening"
    case .notEnoughData: return "Not enough data yet"
    }
}
