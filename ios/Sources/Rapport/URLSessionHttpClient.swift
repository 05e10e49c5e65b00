import Foundation

/// The one HTTP call Rapport asks of the app, over URLSession.
///
/// Rapport builds every request of the relay's API and reads every answer itself
/// (the same code on iOS, Android and the command line), so this class only sends
/// the request it is given and hands back whatever status, headers and body come
/// back; it throws `HttpError` only when there is no answer at all.
///
/// The library calls `send` from its own background thread and expects it to
/// block until the answer is complete (`sync` and `join` are `async` on the Swift
/// side and never block the caller), so each request waits on a semaphore.
///
/// The session is ephemeral (no cookies, no cache on disk: answers hold
/// envelopes) and refuses redirects, so a bearer token is never sent anywhere but
/// the relay. Nothing is logged.
public final class URLSessionHttpClient: NSObject, HttpClient, URLSessionTaskDelegate, @unchecked Sendable {
    private let session: URLSession

    public override init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.waitsForConnectivity = false
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let delegateQueue = OperationQueue()
        delegateQueue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: nil, delegateQueue: delegateQueue)
        super.init()
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(request: HttpRequest) throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw HttpError.Unreachable(reason: "the library built an address URLSession cannot read")
        }
        let timeout = TimeInterval(request.timeoutMs) / 1000
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalAndRemoteCacheData,
                                    timeoutInterval: timeout)
        urlRequest.httpMethod = request.method
        for header in request.headers {
            urlRequest.setValue(header.value, forHTTPHeaderField: header.name)
        }
        if !request.body.isEmpty {
            urlRequest.httpBody = request.body
        }
        let host = url.host ?? "the relay"
        let done = DispatchSemaphore(value: 0)
        var outcome: Result<HttpResponse, HttpError> = .failure(.Unreachable(reason: "no answer from \(host)"))
        let task = session.dataTask(with: urlRequest) { data, response, error in
            defer { done.signal() }
            if let error = error as? URLError, error.code == .timedOut {
                outcome = .failure(.TimedOut(reason: "no answer from \(host) within \(Int(timeout)) s"))
            } else if let error {
                outcome = .failure(.Unreachable(reason: "could not reach \(host) (\(error.localizedDescription))"))
            } else if let http = response as? HTTPURLResponse {
                let headers = http.allHeaderFields.compactMap { name, value -> HttpHeader? in
                    guard let name = name as? String else { return nil }
                    return HttpHeader(name: name, value: "\(value)")
                }
                outcome = .success(HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers,
                                                body: data ?? Data()))
            } else {
                outcome = .failure(.Unreachable(reason: "the answer from \(host) is not HTTP"))
            }
        }
        task.delegate = self
        task.resume()
        done.wait()
        return try outcome.get()
    }

    // Refuses every redirect: the relay never redirects, and following one would
    // carry the bearer token to wherever it points. The library reads the
    // redirect answer handed back and says so.
    public func urlSession(_ session: URLSession, task: URLSessionTask,
                           willPerformHTTPRedirection response: HTTPURLResponse,
                           newRequest request: URLRequest,
                           completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
