import Foundation

/// `tel:` and `sms:` links for crisis lines, built in one place because a
/// malformed link fails silently on a phone: the button does nothing at the one
/// moment it must work. Same rules as the Android library's `ContactLinks`.
public enum ContactLinks {
    private static let dialable = Set("+0123456789*#")

    /// The characters to dial from a line's `dial` field, or `nil` when it holds
    /// no digit (the sheet then shows the number as text, not a dead button).
    public static func dialString(_ dial: String) -> String? {
        let kept = String(dial.filter { dialable.contains($0) })
        return kept.contains(where: \.isNumber) ? kept : nil
    }

    /// The emergency numbers in the library's `emergencyNumber` text, each with
    /// its `tel:` link: one for a country ("999"), several for the fallback
    /// ("112 / 911"), which must become two buttons, never a call to 112911.
    public static func emergencyNumbers(_ text: String) -> [(shown: String, url: URL)] {
        text.split(whereSeparator: { "/,;".contains($0) })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .compactMap { shown in telURL(shown).map { (shown: shown, url: $0) } }
    }

    /// A `tel:` link that starts a call (RFC 3966; `#` is percent-encoded).
    public static func telURL(_ dial: String) -> URL? {
        guard let number = dialString(dial) else { return nil }
        return URL(string: "tel:" + number.replacingOccurrences(of: "#", with: "%23"))
    }

    /// An `sms:` link that opens Messages to `dial`, with `body` filled in when
    /// the line asks for a keyword (RFC 5724 `?body=`, which Messages reads).
    public static func smsURL(_ dial: String, body: String?) -> URL? {
        guard let number = dialString(dial) else { return nil }
        guard let body, !body.trimmingCharacters(in: .whitespaces).isEmpty else {
            return URL(string: "sms:" + number)
        }
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        let encoded = body.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
        return URL(string: "sms:\(number)?body=\(encoded)")
    }
}

/// What the crisis-resources sheet shows: the emergency number and the lines
/// for the client's region, each with a link that starts the call or text.
///
/// The resources come from the library (bundled, offline, dated, sourced),
/// never from the network, so the sheet opens with no connection at all.
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
        /// The `tel:`/`sms:` link; `nil` when nothing in the data is dialable.
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
        emergencyNumbers = ContactLinks.emergencyNumbers(resources.emergencyNumber).map {
            EmergencyNumber(shown: $0.shown, url: $0.url)
        }
        lines = resources.lines.map { line in
            let isText = line.kind == .text
            return Line(
                name: line.name,
                isText: isText,
                contact: line.contact,
                textBody: line.textBody,
                url: isText ? ContactLinks.smsURL(line.dial, body: line.textBody) : ContactLinks.telURL(line.dial),
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
