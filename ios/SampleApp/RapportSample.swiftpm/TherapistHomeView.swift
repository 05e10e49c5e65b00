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
                    DashboardView(model: DashboardScreenModel(therapist: therapist, locale: Locale.current.identifier, http: session.http))
                        .tabItem { Label(Localized.text("tab_clients"), systemImage: "chart.xyaxis.line") }
                    BriefView(model: BriefScreenModel(therapist: therapist, locale: Locale.current.identifier))
                        .tabItem { Label(Localized.text("tab_today"), systemImage: "calendar") }
                    InviteView(model: setup)
                        .tabItem { Label(Localized.text("tab_invite"), systemImage: "qrcode") }
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
                Section(Localized.text("relay_section")) {
                    TextField(Localized.text("relay_placeholder"), text: Binding(get: { model.state.relayUrl }, set: model.editRelayUrl))
                        .keyboardType(.URL)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .frame(minHeight: 44)
                        .accessibilityLabel(Localized.text("relay_field"))
                        .accessibilityHint(Localized.text("relay_hint"))
                }
                Section(Localized.text("name_field")) {
                    TextField(Localized.text("name_placeholder"), text: Binding(get: { model.state.name }, set: model.editName))
                        .frame(minHeight: 44)
                        .accessibilityLabel(Localized.text("name_short"))
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
                        Text(Localized.text("set_up"))
                        if model.state.working { ProgressView() }
                    }
                    .frame(maxWidth: .infinity, minHeight: 44)
                }
                .disabled(!model.state.canSetUp)
                .accessibilityHint(Localized.text("set_up_hint"))
            }
            .navigationTitle(Localized.text("setup_title"))
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
                Section(Localized.text("label_field")) {
                    TextField(Localized.text("label_placeholder"), text: Binding(get: { model.state.label }, set: model.editLabel))
                        .frame(minHeight: 44)
                        .accessibilityLabel(Localized.text("label_short"))
                        .accessibilityHint(Localized.text("label_hint"))
                    if !model.state.label.isEmpty, let problem = model.state.labelProblem {
                        ProblemText(problem: problem)
                    }
                    Button {
                        Task { await model.invite() }
                    } label: {
                        HStack {
                            Text(Localized.text("create_invite"))
                            if model.state.working { ProgressView() }
                        }
                        .frame(maxWidth: .infinity, minHeight: 44)
                    }
                    .disabled(!model.state.canInvite)
                    .accessibilityHint(Localized.text("create_invite_hint"))
                }
                if let problem = model.state.problem {
                    Section { ProblemText(problem: problem) }
                }
                if let invite = model.state.invite {
                    Section(Localized.text("invite_give_section")) {
                        ShareLink(item: invite.uri) {
                            Label(Localized.text("share_invite"), systemImage: "square.and.arrow.up")
                                .frame(maxWidth: .infinity, minHeight: 44)
                        }
                        .accessibilityHint(Localized.text("share_invite_hint"))
                        if let qr = QRCode.image(for: invite.uri) {
                            Image(uiImage: qr)
                                .interpolation(.none)
                                .resizable()
                                .scaledToFit()
                                .frame(maxWidth: 240)
                                .frame(maxWidth: .infinity)
                                .accessibilityLabel(Localized.text("qr_label"))
                        }
                        Text(invite.uri)
                            .font(.caption.monospaced())
                            .textSelection(.enabled)
                            .accessibilityLabel(Localized.text("invite_field"))
                        Text(Localized.format("invite_ready", invite.expiresAt.formatted(date: .abbreviated, time: .shortened)))
                            .font(.footnote)
                    }
                }
            }
            .navigationTitle(Localized.text("invite_title"))
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
