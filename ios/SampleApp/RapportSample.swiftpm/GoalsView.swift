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
                        Text(Localized.format("goals_intro", model.state.maxActive))
                            .font(.callout)
                    }
                    if model.state.active.isEmpty && !model.state.loading {
                        Text(Localized.text("goals_empty")).foregroundStyle(.secondary)
                    }
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                if !model.state.active.isEmpty {
                    Section(Localized.text("goals_active")) {
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
                    Section(Localized.text("goals_archived_title")) {
                        ForEach(model.state.archived, id: \.id) { goal in
                            Text(goal.text).foregroundStyle(.secondary)
                        }
                    }
                }
            }
            .navigationTitle(Localized.text("goals_title"))
            .confirmationDialog(
                Localized.text("goal_archive_confirm_title"),
                isPresented: Binding(get: { archiving != nil }, set: { if !$0 { archiving = nil } }),
                titleVisibility: .visible,
                presenting: archiving
            ) { goal in
                Button(Localized.text("goal_archive"), role: .destructive) {
                    Task { await model.archive(id: goal.id) }
                }
                Button(Localized.text("cancel"), role: .cancel) {}
            } message: { goal in
                Text(Localized.format("goal_archive_confirm_text", goal.text))
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
                Text(Localized.text("goal_set_in_session")).font(.caption).foregroundStyle(.secondary)
            }
            Toggle(Localized.text("goal_shared"), isOn: Binding(get: { goal.shared }, set: onShare))
                .frame(minHeight: 44)
                .accessibilityHint(Localized.text("goal_shared_hint"))
            HStack {
                Button(Localized.text("goal_reword"), action: onReword)
                    .buttonStyle(.bordered)
                    .frame(minHeight: 44)
                    .accessibilityHint(Localized.format("goal_reword_description", goal.text))
                Spacer()
                Button(Localized.text("goal_archive"), action: onArchive)
                    .buttonStyle(.borderless)
                    .frame(minHeight: 44)
                    .accessibilityHint(Localized.format("goal_archive_description", goal.text))
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
            TextField(Localized.text("goal_reword_field"), text: $text, axis: .vertical)
                .lineLimit(1...4)
                .frame(minHeight: 44)
            if maxChars > 0 {
                Text(Localized.format("goal_max_chars", maxChars)).font(.caption).foregroundStyle(.secondary)
            }
            HStack {
                Button(Localized.text("goal_save"), action: onSave)
                    .buttonStyle(.borderedProminent)
                    .frame(minHeight: 44)
                Button(Localized.text("cancel"), action: onCancel)
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
        Section(Localized.text("goal_new_title")) {
            TextField(Localized.text("goal_new_field"), text: Binding(get: { model.state.draft }, set: model.editDraft), axis: .vertical)
                .lineLimit(1...4)
                .frame(minHeight: 44)
            if model.state.maxChars > 0 {
                Text(Localized.format("goal_max_chars", model.state.maxChars)).font(.caption).foregroundStyle(.secondary)
            }
            Toggle(Localized.text("goal_new_shared"), isOn: Binding(get: { model.state.draftShared }, set: model.setDraftShared))
                .frame(minHeight: 44)
                .accessibilityHint(Localized.text("goal_shared_hint"))
            Toggle(Localized.text("goal_new_in_session"), isOn: Binding(get: { model.state.draftInSession }, set: model.setDraftInSession))
                .frame(minHeight: 44)
                .accessibilityHint(Localized.text("goal_new_in_session_hint"))
            Button {
                Task { await model.add() }
            } label: {
                Text(Localized.text("goal_add")).frame(maxWidth: .infinity, minHeight: 44)
            }
            .disabled(model.state.draft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            .accessibilityHint(Localized.text("goal_add_hint"))
        }
    }
}
