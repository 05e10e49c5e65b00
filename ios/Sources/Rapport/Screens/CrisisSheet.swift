import Foundation

/// What the crisis-resources sheet shows: the emergency number and the lines
/// for the client's region, each with a link that starts the call or text.
///
/// The resources come from the library (bundled, offline, dated, sourced),
/// never from the network, so the sheet opens with no connection at all; so
/// do the numbers to dial and the `tel:`/`sms:` links, which the sheet only
/// turns into `URL`s.
public struct CrisisSheet: Identifiable, Equatable {
    /// One line on the sheet, ready to draw as a large button.
    public struct Line: Identifiable, Equatable {
        public var id: String { name + contact }
        /// The service's name.
        public var name: String
        /// A text line (opens Messages) rather than a phone line.
        public var isText: Bool
        /// The number or short code as the service prints it.
        public var contact: String
        /// The keyword to send, for text lines that want one.
        public var textBody: String?
        /// The library's `tel:`/`sms:` link as a `URL` (`nil` only if Foundation
        /// could not read it; the sheet then shows the number as text).
        public var url: URL?
        /// Opening hours as the service states them.
        public var hours: String
        /// Open around the clock.
        public var alwaysOpen: Bool
        /// Where the details were checked, and when (`YYYY-MM-DD`).
        public var sourceUrl: String
        public var verifiedOn: String
    }

    public var id: String { "\(locale)-\(dataVersion)-\(String(describing: reason))" }
    /// Why the sheet opened; `nil` when the client pressed "I need support now".
    public var reason: SafetyReason?
    /// One emergency number and the link that dials it.
    public struct EmergencyNumber: Identifiable, Equatable {
        public var id: String { shown }
        public var shown: String
        public var url: URL
    }

    /// The emergency number as the library prints it (`999`, or `112 / 911`
    /// for the fallback), and each number in it with its own `tel:` link.
    public var emergencyNumber: String
    public var emergencyNumbers: [EmergencyNumber]
    /// The crisis lines, in the order the data lists them.
    public var lines: [Line]
    /// "Rapport is not monitored in real time", in the client's language.
    public var notMonitored: String
    /// The region the lines are for, when known.
    public var region: String?
    /// The locale names no country the library has checked lines for, so it
    /// gives emergency advice only (no lines); the sheet says so and suggests
    /// setting the device's region, rather than showing a line that may not
    /// serve the person.
    public var isFallback: Bool
    public var locale: String
    /// Version of the bundled crisis data, shown small for support requests.
    public var dataVersion: UInt32

    /// The sheet for `resources`, opened because of `reason`.
    public init(_ resources: CrisisResources, reason: SafetyReason?) {
        self.reason = reason
        emergencyNumber = resources.emergencyNumber
        emergencyNumbers = resources.emergencyNumbers.compactMap { number in
            URL(string: number.uri).map { EmergencyNumber(shown: number.shown, url: $0) }
        }
        lines = resources.lines.map { line in
            let isText = line.kind == .text
            return Line(
                name: line.name,
                isText: isText,
                contact: line.contact,
                textBody: line.textBody,
                url: URL(string: line.uri),
                hours: line.hours,
                alwaysOpen: line.alwaysOpen,
                sourceUrl: line.sourceUrl,
                verifiedOn: line.verifiedOn
            )
        }
        notMonitored = resources.notMonitored
        region = resources.region
        isFallback = resources.isFallback
        locale = resources.locale
        dataVersion = resources.dataVersion
    }
}
