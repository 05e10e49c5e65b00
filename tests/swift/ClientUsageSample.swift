// How an iOS app uses the generated bindings: a Keychain-backed SecretStore,
// a URLSession-backed Transport, and `async` sync. Checked here for syntax
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

/// The relay over URLSession. Rapport calls it from a background thread, so
/// waiting for each request there is fine.
final class URLSessionTransport: Transport {
    let base: URL

    init(relayUrl: String) throws {
        guard let url = URL(string: relayUrl) else {
            throw RapportError.Network(reason: "bad relay URL \(relayUrl)")
        }
        base = url
    }

    private func send(_ request: URLRequest) throws -> Data {
        let done = DispatchSemaphore(value: 0)
        var result: Result<Data, RapportError> = .failure(.Network(reason: "no answer"))
        URLSession.shared.dataTask(with: request) { data, response, error in
            defer { done.signal() }
            if let error = error {
                result = .failure(.Network(reason: error.localizedDescription))
                return
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            switch status {
            case 200..<300: result = .success(data ?? Data())
            case 429: result = .failure(.RateLimited(retryAfterSecs: 60, reason: "slow down"))
            default: result = .failure(.RelayRefused(status: UInt16(status), code: "http_\(status)", reason: "refused"))
            }
        }.resume()
        done.wait()
        return try result.get()
    }

    private func json(_ data: Data) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RapportError.Network(reason: "the relay answered something that is not JSON")
        }
        return object
    }

    func createMailbox() throws -> MailboxCredentials {
        var request = URLRequest(url: base.appendingPathComponent("v1/mailboxes"))
        request.httpMethod = "POST"
        let body = try json(try send(request))
        return MailboxCredentials(
            mailboxId: body["mailbox_id"] as? String ?? "",
            readToken: body["read_token"] as? String ?? ""
        )
    }

    func mintPostToken(mailboxId: String, readToken: String) throws -> PostToken {
        var request = URLRequest(url: base.appendingPathComponent("v1/mailboxes/\(mailboxId)/post-tokens"))
        request.httpMethod = "POST"
        request.setValue("Bearer \(readToken)", forHTTPHeaderField: "Authorization")
        let body = try json(try send(request))
        return PostToken(tokenId: body["token_id"] as? String ?? "", postToken: body["post_token"] as? String ?? "")
    }

    func revokePostToken(mailboxId: String, readToken: String, tokenId: String) throws {
        var request = URLRequest(url: base.appendingPathComponent("v1/mailboxes/\(mailboxId)/post-tokens/\(tokenId)"))
        request.httpMethod = "DELETE"
        request.setValue("Bearer \(readToken)", forHTTPHeaderField: "Authorization")
        _ = try send(request)
    }

    func post(mailboxId: String, postToken: String, envelope: Data) throws -> UInt64 {
        var request = URLRequest(url: base.appendingPathComponent("v1/mailboxes/\(mailboxId)/messages"))
        request.httpMethod = "POST"
        request.setValue("Bearer \(postToken)", forHTTPHeaderField: "Authorization")
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        request.httpBody = envelope
        let body = try json(try send(request))
        return (body["seq"] as? NSNumber)?.uint64Value ?? 0
    }

    func fetch(mailboxId: String, readToken: String, after: UInt64, limit: UInt32) throws -> FetchPage {
        var components = URLComponents(url: base.appendingPathComponent("v1/mailboxes/\(mailboxId)/messages"),
                                       resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "after", value: String(after)),
                                  URLQueryItem(name: "limit", value: String(limit))]
        guard let url = components?.url else { throw RapportError.Network(reason: "bad fetch URL") }
        var request = URLRequest(url: url)
        request.setValue("Bearer \(readToken)", forHTTPHeaderField: "Authorization")
        let body = try json(try send(request))
        let messages = (body["messages"] as? [[String: Any]] ?? []).map { message in
            FetchedEnvelope(
                seq: (message["seq"] as? NSNumber)?.uint64Value ?? 0,
                body: Data(base64Encoded: message["body"] as? String ?? "") ?? Data()
            )
        }
        return FetchPage(messages: messages, more: body["more"] as? Bool ?? false)
    }
}

/// Joining, checking in after a session, and syncing, as a client screen would.
func checkInAfterSession(databasePath: String, inviteUri: String, heard: UInt8, hopeful: UInt8) async throws {
    let app = try ClientApp.openWithSecretStore(path: databasePath, secretStore: KeychainSecretStore())
    if try app.account() == nil {
        let invite = try parseInvite(uri: inviteUri, now: Date())
        // Show app.consent(locale:).text first; join with the version accepted.
        let consent = app.consent(locale: Locale.current.identifier)
        _ = try await app.join(
            transport: try URLSessionTransport(relayUrl: invite.relayUrl),
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
    guard let account = try app.account() else { return }
    let report = try await app.sync(transport: try URLSessionTransport(relayUrl: account.relayUrl))
    print(report.summary)
}
