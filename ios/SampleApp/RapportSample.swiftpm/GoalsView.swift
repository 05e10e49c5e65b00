import Rapport
import SwiftUI

/// The client's goals: the active ones (reword, share or keep private,
/// archive), a field to set a new one, and the archived ones below. How many
/// goals and how long are the library's rules; what it refuses shows as its
/// own sentence.
struct GoalsView: View {
    @StateObject var model: GoalsScreenModel
    @State private var editingId: String?
    @State private var editText = ""
    @State private var archiving: Goal?

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    if model.state.maxActive > 0 {
                        Text(GoalText.intro(maxActive: model.state.maxActive))
                            .font(.callout)
                    }
                    if model.state.active.isEmpty && !model.state.loading {
                        Text(GoalText.empty).foregroundStyle(.secondary)
                    }
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                if !model.state.active.isEmpty {
                    Section(GoalText.activeSection) {
                        ForEach(model.state.active, id: \.id) { goal in
                            if editingId == goal.id {
                                GoalEditor(text: $editText, maxChars: model.state.maxChars) {
                                    Task {
                                        if await model.reword(id: goal.id, text: editText) { editingId = nil }
                                    }
                                } onCancel: {
                                    editingId = nil
                                }
                            } else {
                                GoalRowView(goal: goal) {
                                    editText = goal.text
                                    editingId = goal.id
                                } onShare: { shared in
                                    Task { await model.setShared(id: goal.id, shared: shared) }
                                } onArchive: {
                                    archiving = goal
                                }
                            }
                        }
                    }
                }
                NewGoalSection(model: model)
                if !model.state.archived.isEmpty {
                    Section(GoalText.archivedSection) {
                        ForEach(model.state.archived, id: \.id) { goal in
                            Text(goal.text).foregroundStyle(.secondary)
                        }
                    }
                }
            }
            .navigationTitle(GoalText.title)
            .confirmationDialog(
                GoalText.archiveConfirmTitle,
                isPresented: Binding(get: { archiving != nil }, set: { if !$0 { archiving = nil } }),
                titleVisibility: .visible,
                presenting: archiving
            ) { goal in
                Button(GoalText.archive, role: .destructive) {
                    Task { await model.archive(id: goal.id) }
                }
                Button(GoalText.cancel, role: .cancel) {}
            } message: { goal in
                Text(GoalText.archiveConfirmText(goal.text))
            }
        }
        .task { await model.load() }
    }
}

/// One active goal: its words, who sees it, and what can be done with it.
struct GoalRowView: View {
    let goal: Goal
    let onReword: () -> Void
    let onShare: (Bool) -> Void
    let onArchive: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(goal.text).font(.headline)
            if goal.setInSession {
                Text(GoalText.setInSession).font(.caption).foregroundStyle(.secondary)
            }
            Toggle(GoalText.shared, isOn: Binding(get: { goal.shared }, set: onShare))
                .frame(minHeight: 44)
                .accessibilityHint(GoalText.sharedHint)
            HStack {
                Button(GoalText.reword, action: onReword)
                    .buttonStyle(.bordered)
                    .frame(minHeight: 44)
                    .accessibilityHint(GoalText.rewordHint(goal.text))
                Spacer()
                Button(GoalText.archive, action: onArchive)
                    .buttonStyle(.borderless)
                    .frame(minHeight: 44)
                    .accessibilityHint(GoalText.archiveHint(goal.text))
            }
        }
        .padding(.vertical, 4)
    }
}

/// Rewording a goal in place; the library keeps the earlier wording.
struct GoalEditor: View {
    @Binding var text: String
    let maxChars: Int
    let onSave: () -> Void
    let onCancel: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            TextField(GoalText.rewordField, text: $text, axis: .vertical)
                .lineLimit(1...4)
                .frame(minHeight: 44)
            if maxChars > 0 {
                Text(GoalText.maxChars(maxChars)).font(.caption).foregroundStyle(.secondary)
            }
            HStack {
                Button(GoalText.save, action: onSave)
                    .buttonStyle(.borderedProminent)
                    .frame(minHeight: 44)
                Button(GoalText.cancel, action: onCancel)
                    .buttonStyle(.borderless)
                    .frame(minHeight: 44)
            }
        }
    }
}

/// The field for a new goal, shared by default, and whether it was set in a
/// session.
struct NewGoalSection: View {
    @ObservedObject var model: GoalsScreenModel

    var body: some View {
        Section(GoalText.newSection) {
            TextField(GoalText.newField, text: Binding(get: { model.state.draft }, set: model.editDraft), axis: .vertical)
                .lineLimit(1...4)
                .frame(minHeight: 44)
            if model.state.maxChars > 0 {
                Text(GoalText.maxChars(model.state.maxChars)).font(.caption).foregroundStyle(.secondary)
            }
            Toggle(GoalText.newShared, isOn: Binding(get: { model.state.draftShared }, set: model.setDraftShared))
                .frame(minHeight: 44)
                .accessibilityHint(GoalText.sharedHint)
            Toggle(GoalText.newInSession, isOn: Binding(get: { model.state.draftInSession }, set: model.setDraftInSession))
                .frame(minHeight: 44)
                .accessibilityHint(GoalText.newInSessionHint)
            Button {
                Task { await model.add() }
            } label: {
                Text(GoalText.add).frame(maxWidth: .infinity, minHeight: 44)
            }
            .disabled(model.state.draft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            .accessibilityHint(GoalText.addHint)
        }
    }
}
