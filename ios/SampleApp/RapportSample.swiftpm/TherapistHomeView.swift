import CoreImage.CIFilterBuiltins
import Rapport
import SwiftUI

/// The therapist's side: set up once, then the dashboard, today's brief and invites.
struct TherapistHomeView: View {
    let therapist: TherapistApp
    @EnvironmentObject private var session: AppSession
    /// Shared by the set-up and invite screens, for the life of this view.
    @StateObject private var setup: PracticeSetupModel

    init(therapist: TherapistApp) {
        self.therapist = therapist
        _setup = StateObject(wrappedValue: PracticeSetupModel(therapist: therapist))
    }

    var body: some View {
        Group {
            if setup.state.setUp {
                TabView {
                    DashboardView(model: DashboardScreenModel(therapist: therapist, http: session.http))
                        .tabItem { Label("Clients", systemImage: "chart.xyaxis.line") }
                    BriefView(model: BriefScreenModel(therapist: therapist, locale: Locale.current.identifier))
                        .tabItem { Label("Today", systemImage: "calendar") }
                    InviteView(model: setup)
                        .tabItem { Label("Invite", systemImage: "qrcode") }
                }
            } else {
                PracticeSetupView(model: setup)
            }
        }
        .task { await setup.load() }
    }
}

/// First run: the relay's address and the name clients see.
struct PracticeSetupView: View {
    @ObservedObject var model: PracticeSetupModel

    var body: some View {
        NavigationStack {
            Form {
                Section("Your practice's relay") {
                    TextField("https://relay.example.org", text: Binding(get: { model.state.relayUrl }, set: model.editRelayUrl))
                        .keyboardType(.URL)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .frame(minHeight: 44)
                        .accessibilityLabel("Relay address")
                        .accessibilityHint("The address your practice runs the Rapport relay at.")
                }
                Section("Your name, as clients see it") {
                    TextField("Dr. Rivera", text: Binding(get: { model.state.name }, set: model.editName))
                        .frame(minHeight: 44)
                        .accessibilityLabel("Your name")
                    if !model.state.name.isEmpty, let problem = model.state.nameProblem {
                        ProblemText(problem: problem)
                    }
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                Button {
                    Task { await model.setUp() }
                } label: {
                    HStack {
                        Text("Set up")
                        if model.state.working { ProgressView() }
                    }
                    .frame(maxWidth: .infinity, minHeight: 44)
                }
                .disabled(!model.state.canSetUp)
                .accessibilityHint("Creates this device's mailbox on the relay.")
            }
            .navigationTitle("Set up")
        }
    }
}

/// One single-use invite per client: a label that stays here, then a link and
/// a QR code to hand over in the session.
struct InviteView: View {
    @ObservedObject var model: PracticeSetupModel

    var body: some View {
        NavigationStack {
            Form {
                Section("Client's label (stays on this device)") {
                    TextField("Initials, e.g. J.D.", text: Binding(get: { model.state.label }, set: model.editLabel))
                        .frame(minHeight: 44)
                        .accessibilityLabel("Client's label")
                        .accessibilityHint("Only you see it. Use initials, not a full name.")
                    if !model.state.label.isEmpty, let problem = model.state.labelProblem {
                        ProblemText(problem: problem)
                    }
                    Button {
                        Task { await model.invite() }
                    } label: {
                        HStack {
                            Text("Create invite")
                            if model.state.working { ProgressView() }
                        }
                        .frame(maxWidth: .infinity, minHeight: 44)
                    }
                    .disabled(!model.state.canInvite)
                    .accessibilityHint("Makes a single-use link for this client, valid for a week.")
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                if let invite = model.state.invite {
                    Section("Give this to your client") {
                        ShareLink(item: invite.uri) {
                            Label("Share the invite link", systemImage: "square.and.arrow.up")
                                .frame(maxWidth: .infinity, minHeight: 44)
                        }
                        .accessibilityHint("Sends the link through a channel you trust.")
                        if let qr = QRCode.image(for: invite.uri) {
                            Image(uiImage: qr)
                                .interpolation(.none)
                                .resizable()
                                .scaledToFit()
                                .frame(maxWidth: 240)
                                .frame(maxWidth: .infinity)
                                .accessibilityLabel("QR code of the invite, for your client to scan")
                        }
                        Text(invite.uri)
                            .font(.caption.monospaced())
                            .textSelection(.enabled)
                            .accessibilityLabel("Invite link")
                        Text("Valid until \(invite.expiresAt.formatted(date: .abbreviated, time: .shortened)). It works once.")
                            .font(.footnote)
                    }
                }
            }
            .navigationTitle("Invite a client")
        }
    }
}

/// The invite as a QR code, drawn on the device (the library also offers it as
/// SVG, which SwiftUI cannot draw without a dependency).
enum QRCode {
    static func image(for text: String) -> UIImage? {
        let filter = CIFilter.qrCodeGenerator()
        filter.message = Data(text.utf8)
        filter.correctionLevel = "M"
        guard let output = filter.outputImage?.transformed(by: CGAffineTransform(scaleX: 8, y: 8)),
              let cgImage = CIContext().createCGImage(output, from: output.extent)
        else { return nil }
        return UIImage(cgImage: cgImage)
    }
}
