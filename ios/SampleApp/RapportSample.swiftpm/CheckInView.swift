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
                    Toggle("Tell my therapist I asked for support", isOn: Binding(get: { model.state.supportRequested }, set: model.requestSupport))
                        .frame(minHeight: 44)
                        .accessibilityHint("Your therapist sees this with the check-in, at their next sync. It does not alert anyone now.")
                    if let problem = model.state.problem {
                        ProblemText(problem: problem)
                    }
                    SendButton(model: model)
                    DeliveryText(delivery: model.state.delivery)
                    Button(role: .destructive) {
                        model.needSupportNow()
                    } label: {
                        Label("I need support now", systemImage: "lifepreserver")
                            .font(.headline)
                            .frame(maxWidth: .infinity, minHeight: 52)
                    }
                    .buttonStyle(.borderedProminent)
                    .tint(.red)
                    .accessibilityHint("Shows crisis lines you can call or text right away. Works without a connection.")
                }
                .padding()
            }
            .navigationTitle(model.state.title.isEmpty ? "Check in" : model.state.title)
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

/// One statement and its five points, each a 44-point-or-larger button.
struct RatingRow: View {
    let item: CheckInScreenModel.Item
    let onTap: (UInt8) -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(item.prompt + (item.required ? "" : " (optional)"))
                .font(.headline)
                .accessibilityAddTraits(.isHeader)
            HStack(spacing: 6) {
                ForEach(item.options) { option in
                    let chosen = item.selected == option.value
                    Button {
                        onTap(option.value)
                    } label: {
                        VStack(spacing: 2) {
                            Text("\(option.value)").font(.title3.bold())
                            Text(option.label).font(.caption2).lineLimit(2).minimumScaleFactor(0.7)
                        }
                        .frame(maxWidth: .infinity, minHeight: 60)
                        .contentShape(Rectangle())
                    }
                    .buttonStyle(.bordered)
                    .tint(chosen ? Color.accentColor : Color.secondary)
                    .accessibilityLabel("\(option.label), \(option.value) of \(item.options.count)")
                    .accessibilityHint(chosen ? "Selected. Tap again to clear." : "Answers: \(item.prompt)")
                    .accessibilityAddTraits(chosen ? .isSelected : [])
                }
            }
        }
    }
}

/// "How close am I" to each active goal: the library's points (0 to its top)
/// in two rows of 44-point-or-larger buttons. A second tap clears the rating:
/// rating a goal is optional.
struct GoalRatings: View {
    @ObservedObject var model: CheckInScreenModel

    var body: some View {
        let scale = model.state.goalScale
        let top = Int(scale.last ?? 0)
        let perRow = max((scale.count + 1) / 2, 1)
        let rows = stride(from: 0, to: scale.count, by: perRow).map { Array(scale[$0..<min($0 + perRow, scale.count)]) }
        VStack(alignment: .leading, spacing: 12) {
            Text(GoalText.ratingsTitle)
                .font(.headline)
                .accessibilityAddTraits(.isHeader)
            Text(GoalText.ratingsHint(top: top))
                .font(.footnote)
                .foregroundStyle(.secondary)
            ForEach(model.state.goals) { goal in
                VStack(alignment: .leading, spacing: 6) {
                    Text(goal.text).font(.body)
                    ForEach(rows, id: \.self) { row in
                        HStack(spacing: 6) {
                            ForEach(row, id: \.self) { value in
                                let chosen = goal.selected == value
                                Button {
                                    model.rateGoal(goal.id, value)
                                } label: {
                                    Text("\(value)").font(.body.bold())
                                        .frame(maxWidth: .infinity, minHeight: 44)
                                        .contentShape(Rectangle())
                                }
                                .buttonStyle(.bordered)
                                .tint(chosen ? Color.accentColor : Color.secondary)
                                .accessibilityLabel(GoalText.ratingLabel(Int(value), of: top))
                                .accessibilityHint(GoalText.ratingHint(goal: goal.text, chosen: chosen))
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
            Text(model.state.notePrompt.isEmpty ? "Note (optional)" : model.state.notePrompt)
                .font(.headline)
            TextField("Anything to add? (optional)", text: Binding(get: { model.state.note }, set: model.editNote), axis: .vertical)
                .lineLimit(3...8)
                .textFieldStyle(.roundedBorder)
                .frame(minHeight: 44)
                .accessibilityLabel("Note")
                .accessibilityHint("Optional. Stays on this phone unless you share it below.")
            if model.state.noteTooLong {
                Text("Please shorten the note to \(model.state.noteMaxChars) characters.")
                    .font(.footnote)
                    .foregroundStyle(.red)
            }
            Toggle("Share the note with my therapist", isOn: Binding(get: { model.state.noteShared }, set: model.shareNote))
                .frame(minHeight: 44)
                .accessibilityHint("Off: the note never leaves this phone.")
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
                    Text("Send")
                    if model.state.sending { ProgressView() }
                }
                .font(.headline)
                .frame(maxWidth: .infinity, minHeight: 52)
            }
            .buttonStyle(.borderedProminent)
            .disabled(!model.state.canSend)
            .accessibilityHint(model.state.canSend ? "Saves your check-in and sends it to your therapist." : missingHint)
            if !model.state.missing.isEmpty && !model.state.loading {
                Text(missingHint)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
        }
    }

    private var missingHint: String {
        "Still to answer: " + model.state.missing.map(\.prompt).joined(separator: "; ")
    }
}

/// What became of the last check-in.
struct DeliveryText: View {
    let delivery: CheckInScreenModel.Delivery?

    var body: some View {
        switch delivery {
        case .sent:
            Label("Sent. Thank you.", systemImage: "checkmark.circle").foregroundStyle(.green)
        case .paused:
            Label("Saved on this phone. Sharing is paused, so your therapist will not see it until you resume.", systemImage: "pause.circle")
        case .saved(let problem):
            Label("Saved on this phone. It will be sent next time you are online." + (problem.map { " (\($0.reason))" } ?? ""), systemImage: "tray.and.arrow.up")
        case nil:
            EmptyView()
        }
    }
}
