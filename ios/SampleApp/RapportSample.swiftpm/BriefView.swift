import Rapport
import SwiftUI

/// "Today": the library's brief, one card per client in its order (by need),
/// each with the check-ins since the last session, the usual range and what
/// lies outside it, the open flags, the goals the client shares and a
/// suggested opening line.
struct BriefView: View {
    @StateObject var model: BriefScreenModel

    var body: some View {
        NavigationStack {
            List {
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                if model.state.cards.isEmpty && !model.state.loading {
                    Text(Localized.text("brief_empty")).foregroundStyle(.secondary)
                }
                ForEach(model.state.cards, id: \.deviceId) { card in
                    Section(card.label) {
                        BriefCardView(card: card) { flagId in
                            Task { await model.markDiscussed(flagId) }
                        }
                    }
                }
            }
            .refreshable { await model.load() }
            .navigationTitle(Localized.text("tab_today"))
        }
        .task { await model.load() }
    }
}

/// One client's card: check-ins since the last session, the usual range, what
/// lies outside it, the open flags and the opening line.
struct BriefCardView: View {
    let card: BriefCard
    let onMarkDiscussed: (String) -> Void

    var body: some View {
        if let last = card.lastSession {
            Text(Localized.format("brief_last_session", SessionDay.text(last))).font(.caption).foregroundStyle(.secondary)
        }
        if card.checkins.isEmpty {
            Text(Localized.text("brief_no_checkins")).foregroundStyle(.secondary)
        }
        ForEach(card.checkins, id: \.recordId) { checkIn in
            VStack(alignment: .leading, spacing: 2) {
                Text(verbatim: SessionDay.text(checkIn.sessionDate) + ": " + checkIn.ratings.sorted { $0.key < $1.key }
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                if let note = checkIn.note {
                    Text(verbatim: "“\(note)”").font(.footnote).foregroundStyle(.secondary)
                }
            }
            .accessibilityElement(children: .combine)
        }
        ForEach(card.usual, id: \.item) { range in
            Text(Localized.format("brief_usual", range.item, Int(range.low), Int(range.high))).font(.footnote)
        }
        ForEach(card.outside, id: \.item) { outside in
            Text(outside.text).foregroundStyle(.red)
        }
        ForEach(card.flags, id: \.id) { flag in
            FlagRowView(flag: flag) { onMarkDiscussed(flag.id) }
        }
        if !card.goals.isEmpty {
            Text(Localized.text("client_goals"))
                .font(.subheadline.bold())
                .accessibilityAddTraits(.isHeader)
        }
        ForEach(card.goals, id: \.goalId) { goal in
            GoalProgressView(goal: goal, top: Int(goalLimits().ratingMax))
        }
        if let line = card.goalLine {
            Text(line).font(.callout)
        }
        Text(Localized.format("brief_opening", card.opening.text)).italic()
    }
}
