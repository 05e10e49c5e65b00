import Foundation

/// The relay's `/v1` HTTP API over URLSession, as the library's `Transport`.
///
/// The library calls these methods from its own background thread and expects
/// them to block until the relay answers (`sync` and `join` are `async` on the
/// Swift side and never block the caller), so each request waits on a
/// semaphore. Every failure is a `RapportError` the sync engine acts on:
/// `Network` (nothing was lost, sync again), `RelayRefused` (with the relay's
/// status and `error` code) or `RateLimited`, mapped by `RelayAnswer` exactly as
/// the command line and the Android library map them.
///
/// The session is ephemeral (no cookies, no cache on disk: answers hold
/// envelopes) and refuses redirects, so a bearer token is never sent anywhere
/// but the relay. Nothing is logged.
public final class URLSessionTransport: NSObject, Transport, URLSessionTaskDelegate, @unchecked Sendable {
    /// The relay's base URL without a trailing slash.
    public let baseURL: URL
    private let session: URLSession

    /// A transport for the relay at `relayUrl` (from the account or the invite).
    ///
    /// Throws `RapportError.Network` when `relayUrl` is not an absolute http(s)
    /// URL with a host, so a typo fails here rather than on the first sync.
    public init(relayUrl: String, timeout: TimeInterval = 30) throws {
        var text = relayUrl.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text),
              let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty,
              url.query == nil, url.fragment == nil
        else {
            throw RapportError.Network(reason: "\"\(relayUrl)\" is not a relay address: it should look like https://relay.example.org")
        }
        baseURL = url
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 2
        configuration.waitsForConnectivity = false
        configuration.httpAdditionalHeaders = ["Accept": "application/json"]
        let delegateQueue = OperationQueue()
        delegateQueue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: nil, delegateQueue: delegateQueue)
        super.init()
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func createMailbox() throws -> MailboxCredentials {
        let json = try call("POST", "/mailboxes", token: nil, body: Data())
        return MailboxCredentials(mailboxId: try RelayAnswer.text(json, "mailbox_id"),
                                  readToken: try RelayAnswer.text(json, "read_token"))
    }

    public func mintPostToken(mailboxId: String, readToken: String) throws -> PostToken {
        let json = try call("POST", "/mailboxes/\(segment(mailboxId))/post-tokens", token: readToken, body: Data())
        return PostToken(tokenId: try RelayAnswer.text(json, "token_id"),
                         postToken: try RelayAnswer.text(json, "post_token"))
    }

    public func revokePostToken(mailboxId: String, readToken: String, tokenId: String) throws {
        _ = try call("DELETE", "/mailboxes/\(segment(mailboxId))/post-tokens/\(segment(tokenId))", token: readToken, body: nil)
    }

    public func post(mailboxId: String, postToken: String, envelope: Data) throws -> UInt64 {
        let json = try call("POST", "/mailboxes/\(segment(mailboxId))/messages", token: postToken, body: envelope)
        return try RelayAnswer.unsigned(json, "seq")
    }

    public func fetch(mailboxId: String, readToken: String, after: UInt64, limit: UInt32) throws -> FetchPage {
        let path = "/mailboxes/\(segment(mailboxId))/messages?after=\(after)&limit=\(limit)"
        let json = try call("GET", path, token: readToken, body: nil)
        guard let answer = json as? [String: Any], let messages = answer["messages"] as? [Any] else {
            throw RelayAnswer.protocolError("the answer has no \"messages\"")
        }
        let envelopes = try messages.map { item -> FetchedEnvelope in
            guard let message = item as? [String: Any] else {
                throw RelayAnswer.protocolError("a message is not an object")
            }
            let seq = try RelayAnswer.unsigned(message, "seq")
            guard let text = message["body"] as? String else {
                throw RelayAnswer.protocolError("a message has no body")
            }
            guard let body = Data(base64Encoded: text) else {
                throw RelayAnswer.protocolError("a message body is not base64")
            }
            return FetchedEnvelope(seq: seq, body: body)
        }
        return FetchPage(messages: envelopes, more: answer["more"] as? Bool ?? false)
    }

    /// Whether the relay answers its health check, for a "connected" badge or a
    /// settings screen's "test connection" button. Called from the app's own
    /// async code, so the blocking request runs on a detached task.
    public func isReachable() async -> Bool {
        await Task.detached(priority: .utility) { [self] in
            let json = try? self.call("GET", "/health", token: nil, body: nil)
            return (json as? [String: Any])?["status"] as? String == "ok"
        }.value
    }

    // Refuses every redirect: the relay never redirects, and following one would
    // carry the bearer token to wherever it points. The 3xx then surfaces as
    // `RelayRefused`.
    public func urlSession(_ session: URLSession, task: URLSessionTask,
                           willPerformHTTPRedirection response: HTTPURLResponse,
                           newRequest request: URLRequest,
                           completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    /// Sends one request, waits for the answer, and returns the JSON of a 2xx
    /// answer or throws the typed error.
    private func call(_ method: String, _ path: String, token: String?, body: Data?) throws -> Any? {
        guard let url = URL(string: baseURL.absoluteString + "/v1" + path) else {
            throw RelayAnswer.protocolError("cannot build a URL for \(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let token {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        if let body {
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        let done = DispatchSemaphore(value: 0)
        var outcome: Result<(Data, HTTPURLResponse), RapportError> = .failure(.Network(reason: "no answer from the relay"))
        let host = baseURL.host ?? "the relay"
        let task = session.dataTask(with: request) { data, response, error in
            defer { done.signal() }
            if let error {
                outcome = .failure(.Network(reason: "could not reach the relay at \(host) (\(error.localizedDescription)): check the connection and sync again"))
            } else if let http = response as? HTTPURLResponse {
                outcome = .success((data ?? Data(), http))
            } else {
                outcome = .failure(RelayAnswer.protocolError("the answer is not HTTP"))
            }
        }
        task.delegate = self
        task.resume()
        done.wait()
        let (data, response) = try outcome.get()
        return try RelayAnswer.interpret(status: response.statusCode,
                                         retryAfter: response.value(forHTTPHeaderField: "Retry-After"),
                                         body: data)
    }

    /// Ids and tokens are base64url; anything else is percent-encoded so it
    /// stays one path segment.
    private func segment(_ value: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }
}
