import Rapport
import SwiftUI

/// The client's side: join a therapist once, then check in, read history and
/// keep goals.
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
                        .tabItem { Label(Localized.text("tab_check_in"), systemImage: "hand.tap") }
                    HistoryView(model: HistoryScreenModel(client: client, locale: session.locale, http: session.http))
                        .tabItem { Label(Localized.text("tab_history"), systemImage: "clock") }
                    GoalsView(model: GoalsScreenModel(client: client))
                        .tabItem { Label(Localized.text("tab_goals"), systemImage: "target") }
                    RightsView(model: RightsScreenModel(client: client, locale: session.locale, http: session.http)) {
                        joined = false
                    }
                    .tabItem { Label(Localized.text("tab_your_data"), systemImage: "lock.shield") }
                    .accessibilityHint(Localized.text("your_data_hint"))
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
                Section(Localized.text("invite_section")) {
                    TextField(Localized.text("invite_placeholder"), text: Binding(get: { model.state.invite }, set: model.editInvite), axis: .vertical)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .frame(minHeight: 44)
                        .accessibilityLabel(Localized.text("invite_field"))
                        .accessibilityHint(Localized.text("invite_hint"))
                    if model.state.relayUrl != nil {
                        Label(Localized.text("invite_valid"), systemImage: "checkmark.seal")
                            .foregroundStyle(.green)
                    }
                }
                Section {
                    CrisisCountryPicker(countries: model.state.countries, selected: model.state.crisisCountry) { code in
                        model.chooseCrisisCountry(code)
                    }
                } header: {
                    Text(Localized.text("crisis_country_title"))
                } footer: {
                    Text(Localized.text("crisis_country_explained"))
                }
                if let held = model.state.held {
                    Section(Localized.text("held_title")) {
                        Text(heldText(held))
                        Picker(Localized.text("held_picker"), selection: Binding(get: { model.state.shareHeld }, set: model.shareHeld)) {
                            Text(Localized.text("held_keep")).tag(false)
                            Text(Localized.text("held_share")).tag(true)
                        }
                        .pickerStyle(.inline)
                    }
                }
                Section(Localized.text("consent_title")) {
                    Text(model.state.consentText)
                        .font(.callout)
                    Toggle(Localized.text("consent_agree"), isOn: Binding(get: { model.state.consentAccepted }, set: model.acceptConsent))
                        .frame(minHeight: 44)
                        .accessibilityHint(Localized.text("consent_agree_hint"))
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                Section {
                    Button {
                        Task { await model.join() }
                    } label: {
                        HStack {
                            Text(Localized.text("join"))
                            if model.state.joining { ProgressView() }
                        }
                        .frame(maxWidth: .infinity, minHeight: 44)
                    }
                    .disabled(!model.state.canJoin)
                    .accessibilityHint(Localized.text(model.state.canJoin ? "join_ready_hint" : "join_not_ready_hint"))
                }
            }
            .navigationTitle(Localized.text("join_title"))
        }
        .task { await model.load() }
        .onChange(of: model.state.joined) { joined in
            if joined { onJoined() }
        }
    }
}
