import Rapport
import SwiftUI

/// The check-in: one tap on each required statement, an optional tap per goal
/// ("how close am I"), an optional note, send.
/// "I need support now" is always on screen, and so is the reminder that
/// nobody watches check-ins in real time.
struct CheckInView: View {
    @StateObject var model: CheckInScreenModel

    var body: some View {
        NavigationStack {
            ScrollView {
                VStack(alignment: .leading, spacing: 20) {
                    NotMonitoredBanner(text: model.state.notMonitored)
                    ForEach(model.state.items) { item in
                        RatingRow(item: item) { value in model.rate(item.id, value) }
                    }
                    if !model.state.goals.isEmpty {
                        GoalRatings(model: model)
                    }
                    NoteField(model: model)
                    Toggle(Localized.text("tell_therapist_support"), isOn: Binding(get: { model.state.supportRequested }, set: model.requestSupport))
                        .frame(minHeight: 44)
                        .accessibilityHint(Localized.text("tell_therapist_support_hint"))
                    if let problem = model.state.problem {
                        ProblemText(problem: problem)
                    }
                    SendButton(model: model)
                    DeliveryText(delivery: model.state.delivery)
                    Button(role: .destructive) {
                        model.needSupportNow()
                    } label: {
                        Label(Localized.text("need_support"), systemImage: "lifepreserver")
                            .font(.headline)
                            .frame(maxWidth: .infinity, minHeight: 52)
                    }
                    .buttonStyle(.borderedProminent)
                    .tint(.red)
                    .accessibilityHint(Localized.text("need_support_hint"))
                }
                .padding()
            }
            .navigationTitle(model.state.title.isEmpty ? Localized.text("tab_check_in") : model.state.title)
        }
        // Goals may have changed on the goals tab since the form was loaded.
        .task {
            if model.state.loading {
                await model.load()
            } else {
                await model.reloadGoals()
            }
        }
        .sheet(item: Binding(get: { model.state.crisis }, set: { if $0 == nil { model.dismissCrisis() } })) { sheet in
            CrisisSheetView(sheet: sheet) { model.dismissCrisis() }
        }
    }
}

/// Always visible: Rapport is not a crisis service.
struct NotMonitoredBanner: View {
    let text: String

    var body: some View {
        if !text.isEmpty {
            Label(text, systemImage: "info.circle")
                .font(.footnote)
                .padding(12)
                .frame(maxWidth: .infinity, alignment: .leading)
                .background(.yellow.opacity(0.15), in: RoundedRectangle(cornerRadius: 12))
                .accessibilityElement(children: .combine)
        }
    }
}

/// One statement and its five points, each a 44-point-or-larger button, side
/// by side; at the accessibility text sizes one under the other, so each
/// point's words wrap at full width instead of shrinking into a fifth of it.
struct RatingRow: View {
    let item: CheckInScreenModel.Item
    let onTap: (UInt8) -> Void
    @Environment(\.dynamicTypeSize) private var dynamicTypeSize

    var body: some View {
        let layout = dynamicTypeSize.isAccessibilitySize
            ? AnyLayout(VStackLayout(spacing: 6))
            : AnyLayout(HStackLayout(spacing: 6))
        VStack(alignment: .leading, spacing: 8) {
            Text(item.required ? item.prompt : Localized.format("optional_item", item.prompt))
                .font(.headline)
                .accessibilityAddTraits(.isHeader)
            layout {
                ForEach(item.options) { option in
                    let chosen = item.selected == option.value
                    Button {
                        onTap(option.value)
                    } label: {
                        VStack(spacing: 2) {
                            Text(verbatim: String(option.value)).font(.title3.bold())
                            Text(option.label).font(.caption2).multilineTextAlignment(.center)
                        }
                        .frame(maxWidth: .infinity, minHeight: 60)
                        .contentShape(Rectangle())
                    }
                    .buttonStyle(.bordered)
                    .tint(chosen ? Color.accentColor : Color.secondary)
                    .accessibilityLabel(Localized.format("rating_label", option.label, Int(option.value), item.options.count))
                    .accessibilityHint(chosen ? Localized.text("rating_selected_hint") : Localized.format("rating_hint", item.prompt))
                    .accessibilityAddTraits(chosen ? .isSelected : [])
                }
            }
        }
    }
}

/// "How close am I" to each active goal: the library's points (0 to its top)
/// in three rows (0-3, 4-7, 8-10 on the 0-10 scale), so each button stays well
/// over 44 points wide on the narrowest phone at large text sizes (two rows of
/// six would leave about 42 points on a 320-point screen). A second tap
/// clears the rating: rating a goal is optional.
struct GoalRatings: View {
    @ObservedObject var model: CheckInScreenModel

    var body: some View {
        let scale = model.state.goalScale
        let top = Int(scale.last ?? 0)
        let rowCount = 3
        let perRow = max((scale.count + rowCount - 1) / rowCount, 1)
        let rows = stride(from: 0, to: scale.count, by: perRow).map { Array(scale[$0..<min($0 + perRow, scale.count)]) }
        VStack(alignment: .leading, spacing: 12) {
            Text(Localized.text("goal_ratings_title"))
                .font(.headline)
                .accessibilityAddTraits(.isHeader)
            Text(Localized.format("goal_ratings_hint", top))
                .font(.footnote)
                .foregroundStyle(.secondary)
            ForEach(model.state.goals) { goal in
                VStack(alignment: .leading, spacing: 6) {
                    Text(goal.text).font(.body)
                        .accessibilityAddTraits(.isHeader)
                    ForEach(rows, id: \.self) { row in
                        HStack(spacing: 6) {
                            ForEach(row, id: \.self) { value in
                                let chosen = goal.selected == value
                                Button {
                                    model.rateGoal(goal.id, value)
                                } label: {
                                    Text(verbatim: "\(value)").font(.body.bold())
                                        .frame(maxWidth: .infinity, minHeight: 44)
                                        .contentShape(Rectangle())
                                }
                                .buttonStyle(.bordered)
                                .tint(chosen ? Color.accentColor : Color.secondary)
                                .accessibilityLabel(Localized.format("goal_rating_label", Int(value), top))
                                .accessibilityHint(chosen ? Localized.text("rating_selected_hint") : Localized.format("goal_rating_hint", goal.text))
                                .accessibilityAddTraits(chosen ? .isSelected : [])
                            }
                            // The shorter row keeps the buttons the width of the first.
                            ForEach(0..<(perRow - row.count), id: \.self) { _ in
                                Color.clear.frame(maxWidth: .infinity, minHeight: 44)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The optional note, private unless the client shares it.
struct NoteField: View {
    @ObservedObject var model: CheckInScreenModel

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(model.state.notePrompt.isEmpty ? Localized.text("note_label") : model.state.notePrompt)
                .font(.headline)
            TextField(Localized.text("note_placeholder"), text: Binding(get: { model.state.note }, set: model.editNote), axis: .vertical)
                .lineLimit(3...8)
                .textFieldStyle(.roundedBorder)
                .frame(minHeight: 44)
                .accessibilityLabel(Localized.text("note_short"))
                .accessibilityHint(Localized.text("note_hint"))
            if model.state.noteTooLong {
                Text(Localized.format("note_too_long", model.state.noteMaxChars))
                    .font(.footnote)
                    .foregroundStyle(.red)
            }
            Toggle(Localized.text("share_note"), isOn: Binding(get: { model.state.noteShared }, set: model.shareNote))
                .frame(minHeight: 44)
                .accessibilityHint(Localized.text("share_note_hint"))
        }
    }
}

/// Send, enabled once every required statement is answered.
struct SendButton: View {
    @ObservedObject var model: CheckInScreenModel

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Button {
                Task { await model.send() }
            } label: {
                HStack {
                    Text(Localized.text("send"))
                    if model.state.sending { ProgressView() }
                }
                .font(.headline)
                .frame(maxWidth: .infinity, minHeight: 52)
            }
            .buttonStyle(.borderedProminent)
            .disabled(!model.state.canSend)
            .accessibilityHint(model.state.canSend ? Localized.text("send_hint") : missingHint)
            if !model.state.missing.isEmpty && !model.state.loading {
                Text(missingHint)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
        }
    }

    private var missingHint: String {
        Localized.format("send_missing", model.state.missing.map(\.prompt).joined(separator: "; "))
    }
}

/// What became of the last check-in.
struct DeliveryText: View {
    let delivery: CheckInScreenModel.Delivery?

    var body: some View {
        switch delivery {
        case .sent:
            Label(Localized.text("delivery_sent"), systemImage: "checkmark.circle").foregroundStyle(.green)
        case .paused:
            Label(Localized.text("delivery_paused"), systemImage: "pause.circle")
        case .saved(let problem):
            Label(Localized.text("delivery_saved") + (problem.map { " (\($0.reason))" } ?? ""), systemImage: "tray.and.arrow.up")
        case nil:
            EmptyView()
        }
    }
}
