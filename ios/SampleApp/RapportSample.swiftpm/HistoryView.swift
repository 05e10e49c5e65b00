import Rapport
import SwiftUI

/// The client's own check-ins, newest first, each marked once the therapist
/// has seen it; and whether sharing is paused.
struct HistoryView: View {
    @StateObject var model: HistoryScreenModel

    var body: some View {
        NavigationStack {
            List {
                // Pausing and resuming live in "Your data", where resuming asks about what was held back.
                if model.state.sharingPaused {
                    Section {
                        Text(Localized.text("history_paused"))
                    }
                }
                if model.state.endedByTherapist {
                    Section {
                        Text(Localized.text("pairing_ended"))
                    }
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                Section {
                    ForEach(model.state.rows) { row in
                        HistoryRowView(row: row, notMonitored: model.state.notMonitored)
                    }
                    if model.state.hasMore {
                        Button(Localized.text("show_older")) {
                            Task { await model.loadMore() }
                        }
                        .frame(maxWidth: .infinity, minHeight: 44)
                        .accessibilityHint(Localized.text("show_older_hint"))
                    }
                }
            }
            .overlay {
                if model.state.rows.isEmpty && !model.state.loading {
                    Text(Localized.text("history_empty"))
                        .foregroundStyle(.secondary)
                }
            }
            .refreshable { await model.refresh() }
            .navigationTitle(Localized.text("tab_history"))
        }
        .task { await model.refresh() }
    }
}

/// One check-in: the day, the two ratings, the note, whether it was seen,
/// and the therapist's reply with the reminder that nobody watches check-ins
/// in real time.
struct HistoryRowView: View {
    let row: HistoryScreenModel.Row
    let notMonitored: String

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(SessionDay.text(row.sessionDate)).font(.headline)
            HStack(spacing: 16) {
                if let heard = row.heard { Text(Localized.format("heard_value", Int(heard))) }
                if let hopeful = row.hopeful { Text(Localized.format("hopeful_value", Int(hopeful))) }
            }
            if let note = row.note {
                Label(note, systemImage: row.noteShared ? "person.2" : "lock")
                    .font(.callout)
                    .accessibilityLabel(Localized.format(row.noteShared ? "note_shared_spoken" : "note_private_spoken", note))
            }
            if row.supportRequested {
                Label(Localized.text("you_asked_support"), systemImage: "lifepreserver").font(.footnote)
            }
            if row.seen {
                Label(Localized.text("seen"), systemImage: "checkmark.circle.fill")
                    .font(.footnote)
                    .foregroundStyle(.green)
            } else {
                Label(Localized.text("not_seen"), systemImage: "circle")
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
            if let reply = row.reply {
                ReplyView(reply: reply, notMonitored: notMonitored)
            }
        }
        .padding(.vertical, 4)
        .accessibilityElement(children: .combine)
    }
}

/// The therapist's reply under the check-in it answers.
struct ReplyView: View {
    let reply: String
    let notMonitored: String

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(Localized.text("reply_heading")).font(.subheadline.weight(.semibold))
            Text(reply).font(.callout)
            Label(Localized.text("seen"), systemImage: "checkmark.circle.fill")
                .font(.footnote)
                .foregroundStyle(.green)
            if !notMonitored.isEmpty {
                Text(notMonitored)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
        }
        .padding(.top, 8)
    }
}
