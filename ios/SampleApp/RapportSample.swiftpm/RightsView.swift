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
                    Text(model.state.checkinsOnPhone == 1
                        ? Localized.text("rights_on_phone_one")
                        : Localized.format("rights_on_phone_other", Int(model.state.checkinsOnPhone)))
                    if let status = statusText { Text(status) }
                }
                Section {
                    actionButton(Localized.text("rights_export"), action: .export, hint: Localized.text("rights_export_hint"))
                    if model.state.paused {
                        actionButton(Localized.text("rights_resume"), action: .resume, hint: Localized.text("rights_resume_hint"))
                    } else {
                        actionButton(Localized.text("rights_pause"), action: .pause, hint: Localized.text("rights_pause_hint"))
                    }
                    actionButton(Localized.text("rights_leave"), action: .leave, hint: Localized.text("rights_leave_hint"))
                    actionButton(Localized.text("rights_erase"), action: .erase, hint: Localized.text("rights_erase_hint"), role: .destructive)
                }
                if model.state.membership == .erasing {
                    Section {
                        Text(Localized.text("rights_erasing"))
                        Button(Localized.text("rights_erase_retry")) { Task { await model.finishErase() } }
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
                    Text(Localized.text("crisis_country_title"))
                } footer: {
                    Text(Localized.text("crisis_country_footer"))
                }
            }
            .navigationTitle(Localized.text("rights_title"))
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
        case .active(let paused): return Localized.text(paused ? "rights_status_paused" : "rights_status_sharing")
        case .erasing: return Localized.text("rights_status_erasing")
        case .revoked: return Localized.text("pairing_ended")
        case .notJoined: return Localized.text("rights_status_not_joined")
        case nil: return nil
        }
    }

    private var doneText: String? {
        switch model.state.done {
        case .export: return Localized.text("rights_done_export")
        case .pause: return Localized.text("rights_done_pause")
        case .resume: return Localized.text("rights_done_resume")
        case .leave: return Localized.text("rights_done_leave")
        case .erase: return Localized.text("rights_done_erase")
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
        case .export: return Localized.text("confirm_export_title")
        case .pause: return Localized.text("confirm_pause_title")
        case .resume: return Localized.text(heldToAsk == nil ? "confirm_resume_title" : "resume_question_title")
        case .leave: return Localized.text("confirm_leave_title")
        case .erase: return Localized.text("confirm_erase_title")
        case nil: return ""
        }
    }

    private var dialogMessage: String {
        switch model.state.confirming {
        case .export:
            return Localized.text("confirm_export_body")
        case .pause:
            return Localized.text("confirm_pause_body")
        case .resume:
            if let held = heldToAsk {
                return heldText(held) + "\n\n" + Localized.text("resume_question_body")
            }
            return Localized.text("confirm_resume_body")
        case .leave:
            return Localized.text("confirm_leave_body")
        case .erase:
            let reach = model.state.eraseReach
            let phone = reach.checkinsOnPhone == 1
                ? Localized.text("erase_reaches_phone_one")
                : Localized.format("erase_reaches_phone_other", Int(reach.checkinsOnPhone))
            let therapist = Localized.text(reach.reachesTherapist ? "erase_reaches_therapist" : "erase_reaches_no_therapist")
            return [phone, therapist, Localized.text("erase_does_not_reach_copies"), Localized.text("erase_cannot_undo")]
                .joined(separator: "\n\n")
        case nil:
            return ""
        }
    }

    @ViewBuilder private var dialogButtons: some View {
        switch model.state.confirming {
        case .resume where heldToAsk != nil:
            Button(Localized.text("resume_send_held")) { Task { await model.confirm(sendHeld: true) } }
            Button(Localized.text("resume_keep_held")) { Task { await model.confirm(sendHeld: false) } }
        case .export:
            Button(Localized.text("confirm_export")) { Task { await model.confirm() } }
        case .pause:
            Button(Localized.text("confirm_pause")) { Task { await model.confirm() } }
        case .resume:
            Button(Localized.text("confirm_resume")) { Task { await model.confirm() } }
        case .leave:
            Button(Localized.text("confirm_leave"), role: .destructive) { Task { await model.confirm() } }
        case .erase:
            Button(Localized.text("confirm_erase"), role: .destructive) { Task { await model.confirm() } }
        case nil:
            EmptyView()
        }
        Button(Localized.text("cancel"), role: .cancel) { model.cancel() }
    }
}

/// "3 check-ins on this phone, from 2 March to 9 March, have not been shared
/// with any therapist", in the person's language and date format. Whole
/// sentences per case, so each language words the count and the dates its own way.
func heldText(_ held: HeldCheckIns) -> String {
    let first = held.firstSession.map(SessionDay.text) ?? ""
    let last = held.lastSession.map(SessionDay.text) ?? ""
    if held.count == 1 { return Localized.format("held_on_day_one", first) }
    if first == last { return Localized.format("held_on_day_other", Int(held.count), first) }
    return Localized.format("held_between", Int(held.count), first, last)
}

/// The country whose crisis lines the client sees: one tap opens the list.
struct CrisisCountryPicker: View {
    let countries: [CrisisCountry]
    let selected: String?
    let onChoose: (String) -> Void

    var body: some View {
        Picker(Localized.text("crisis_country_picker"), selection: Binding(get: { selected ?? "" }, set: { code in if !code.isEmpty { onChoose(code) } })) {
            if selected == nil || !countries.contains(where: { $0.code == selected }) {
                Text(selected ?? Localized.text("crisis_country_none")).tag(selected ?? "")
            }
            ForEach(countries, id: \.code) { country in
                Text(country.name).tag(country.code)
            }
        }
        .frame(minHeight: 44)
        .accessibilityHint(Localized.text("crisis_country_hint"))
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
                    Text(Localized.text("consent_update_intro"))
                }
                Section(Localized.text("consent_title")) {
                    Text(model.state.consentText).font(.callout)
                    Toggle(Localized.text("consent_agree"), isOn: Binding(get: { model.state.agreed }, set: model.agree))
                        .frame(minHeight: 44)
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                Section {
                    Button(Localized.text("consent_update_accept")) { Task { await model.accept() } }
                        .frame(maxWidth: .infinity, minHeight: 44)
                        .disabled(!model.state.canAccept)
                }
            }
            .navigationTitle(Localized.text("consent_update_title"))
        }
    }
}
