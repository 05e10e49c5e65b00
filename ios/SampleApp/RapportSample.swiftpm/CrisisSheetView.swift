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
                Section(Localized.text("crisis_emergency")) {
                    ForEach(sheet.emergencyNumbers) { number in
                        Link(destination: number.url) {
                            Label(Localized.format("call_number", number.shown), systemImage: "phone.fill")
                                .font(.headline)
                                .frame(maxWidth: .infinity, minHeight: 52, alignment: .leading)
                        }
                        .accessibilityLabel(Localized.format("call_emergency_label", number.shown))
                        .accessibilityHint(Localized.text("call_hint"))
                    }
                    if sheet.emergencyNumbers.isEmpty {
                        Text(Localized.format("call_local_emergency", sheet.emergencyNumber))
                    }
                }
                if sheet.isFallback {
                    Section {
                        Text(Localized.text("crisis_fallback"))
                            .font(.callout)
                    }
                } else {
                    Section(Localized.text("crisis_lines")) {
                        ForEach(sheet.lines) { line in
                            CrisisLineRow(line: line)
                        }
                    }
                }
                Section {
                    Text(Localized.format("crisis_data_version", Int(sheet.dataVersion), sheet.region ?? "—"))
                        .font(.caption)
                        .foregroundStyle(.secondary)
                }
            }
            .navigationTitle(Localized.text("crisis_title"))
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button(Localized.text("close"), action: onClose)
                        .frame(minWidth: 44, minHeight: 44)
                        .accessibilityHint(Localized.text("close_crisis_hint"))
                }
            }
        }
        .onAppear {
            UIAccessibility.post(notification: .screenChanged, argument: heading)
        }
    }

    private var heading: String {
        switch sheet.reason {
        case .some(.lowHope): return Localized.text("crisis_heading_low_hope")
        case .some(.supportRequested), .none: return Localized.text("crisis_heading")
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
                .accessibilityLabel(Localized.format(line.isText ? "text_line_label" : "call_line_label", line.name, line.contact))
                .accessibilityHint(line.isText ? line.textBody.map { Localized.format("text_line_hint_body", $0) } ?? Localized.text("text_line_hint") : Localized.text("call_hint"))
            } else {
                Text(line.contact).font(.headline)
            }
            Text(line.name)
            Text(line.alwaysOpen ? Localized.text("open_always") : line.hours)
                .font(.footnote)
                .foregroundStyle(.secondary)
            Text(Localized.format("checked_on", line.verifiedOn))
                .font(.caption2)
                .foregroundStyle(.secondary)
                .accessibilityLabel(Localized.format("checked_on_spoken", line.verifiedOn))
        }
        .padding(.vertical, 4)
    }
}
