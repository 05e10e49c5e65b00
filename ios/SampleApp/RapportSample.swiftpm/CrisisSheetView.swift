import Rapport
import SwiftUI

/// Where to find help now: the emergency number and the crisis lines for the
/// person's region, each a large button that starts the call or the text.
/// Everything here comes from the library's bundled data, so it opens offline.
struct CrisisSheetView: View {
    let sheet: CrisisSheet
    let onClose: () -> Void

    var body: some View {
        NavigationStack {
            List {
                Section {
                    Text(heading)
                        .font(.title3.bold())
                        .accessibilityAddTraits(.isHeader)
                    Text(sheet.notMonitored)
                        .font(.body)
                }
                Section("In an emergency") {
                    ForEach(sheet.emergencyNumbers) { number in
                        Link(destination: number.url) {
                            Label("Call \(number.shown)", systemImage: "phone.fill")
                                .font(.headline)
                                .frame(maxWidth: .infinity, minHeight: 52, alignment: .leading)
                        }
                        .accessibilityLabel("Call emergency services, \(number.shown)")
                        .accessibilityHint("Starts a phone call.")
                    }
                    if sheet.emergencyNumbers.isEmpty {
                        Text("Call your local emergency number: \(sheet.emergencyNumber)")
                    }
                }
                if sheet.isFallback {
                    Section {
                        Text("We could not tell which country you are in, so we show only emergency numbers. Setting your phone's region lets Rapport show crisis lines for it.")
                            .font(.callout)
                    }
                } else {
                    Section("Talk to someone now") {
                        ForEach(sheet.lines) { line in
                            CrisisLineRow(line: line)
                        }
                    }
                }
                Section {
                    Text("Crisis data version \(sheet.dataVersion)" + (sheet.region.map { ", region \($0)" } ?? ""))
                        .font(.caption)
                        .foregroundStyle(.secondary)
                }
            }
            .navigationTitle("Support")
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Close", action: onClose)
                        .frame(minWidth: 44, minHeight: 44)
                        .accessibilityHint("Closes the crisis resources.")
                }
            }
        }
        .onAppear {
            UIAccessibility.post(notification: .screenChanged, argument: heading)
        }
    }

    private var heading: String {
        switch sheet.reason {
        case .some(.lowHope): return "It sounds like things feel hard right now. You don't have to wait for your next session."
        case .some(.supportRequested), .none: return "Help is available right now."
        }
    }
}

/// One crisis line: name, hours, and a button that calls or texts it.
struct CrisisLineRow: View {
    let line: CrisisSheet.Line

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            if let url = line.url {
                Link(destination: url) {
                    Label(line.contact, systemImage: line.isText ? "message.fill" : "phone.fill")
                        .font(.headline)
                        .frame(maxWidth: .infinity, minHeight: 52, alignment: .leading)
                }
                .accessibilityLabel("\(line.isText ? "Text" : "Call") \(line.name), \(line.contact)")
                .accessibilityHint(line.isText ? "Opens Messages\(line.textBody.map { " with \($0) filled in" } ?? "")." : "Starts a phone call.")
            } else {
                Text(line.contact).font(.headline)
            }
            Text(line.name)
            Text(line.alwaysOpen ? "Open 24 hours, every day" : line.hours)
                .font(.footnote)
                .foregroundStyle(.secondary)
            Text("Checked \(line.verifiedOn)")
                .font(.caption2)
                .foregroundStyle(.secondary)
                .accessibilityLabel("Details checked on \(line.verifiedOn)")
        }
        .padding(.vertical, 4)
    }
}
