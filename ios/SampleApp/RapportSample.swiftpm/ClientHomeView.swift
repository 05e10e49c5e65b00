import Rapport
import SwiftUI

/// The client's side: join a therapist once, then check in, read history and
/// keep goals.
struct ClientHomeView: View {
    let client: ClientApp
    @EnvironmentObject private var session: AppSession
    @State private var joined = false

    var body: some View {
        Group {
            if joined {
                TabView {
                    CheckInView(model: CheckInScreenModel(client: client, locale: session.locale, http: session.http))
                        .tabItem { Label(Localized.text("tab_check_in"), systemImage: "hand.tap") }
                    HistoryView(model: HistoryScreenModel(client: client, locale: session.locale, http: session.http))
                        .tabItem { Label(Localized.text("tab_history"), systemImage: "clock") }
                    GoalsView(model: GoalsScreenModel(client: client))
                        .tabItem { Label(Localized.text("tab_goals"), systemImage: "target") }
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
