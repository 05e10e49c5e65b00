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
                    Section(Localized.text("open_flags")) {
                        ForEach(model.state.flags, id: \.id) { flag in
                            FlagRowView(flag: flag) {
                                Task { await model.markDiscussed(flag.id) }
                            }
                        }
                    }
                }
                Section(Localized.text("tab_clients")) {
                    ForEach(model.state.clients) { client in
                        NavigationLink {
                            ClientDetailView(client: client, model: model)
                        } label: {
                            ClientRowView(client: client)
                        }
                        .frame(minHeight: 44)
                        .accessibilityHint(Localized.text("client_row_hint"))
                    }
                    if model.state.clients.isEmpty && !model.state.loading {
                        Text(Localized.text("no_clients"))
                            .foregroundStyle(.secondary)
                    }
                }
                Section {
                    Button(Localized.text("mark_all_seen")) {
                        Task { await model.markAllSeen() }
                    }
                    .frame(maxWidth: .infinity, minHeight: 44)
                    .accessibilityHint(Localized.text("mark_all_seen_hint"))
                }
            }
            .refreshable { await model.refresh() }
            .navigationTitle(Localized.text("tab_clients"))
            .toolbar {
                ToolbarItem(placement: .primaryAction) {
                    Button {
                        Task { await model.refresh() }
                    } label: {
                        Image(systemName: "arrow.clockwise")
                            .frame(minWidth: 44, minHeight: 44)
                    }
                    .accessibilityLabel(Localized.text("sync_short"))
                    .accessibilityHint(Localized.text("sync_hint"))
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
                    Text(Localized.text("paused")).font(.caption).foregroundStyle(.secondary)
                }
                if let severity = client.badge {
                    SeverityBadge(severity: severity)
                }
            }
            Text([
                trendText(client.trend),
                client.latestHeard.map { Localized.format("heard_value", Int($0)) },
                client.latestHopeful.map { Localized.format("hopeful_value", Int($0)) },
                client.unseen > 0 ? Localized.format("unseen_count", Int(client.unseen)) : nil,
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
            Section(Localized.text("chart_section")) {
                if client.points.isEmpty {
                    Text(Localized.text("no_checkins_yet")).foregroundStyle(.secondary)
                } else {
                    RatingsChart(points: client.points, trend: trendText(client.trend))
                        .frame(height: 220)
                }
                Text(trendText(client.trend)).font(.headline)
            }
            if !client.reliableChanges.isEmpty {
                Section(Localized.text("reliable_changes_section")) {
                    ForEach(client.reliableChanges, id: \.item) { change in
                        Text(Localized.format("reliable_change_rci", change.item, Int(change.first), Int(change.latest), change.rci.formatted(.number.precision(.fractionLength(1)))))
                    }
                }
            }
            if !client.flags.isEmpty {
                Section(Localized.text("open_flags")) {
                    ForEach(client.flags, id: \.id) { flag in
                        FlagRowView(flag: flag) {
                            Task { await model.markDiscussed(flag.id) }
                        }
                    }
                }
            }
            if !client.goals.isEmpty {
                Section(Localized.text("client_goals")) {
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
            Text(goal.archivedAt == nil ? goal.text : Localized.format("goal_archived_text", goal.text))
                .font(.headline)
            Text(summary)
                .font(.subheadline)
                .foregroundStyle(.secondary)
            if goal.series.count > 1 {
                Chart {
                    ForEach(goal.series, id: \.recordId) { point in
                        LineMark(x: .value(Localized.text("chart_axis_session"), SessionDay.text(point.sessionDate)), y: .value(Localized.text("goal_chart_how_close"), Int(point.rating)))
                            .symbol(.circle)
                            .accessibilityLabel(SessionDay.text(point.sessionDate))
                            .accessibilityValue(Localized.format("goal_rating_label", Int(point.rating), top))
                    }
                }
                .chartYScale(domain: 0...top)
                .frame(height: 120)
                .accessibilityLabel(Localized.format("goal_chart_label", goal.text, goal.series.count))
            }
        }
        .padding(.vertical, 4)
    }

    private var summary: String {
        guard let latest = goal.latest else { return Localized.text("goal_not_rated_yet") }
        guard let change = goal.changeSinceSet else { return Localized.format("goal_latest", Int(latest), top) }
        return Localized.format("goal_latest_and_change", Int(latest), top, Int(change))
    }
}

/// Heard and hopeful over sessions (1 to 5), with a mark where the client asked
/// for support. Swift Charts reads each point to VoiceOver (its audio graph
/// too); the summary label says what the chart shows as a whole.
struct RatingsChart: View {
    let points: [DashboardScreenModel.Point]
    let trend: String
    private let session = Localized.text("chart_axis_session")
    private let rating = Localized.text("chart_axis_rating")
    private let statement = Localized.text("chart_series")

    var body: some View {
        Chart {
            ForEach(points) { point in
                if let heard = point.heard {
                    LineMark(x: .value(session, SessionDay.text(point.sessionDate)), y: .value(rating, Int(heard)))
                        .foregroundStyle(by: .value(statement, Localized.text("chart_heard")))
                        .symbol(by: .value(statement, Localized.text("chart_heard")))
                        .accessibilityLabel(SessionDay.text(point.sessionDate))
                        .accessibilityValue(Localized.format("heard_spoken", Int(heard)))
                }
                if let hopeful = point.hopeful {
                    LineMark(x: .value(session, SessionDay.text(point.sessionDate)), y: .value(rating, Int(hopeful)))
                        .foregroundStyle(by: .value(statement, Localized.text("chart_hopeful")))
                        .symbol(by: .value(statement, Localized.text("chart_hopeful")))
                        .accessibilityLabel(SessionDay.text(point.sessionDate))
                        .accessibilityValue(Localized.format("hopeful_spoken", Int(hopeful)))
                }
                if point.supportRequested {
                    PointMark(x: .value(session, SessionDay.text(point.sessionDate)), y: .value(rating, 5))
                        .symbol(.triangle)
                        .foregroundStyle(.red)
                        .accessibilityLabel(SessionDay.text(point.sessionDate))
                        .accessibilityValue(Localized.text("chart_support_asked"))
                }
            }
        }
        .chartYScale(domain: 1...5)
        .chartYAxis { AxisMarks(values: [1, 2, 3, 4, 5]) }
        .accessibilityLabel(Localized.format("chart_summary", points.count, trend))
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
                Text(verbatim: "• " + reason.text + (reason.sessionDate.map { " (" + SessionDay.text($0) + ")" } ?? ""))
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
            Button(Localized.text("mark_discussed"), action: onMarkDiscussed)
                .buttonStyle(.bordered)
                .frame(minHeight: 44)
                .accessibilityLabel(Localized.format("mark_discussed_label", flag.clientLabel))
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
            case .urgent: return (Localized.text("severity_urgent"), .red)
            case .high: return (Localized.text("severity_high"), .orange)
            case .medium: return (Localized.text("severity_medium"), .yellow)
            case .low: return (Localized.text("severity_low"), .gray)
            }
        }()
        Text(text)
            .font(.caption.bold())
            .padding(.horizontal, 8)
            .padding(.vertical, 2)
            .background(color.opacity(0.2), in: Capsule())
            .accessibilityLabel(Localized.format("severity_spoken", text))
    }
}

/// The library's trend as a word.
func trendText(_ trend: Trend) -> String {
    switch trend {
    case .improving: return Localized.text("trend_improving")
    case .steady: return Localized.text("trend_steady")
    case .worsening: return Localized.text("trend_worsening")
    case .notEnoughData: return Localized.text("trend_not_enough")
    }
}
