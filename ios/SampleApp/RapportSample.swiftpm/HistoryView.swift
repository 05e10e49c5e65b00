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
                        Text("Sharing is paused: new check-ins stay on this phone. Resume it in Your data.")
                    }
                }
                if model.state.endedByTherapist {
                    Section {
                        Text("Your therapist ended the pairing. Your history stays on this phone; nothing more is shared.")
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
                        Button("Show older check-ins") {
                            Task { await model.loadMore() }
                        }
                        .frame(maxWidth: .infinity, minHeight: 44)
                        .accessibilityHint("Loads the next page of your history.")
                    }
                }
            }
            .overlay {
                if model.state.rows.isEmpty && !model.state.loading {
                    Text("Your check-ins will appear here.")
                        .foregroundStyle(.secondary)
                }
            }
            .refreshable { await model.refresh() }
            .navigationTitle("History")
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
                if let heard = row.heard { Text("Heard \(heard)/5") }
                if let hopeful = row.hopeful { Text("Hopeful \(hopeful)/5") }
            }
            if let note = row.note {
                Label(note, systemImage: row.noteShared ? "person.2" : "lock")
                    .font(.callout)
                    .accessibilityLabel((row.noteShared ? "Shared note: " : "Private note: ") + note)
            }
            if row.supportRequested {
                Label("You asked for support", systemImage: "lifepreserver").font(.footnote)
            }
            if row.seen {
                Label("Seen by your therapist", systemImage: "checkmark.circle.fill")
                    .font(.footnote)
                    .foregroundStyle(.green)
            } else {
                Label("Not seen yet", systemImage: "circle")
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
            Text("Your therapist replied").font(.subheadline.weight(.semibold))
            Text(reply).font(.callout)
            Label("Seen by your therapist", systemImage: "checkmark.circle.fill")
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
