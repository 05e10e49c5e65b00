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
                        .tabItem { Label("Check in", systemImage: "hand.tap") }
                    HistoryView(model: HistoryScreenModel(client: client, locale: session.locale, http: session.http))
                        .tabItem { Label("History", systemImage: "clock") }
                    GoalsView(model: GoalsScreenModel(client: client))
                        .tabItem { Label(GoalText.tab, systemImage: "target") }
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
