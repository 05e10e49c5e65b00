import Foundation

/// The app's own words, from Localizable.xcstrings, in the person's language
/// (English, German, French or Spanish; English for any other). The
/// questionnaire, the consent, the crisis texts and "nobody watches check-ins
/// in real time" come from the library instead.
///
/// Views pass these strings to SwiftUI as plain text, never as a
/// `LocalizedStringKey`: the catalog is this package's resource
/// (`Bundle.module`), which SwiftUI's own lookup (the main bundle) would miss.
/// tests/mobile/check_strings.py checks that every key named here is in the
/// catalog in every language, with the same placeholders.
enum Localized {
    /// The text of `key`.
    static func text(_ key: String) -> String {
        NSLocalizedString(key, bundle: .module, comment: "")
    }

    /// The text of `key` with its placeholders (`%@`, `%lld`) filled in order.
    static func format(_ key: String, _ arguments: CVarArg...) -> String {
        String(format: text(key), locale: Locale.current, arguments: arguments)
    }
}
