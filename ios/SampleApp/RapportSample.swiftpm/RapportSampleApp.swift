import Rapport
import SwiftUI

/// The sample app: a client's check-in and history, or a therapist's
/// dashboard, on the Rapport library.
@main
struct RapportSampleApp: App {
    @StateObject private var session = AppSession()

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(session)
        }
    }
}

/// Chooses the side once, then shows that side's screens.
struct RootView: View {
    @EnvironmentObject private var session: AppSession

    var body: some View {
        if let client = session.client {
            ClientHomeView(client: client, locale: session.locale)
        } else if let therapist = session.therapist {
            TherapistHomeView(therapist: therapist)
        } else {
            RoleChoiceView()
        }
    }
}

/// First launch: who is using this device.
struct RoleChoiceView: View {
    @EnvironmentObject private var session: AppSession

    var body: some View {
        VStack(spacing: 24) {
            Text(Localized.text("app_name"))
                .font(.largeTitle.bold())
                .accessibilityAddTraits(.isHeader)
            Text(Localized.text("role_intro"))
                .multilineTextAlignment(.center)
            Button {
                session.open(.client)
            } label: {
                Label(Localized.text("role_client"), systemImage: "person")
                    .frame(maxWidth: .infinity, minHeight: 44)
            }
            .buttonStyle(.borderedProminent)
            .accessibilityHint(Localized.text("role_client_hint"))
            Button {
                session.open(.therapist)
            } label: {
                Label(Localized.text("role_therapist"), systemImage: "person.2")
                    .frame(maxWidth: .infinity, minHeight: 44)
            }
            .buttonStyle(.bordered)
            .accessibilityHint(Localized.text("role_therapist_hint"))
            if let problem = session.problem {
                ProblemText(problem: problem)
            }
        }
        .padding(24)
    }
}

/// A problem's sentence, announced to VoiceOver when it appears.
struct ProblemText: View {
    let problem: Problem

    var body: some View {
        Label(problem.reason, systemImage: "exclamationmark.triangle")
            .foregroundStyle(.red)
            .font(.callout)
            .accessibilityLabel(Localized.format("problem_spoken", problem.reason))
            .onAppear {
                UIAccessibility.post(notification: .announcement, argument: problem.reason)
            }
    }
}

/// `YYYY-MM-DD` session days as a person reads them, never shifted through a
/// time zone (a session date is a day in the client's calendar, not an instant).
enum SessionDay {
    private static let parser: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }()

    private static let display: DateFormatter = {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateStyle = .medium
        return formatter
    }()

    /// `2026-11-23` as `Nov 23, 2026` in the person's locale.
    static func text(_ sessionDate: String) -> String {
        parser.date(from: sessionDate).map(display.string(from:)) ?? sessionDate
    }
}
