import Rapport
import SwiftUI

/// The client's side: join a therapist once, then check in and read history.
struct ClientHomeView: View {
    let client: ClientApp
    @EnvironmentObject private var session: AppSession
    @State private var joined = false
    @StateObject private var consentUpdate: ConsentUpdateModel

    init(client: ClientApp, locale: String) {
        self.client = client
        _consentUpdate = StateObject(wrappedValue: ConsentUpdateModel(client: client, locale: locale))
    }

    var body: some View {
        Group {
            if joined && consentUpdate.state.mustAccept {
                // The consent text changed since the client accepted it: asked once, before anything else.
                ConsentUpdateView(model: consentUpdate)
            } else if joined {
                TabView {
                    CheckInView(model: CheckInScreenModel(client: client, locale: session.locale, http: session.http))
                        .tabItem { Label("Check in", systemImage: "hand.tap") }
                    HistoryView(model: HistoryScreenModel(client: client, locale: session.locale, http: session.http))
                        .tabItem { Label("History", systemImage: "clock") }
                    RightsView(model: RightsScreenModel(client: client, locale: session.locale, http: session.http)) {
                        joined = false
                    }
                    .tabItem { Label("Your data", systemImage: "lock.shield") }
                    .accessibilityHint("Export, pause, leave or erase everything.")
                }
            } else {
                JoinView(model: JoinScreenModel(client: client, locale: session.locale)) {
                    joined = true
                }
            }
        }
        .onAppear {
            joined = (try? client.account()) != nil
        }
        .task { await consentUpdate.load() }
    }
}

/// Paste the therapist's invite, read the consent, agree, join.
struct JoinView: View {
    @StateObject var model: JoinScreenModel
    let onJoined: () -> Void

    var body: some View {
        NavigationStack {
            Form {
                Section("Your therapist's invite") {
                    TextField("rapport:invite/…", text: Binding(get: { model.state.invite }, set: model.editInvite), axis: .vertical)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .frame(minHeight: 44)
                        .accessibilityLabel("Invite link")
                        .accessibilityHint("Paste the link your therapist gave you.")
                    if model.state.relayUrl != nil {
                        Label("This invite is valid.", systemImage: "checkmark.seal")
                            .foregroundStyle(.green)
                    }
                }
                Section {
                    CrisisCountryPicker(countries: model.state.countries, selected: model.state.crisisCountry) { code in
                        model.chooseCrisisCountry(code)
                    }
                } header: {
                    Text("Crisis lines for")
                } footer: {
                    Text("Chosen from your phone's region; tap to change it. Rapport is not a crisis service.")
                }
                if let held = model.state.held {
                    Section("Check-ins made while not paired") {
                        Text(heldText(held))
                        Picker("These check-ins", selection: Binding(get: { model.state.shareHeld }, set: model.shareHeld)) {
                            Text("Keep them on this phone only").tag(false)
                            Text("Share them with this therapist").tag(true)
                        }
                        .pickerStyle(.inline)
                    }
                }
                Section("What you agree to") {
                    Text(model.state.consentText)
                        .font(.callout)
                    Toggle("I have read this and agree", isOn: Binding(get: { model.state.consentAccepted }, set: model.acceptConsent))
                        .frame(minHeight: 44)
                        .accessibilityHint("Joining needs your agreement to the text above.")
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                Section {
                    Button {
                        Task { await model.join() }
                    } label: {
                        HStack {
                            Text("Join")
                            if model.state.joining { ProgressView() }
                        }
                        .frame(maxWidth: .infinity, minHeight: 44)
                    }
                    .disabled(!model.state.canJoin)
                    .accessibilityHint(model.state.canJoin ? "Connects you with your therapist." : "Paste a valid invite and agree first.")
                }
            }
            .navigationTitle("Join your therapist")
        }
        .task { await model.load() }
        .onChange(of: model.state.joined) { joined in
            if joined { onJoined() }
        }
    }
}
