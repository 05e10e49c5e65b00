// How an iOS app uses the generated bindings: a Keychain-backed SecretStore,
// a URLSession-backed HttpClient, and `async` sync. Checked here for syntax
// only (no Swift compiler on this machine); the iOS package holds the real one.

import Foundation
import Security

/// The data key lives in the Keychain, readable only while the device is unlocked.
final class KeychainSecretStore: SecretStore {
    func get(name: String) throws -> Data? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrAccount as String: name,
            kSecReturnData as String: true,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess: return item as? Data
        case errSecItemNotFound: return nil
        default: throw RapportError.KeyUnavailable(reason: "Keychain error \(status)")
        }
    }

    func put(name: String, secret: Data) throws {
        try delete(name: name)
        let attributes: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrAccount as String: name,
            kSecAttrAccessible as String: kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
            kSecValueData as String: secret,
        ]
        let status = SecItemAdd(attributes as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw RapportError.KeyUnavailable(reason: "Keychain error \(status)")
        }
    }

    func delete(name: String) throws {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrAccount as String: name,
        ]
        let status = SecItemDelete(query as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw RapportError.KeyUnavailable(reason: "Keychain error \(status)")
        }
    }
}

/// The one HTTP call Rapport asks for, over URLSession: send the request it
/// built, hand back whatever came back. Rapport calls it from a background
/// thread, so waiting for the answer there is fine. Never follow redirects in
/// a real app (the iOS package's URLSessionHttpClient refuses them).
final class PlainHttpClient: HttpClient {
    func send(request: HttpRequest) throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw HttpError.Unreachable(reason: "not a URL")
        }
        var urlRequest = URLRequest(url: url, timeoutInterval: TimeInterval(request.timeoutMs) / 1000)
        urlRequest.httpMethod = request.method
        for header in request.headers {
            urlRequest.setValue(header.value, forHTTPHeaderField: header.name)
        }
        urlRequest.httpBody = request.body.isEmpty ? nil : request.body
        let done = DispatchSemaphore(value: 0)
        var answer: Result<HttpResponse, HttpError> = .failure(.Unreachable(reason: "no answer"))
        URLSession.shared.dataTask(with: urlRequest) { data, response, error in
            defer { done.signal() }
            if let error {
                answer = .failure(.Unreachable(reason: error.localizedDescription))
            } else if let http = response as? HTTPURLResponse {
                let headers = http.allHeaderFields.map { HttpHeader(name: "\($0.key)", value: "\($0.value)") }
                answer = .success(HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers, body: data ?? Data()))
            }
        }.resume()
        done.wait()
        return try answer.get()
    }
}

/// Joining, checking in after a session, and syncing, as a client screen would.
func checkInAfterSession(databasePath: String, inviteUri: String, heard: UInt8, hopeful: UInt8) async throws {
    let app = try ClientApp.openWithSecretStore(path: databasePath, secretStore: KeychainSecretStore())
    if try app.account() == nil {
        // Show app.consent(locale:).text first; join with the version accepted.
        let consent = app.consent(locale: Locale.current.identifier)
        _ = try await app.join(
            http: PlainHttpClient(),
            inviteUri: inviteUri,
            consentVersion: consent.version
        )
    }
    let instrument = try app.instrument(locale: Locale.current.identifier)
    let today = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withFullDate])
    do {
        let outcome = try app.recordCheckin(draft: CheckInDraft(
            instrument: instrument.reference,
            sessionDate: today,
            answers: ["heard": heard, "hopeful": hopeful],
            note: nil,
            supportRequested: false
        ), locale: Locale.current.identifier)
        if let notice = outcome.safety {
            // Present the crisis sheet now: notice.resources.lines, emergency number, not-monitored text.
            print(notice.resources.notMonitored)
        }
    } catch let RapportError.InvalidCheckIn(field, reason) {
        print("point at \(field ?? "the form"): \(reason)")
        return
    }
    guard try app.account() != nil else { return }
    let report = try await app.sync(http: PlainHttpClient())
    print(report.summary)
}

/// The history, each check-in with the words its client rated: an older
/// check-in answered an older edition, whose statements differ from today's.
func printHistory(app: ClientApp) throws {
    let locale = Locale.current.identifier
    for checkin in try app.history(after: nil, limit: 100).checkins {
        let form = try app.checkinFormOf(instrument: checkin.instrument, locale: locale)
        for item in form.items {
            if let rating = checkin.answers[item.id] {
                print("\(checkin.sessionDate) \(item.prompt): \(rating)")
            }
        }
    }
}
