import Foundation

/// What an HTTP answer from the relay means to Rapport's sync engine, kept
/// apart from URLSession so the mapping is one pure function.
///
/// It mirrors the command line's client (`cli/src/http.rs`) and the Android
/// library's `RelayAnswer.kt` on purpose, so every platform reacts to the same
/// relay answer the same way:
/// - a body that is present but not JSON is a protocol failure, whatever the
///   status (a captive portal or a proxy's HTML page): `Network`, because
///   nothing was stored and syncing again later is the right reaction;
/// - 2xx: the parsed body (`nil` when empty, as for 204);
/// - 429: `RateLimited` with the `Retry-After` seconds, 1 when missing;
/// - anything else: `RelayRefused` with the status, the relay's `error` code
///   (`"error"` when absent) and its `detail` sentence.
enum RelayAnswer {
    /// Wait when a 429 carries no usable `Retry-After`, as in the CLI.
    static let defaultRetryAfterSecs: UInt64 = 1

    /// The JSON of a successful answer, or the typed error an unsuccessful one
    /// stands for.
    static func interpret(status: Int, retryAfter: String?, body: Data) throws -> Any? {
        var json: Any?
        let blank = body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if !blank {
            do {
                json = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
            } catch {
                throw RapportError.Network(reason: "the relay answered \(status) with a body that is not JSON")
            }
        }
        switch status {
        case 200..<300:
            return json
        case 429:
            let trimmed = retryAfter?.trimmingCharacters(in: .whitespaces)
            let secs = trimmed.flatMap { UInt64($0) } ?? defaultRetryAfterSecs
            throw RapportError.RateLimited(retryAfterSecs: secs, reason: "the relay asks to slow down: sync again in \(secs) s")
        default:
            let fields = json as? [String: Any]
            throw RapportError.RelayRefused(
                status: UInt16(clamping: status),
                code: fields?["error"] as? String ?? "error",
                reason: fields?["detail"] as? String ?? "the relay gave no reason"
            )
        }
    }

    /// A required text field of a successful answer.
    static func text(_ json: Any?, _ name: String) throws -> String {
        guard let value = (json as? [String: Any])?[name] as? String else {
            throw protocolError("the answer has no \"\(name)\"")
        }
        return value
    }

    /// A required unsigned integer field (such as `seq`). Bridging an
    /// `NSNumber` with `as? UInt64` succeeds only when the value is exactly
    /// representable, so fractions and negatives are refused, not rounded.
    static func unsigned(_ json: Any?, _ name: String) throws -> UInt64 {
        guard let value = (json as? [String: Any])?[name] as? UInt64 else {
            throw protocolError("the answer has no \"\(name)\"")
        }
        return value
    }

    /// A malformed but parseable answer. The library's transport contract has no
    /// separate protocol error for apps and treats anything but `RelayRefused`
    /// and `RateLimited` as a network failure, so say so directly.
    static func protocolError(_ detail: String) -> RapportError {
        .Network(reason: "the relay's answer makes no sense: \(detail)")
    }
}
