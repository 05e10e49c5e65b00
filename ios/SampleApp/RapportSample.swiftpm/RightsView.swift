import Rapport
import SwiftUI
import UniformTypeIdentifiers

/// "Your data": export, pause, resume, leave, erase, each one button and one
/// confirmation saying what it does and does not do; and the crisis country.
/// `onUnpaired` runs once leaving or erasing has ended the pairing.
struct RightsView: View {
    @StateObject var model: RightsScreenModel
    let onUnpaired: () -> Void

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Text(model.state.checkinsOnPhone == 1 ? "1 check-in on this phone." : "\(model.state.checkinsOnPhone) check-ins on this phone.")
                    if let status = statusText { Text(status) }
                }
                Section {
                    actionButton("Export everything", action: .export, hint: "Saves all your check-ins and notes as a file where you choose.")
                    if model.state.paused {
                        actionButton("Resume sharing", action: .resume, hint: "You choose whether to send what was held back.")
                    } else {
                        actionButton("Pause sharing", action: .pause, hint: "New check-ins stay on this phone until you resume.")
                    }
                    actionButton("Leave my therapist", action: .leave, hint: "Nothing more is sent; your check-ins stay on this phone.")
                    actionButton("Erase everything", action: .erase, hint: "Asks you to confirm and says what it reaches.", role: .destructive)
                }
                if model.state.membership == .erasing {
                    Section {
                        Text("Your therapist's device has not been told yet. The erase finishes at the next connection.")
                        Button("Try to finish erasing now") { Task { await model.finishErase() } }
                            .frame(minHeight: 44)
                            .disabled(model.state.working)
                    }
                }
                if let done = doneText {
                    Section { Text(done).foregroundStyle(.green) }
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                Section {
                    CrisisCountryPicker(countries: model.state.countries, selected: model.state.crisisCountry) { code in
                        Task { await model.chooseCrisisCountry(code) }
                    }
                } header: {
                    Text("Crisis lines for")
                } footer: {
                    Text("The country whose crisis lines Rapport shows you when you need support. Rapport is not a crisis service.")
                }
            }
            .navigationTitle("Your data")
            .confirmationDialog(dialogTitle, isPresented: confirming, titleVisibility: .visible) {
                dialogButtons
            } message: {
                Text(dialogMessage)
            }
            .fileExporter(isPresented: exporting, document: ExportDocument(text: model.state.export?.text ?? ""),
                          contentType: .json, defaultFilename: model.state.export?.fileName) { _ in
                model.exportHandled()
            }
        }
        .task { await model.load() }
        .onChange(of: model.state.membership) { membership in
            let ended = model.state.done == .leave || model.state.done == .erase
            if ended && membership == .notJoined { onUnpaired() }
        }
    }

    private func actionButton(_ title: String, action: RightsAction, hint: String, role: ButtonRole? = nil) -> some View {
        Button(title, role: role) { Task { await model.ask(action) } }
            .frame(minHeight: 44)
            .disabled(!model.state.canDo(action))
            .accessibilityHint(hint)
    }

    private var statusText: String? {
        switch model.state.membership {
        case .active(let paused): return paused ? "Sharing is paused: new check-ins stay on this phone." : "Sharing with your therapist."
        case .erasing: return "Erasing: it finishes when this phone next reaches the relay."
        case .revoked: return "Your therapist ended the pairing. Your history stays on this phone; nothing more is shared."
        case .notJoined: return "Not paired with a therapist."
        case nil: return nil
        }
    }

    private var doneText: String? {
        switch model.state.done {
        case .export: return "Export ready."
        case .pause: return "Sharing paused."
        case .resume: return "Sharing resumed."
        case .leave: return "You left your therapist. Your check-ins stay on this phone."
        case .erase: return "Everything on this phone is erased."
        case nil: return nil
        }
    }

    private var confirming: Binding<Bool> {
        Binding(get: { model.state.confirming != nil }, set: { shown in if !shown { model.cancel() } })
    }

    private var exporting: Binding<Bool> {
        Binding(get: { model.state.export != nil }, set: { shown in if !shown { model.exportHandled() } })
    }

    private var heldToAsk: HeldCheckIns? {
        guard model.state.confirming == .resume, let held = model.state.held, held.count > 0 else { return nil }
        return held
    }

    private var dialogTitle: String {
        switch model.state.confirming {
        case .export: return "Export everything?"
        case .pause: return "Pause sharing?"
        case .resume: return heldToAsk == nil ? "Resume sharing?" : "Send what was held back?"
        case .leave: return "Leave your therapist?"
        case .erase: return "Erase everything?"
        case nil: return ""
        }
    }

    private var dialogMessage: String {
        switch model.state.confirming {
        case .export:
            return "The file holds every check-in and every note, private ones too, unencrypted. Save it only where you trust."
        case .pause:
            return "New check-ins stay on this phone. Your therapist only learns that sharing is paused. When you resume, you choose whether to send what was held back."
        case .resume:
            if let held = heldToAsk {
                return heldText(held) + "\n\nSharing resumes either way. Kept check-ins stay on this phone and are never sent to this therapist."
            }
            return "New check-ins go to your therapist again. Nothing was held back during the pause."
        case .leave:
            return "Nothing more is sent, and what your therapist already received stays with them. Your check-ins stay on this phone; those you make without a therapist go to a new one only if you choose to share them."
        case .erase:
            let reach = model.state.eraseReach
            let phone = reach.checkinsOnPhone == 1
                ? "Deletes from this phone your 1 check-in, your goals and your settings."
                : "Deletes from this phone all \(reach.checkinsOnPhone) check-ins, your goals and your settings."
            let therapist = reach.reachesTherapist
                ? "Asks your therapist's device to delete everything it received from you when it next syncs, and the relay to delete what waits for this phone."
                : "You are not paired with a therapist, so it reaches no therapist's device: a therapist you left keeps what they received."
            return [phone, therapist, "It cannot reach anything your therapist copied out of Rapport.", "This cannot be undone."]
                .joined(separator: "\n\n")
        case nil:
            return ""
        }
    }

    @ViewBuilder private var dialogButtons: some View {
        switch model.state.confirming {
        case .resume where heldToAsk != nil:
            Button("Send them") { Task { await model.confirm(sendHeld: true) } }
            Button("Keep them on this phone") { Task { await model.confirm(sendHeld: false) } }
        case .export:
            Button("Choose where to save") { Task { await model.confirm() } }
        case .pause:
            Button("Pause") { Task { await model.confirm() } }
        case .resume:
            Button("Resume") { Task { await model.confirm() } }
        case .leave:
            Button("Leave", role: .destructive) { Task { await model.confirm() } }
        case .erase:
            Button("Erase everything", role: .destructive) { Task { await model.confirm() } }
        case nil:
            EmptyView()
        }
        Button("Cancel", role: .cancel) { model.cancel() }
    }
}

/// "3 check-ins, from 2 March to 9 March", in the person's locale.
func heldText(_ held: HeldCheckIns) -> String {
    let first = held.firstSession.map(sessionDay) ?? ""
    let last = held.lastSession.map(sessionDay) ?? ""
    let count = held.count == 1 ? "1 check-in on this phone" : "\(held.count) check-ins on this phone"
    let dates = first == last ? "from \(first)" : "from \(first) to \(last)"
    let verb = held.count == 1 ? "has" : "have"
    return "\(count), \(dates), \(verb) not been shared with any therapist."
}

/// `YYYY-MM-DD` as the person reads it.
func sessionDay(_ sessionDate: String) -> String {
    let parser = DateFormatter()
    parser.calendar = Calendar(identifier: .gregorian)
    parser.locale = Locale(identifier: "en_US_POSIX")
    parser.timeZone = TimeZone(identifier: "UTC")
    parser.dateFormat = "yyyy-MM-dd"
    guard let date = parser.date(from: sessionDate) else { return sessionDate }
    let shown = DateFormatter()
    shown.timeZone = TimeZone(identifier: "UTC")
    shown.dateStyle = .medium
    return shown.string(from: date)
}

/// The country whose crisis lines the client sees: one tap opens the list.
struct CrisisCountryPicker: View {
    let countries: [CrisisCountry]
    let selected: String?
    let onChoose: (String) -> Void

    var body: some View {
        Picker("Country", selection: Binding(get: { selected ?? "" }, set: { code in if !code.isEmpty { onChoose(code) } })) {
            if selected == nil || !countries.contains(where: { $0.code == selected }) {
                Text(selected ?? "No country chosen: emergency numbers only").tag(selected ?? "")
            }
            ForEach(countries, id: \.code) { country in
                Text(country.name).tag(country.code)
            }
        }
        .frame(minHeight: 44)
        .accessibilityHint("Choose the country whose crisis lines Rapport shows you.")
    }
}

/// The export as a document for `fileExporter`.
struct ExportDocument: FileDocument {
    static var readableContentTypes: [UTType] { [.json] }
    var text: String

    init(text: String) { self.text = text }

    init(configuration: ReadConfiguration) throws {
        text = configuration.file.regularFileContents.flatMap { String(data: $0, encoding: .utf8) } ?? ""
    }

    func fileWrapper(configuration: WriteConfiguration) throws -> FileWrapper {
        FileWrapper(regularFileWithContents: Data(text.utf8))
    }
}

/// Shown instead of the check-in when the consent text changed since the
/// client accepted it: asked once, nothing lost.
struct ConsentUpdateView: View {
    @ObservedObject var model: ConsentUpdateModel

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Text("Please read the updated text before your next check-in. Your check-ins and your pairing stay as they are.")
                }
                Section("What you agree to") {
                    Text(model.state.consentText).font(.callout)
                    Toggle("I have read this and agree", isOn: Binding(get: { model.state.agreed }, set: model.agree))
                        .frame(minHeight: 44)
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                Section {
                    Button("Accept and continue") { Task { await model.accept() } }
                        .frame(maxWidth: .infinity, minHeight: 44)
                        .disabled(!model.state.canAccept)
                }
            }
            .navigationTitle("What you agree to has changed")
        }
    }
}
