import AsyncHTTPClient
import Foundation
import LightningStore
import NIOCore
import NIOHTTP1

/// One S3 request: the operation's name for messages, the object, and what to send.
struct S3Request {
    var operation: String
    var method: HTTPMethod
    var bucket: String
    /// The object key; empty for a bucket-level request (listing, multipart listing).
    var key: String
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    /// What to send: one buffer, shared (not copied) by every attempt.
    var body = ByteBuffer()

    /// The bytes in `range` of the consecutive `chunks` (all of them when `nil`), copied once into a buffer.
    static func body(_ chunks: [[UInt8]], range: Range<Int>? = nil) -> ByteBuffer {
        let total = chunks.reduce(0) { $0 + $1.count }
        let wanted = range ?? 0..<total
        var buffer = ByteBufferAllocator().buffer(capacity: wanted.count)
        var start = 0
        for chunk in chunks {
            let from = max(start, wanted.lowerBound)
            let to = min(start + chunk.count, wanted.upperBound)
            if from < to { buffer.writeBytes(chunk[(from - start)..<(to - start)]) }
            start += chunk.count
            if start >= wanted.upperBound { break }
        }
        return buffer
    }
}

/// What S3 answered.
struct S3Response {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    /// The `ETag` header, quotes included, as `If-Match` takes it.
    var etag: String? { headers.first(name: "etag") }
}

/// The process's HTTP client for S3: connections fail at once when refused (the client's own
/// retries, which would wait until the request's deadline, are off: ours report and back off),
/// connecting may take 10 s and a silent server 30 s. It lives as long as the process.
private let sharedHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(30))
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()

/// Sends signed requests to one S3 endpoint, retrying what may succeed on a second try.
///
/// Connection errors, timeouts, 5xx answers and `SlowDown` are tried again, ``attempts`` times in
/// all, waiting 0.1 s, then 0.4 s, 1.6 s… with jitter; then the failure is one line naming the
/// object, the operation and the endpoint. A 4xx answer (bad credentials, no such bucket, access
/// denied) fails at once, naming the bucket, the key and S3's error code. Every request has a
/// deadline, so a server that stops answering is an error, never a hang.
final class S3Client: Sendable {
    let configuration: S3Configuration
    let endpoint: S3Endpoint
    private let signer: SigV4Signer
    /// Tries per request.
    let attempts: Int
    /// Seconds a request may take, plus one per MiB it sends or expects.
    let timeout: Double

    private static var http: HTTPClient { sharedHTTPClient }

    init(configuration: S3Configuration, attempts: Int = 4, timeout: Double = 30) {
        self.configuration = configuration
        endpoint = configuration.endpoint.flatMap(S3Endpoint.init) ?? .aws(region: configuration.region)
        signer = configuration.signer
        self.attempts = attempts
        self.timeout = timeout
    }

    /// `s3://bucket/key`, for messages.
    static func url(bucket: String, key: String) -> String { key.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(key)" }

    /// Sends `request`, retrying transient failures.
    /// - Parameter accepting: Statuses that are answers, not failures (e.g. 404 for a read, 412 for a create).
    func send(_ request: S3Request, accepting: Set<Int> = []) throws(CheckpointStoreError) -> S3Response {
        var pause = 0.1
        var attempt = 1
        while true {
            let failure: Failure
            do {
                let response = try perform(request)
                if (200..<300).contains(response.status) || accepting.contains(response.status) { return response }
                failure = Self.failure(for: response, request: request)
            } catch {
                failure = transportFailure(error, request: request)
            }
            guard failure.isTransient else { throw failure.error(request) }
            guard attempt < attempts else {
                throw failure.error(request, after: "after \(attempt) attempts at \(endpoint.description)")
            }
            Thread.sleep(forTimeInterval: pause * Double.random(in: 0.5...1.5))
            pause *= 4
            attempt += 1
        }
    }

    /// Why a request failed, before it becomes a ``CheckpointStoreError`` naming the object.
    struct Failure {
        /// `refused` for an answer that says no, `failed` otherwise.
        var verb: String
        var cause: String
        var code: CheckpointStoreError.Code
        var isTransient: Bool { code.isIO && code.errno != ENOENT }

        /// `<url>: <operation> failed[ <context>]: <cause>`.
        func error(_ request: S3Request, after context: String? = nil) -> CheckpointStoreError {
            CheckpointStoreError(
                path: S3Client.url(bucket: request.bucket, key: request.key),
                problem: "\(request.operation) \(verb)\(context.map { " \($0)" } ?? ""): \(cause)", code: code)
        }
    }

    private func perform(_ request: S3Request) throws -> S3Response {
        let objectPath = request.key.isEmpty ? "" : "/\(request.key)"
        let path = endpoint.pathStyle ? "/\(request.bucket)\(objectPath)" : (objectPath.isEmpty ? "/" : objectPath)
        let host = endpoint.pathStyle ? endpoint.authority : "\(request.bucket).\(endpoint.authority)"
        let size = request.body.readableBytes
        let payloadHash = size == 0 ? SigV4Signer.emptyPayloadHash : request.body.withUnsafeReadableBytes { SigV4Signer.payloadHash($0) }
        var headers = request.headers + [("host", host)]
        if size > 0 || request.method == .PUT || request.method == .POST { headers.append(("content-length", String(size))) }
        let signed = signer.sign(
            method: request.method.rawValue, path: path, query: request.query, headers: headers, payloadHash: payloadHash, time: Date().timeIntervalSince1970)
        let encodedPath = path.split(separator: "/", omittingEmptySubsequences: false).map { SigV4Signer.uriEncode(String($0)) }.joined(separator: "/")
        let query = request.query.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
        let url = "\(endpoint.scheme)://\(host)\(encodedPath)\(query.isEmpty ? "" : "?\(query)")"
        var httpHeaders = HTTPHeaders()
        for (name, value) in signed where name != "host" && name != "content-length" { httpHeaders.add(name: name, value: value) }
        let body: HTTPClient.Body? = size > 0 || request.method == .PUT || request.method == .POST ? .byteBuffer(request.body) : nil
        let httpRequest = try HTTPClient.Request(url: url, method: request.method, headers: httpHeaders, body: body)
        let seconds = timeout + Double(size) / 1_048_576
        let response = try Self.http.execute(request: httpRequest, deadline: .now() + .milliseconds(Int64(seconds * 1000))).wait()
        var responseBody: [UInt8] = []
        if var buffer = response.body { responseBody = buffer.readBytes(length: buffer.readableBytes) ?? [] }
        return S3Response(status: Int(response.status.code), headers: response.headers, body: responseBody)
    }

    private static func isThrottling(_ response: S3Response) -> Bool {
        ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"].contains(XMLElements(response.body).value("Code") ?? "")
    }

    /// An S3 error answer: `GET refused: 403 AccessDenied: Access Denied`, or a missing object.
    static func failure(for response: S3Response, request: S3Request) -> Failure {
        let xml = XMLElements(response.body)
        let code = xml.value("Code") ?? "HTTP \(response.status)"
        let message = xml.value("Message").map { ": \($0)" } ?? ""
        if response.status == 404 && code != "NoSuchBucket" && !request.key.isEmpty {
            return Failure(verb: "failed", cause: "no such object (404 \(code))", code: .io(errno: ENOENT))
        }
        if response.status >= 500 || isThrottling(response) {
            return Failure(verb: "failed", cause: "\(response.status) \(code)\(message)", code: .io(errno: EIO))
        }
        return Failure(verb: "refused", cause: "\(response.status) \(code)\(message)", code: .refused(status: response.status))
    }

    private func transportFailure(_ error: any Error, request: S3Request) -> Failure {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout:
            return Failure(verb: "failed", cause: "no answer in time (\(error))", code: .io(errno: ETIMEDOUT))
        case let error as HTTPClientError:
            return Failure(verb: "failed", cause: "\(error)", code: .io(errno: EIO))
        default:
            return Failure(verb: "failed", cause: "\(error)", code: .io(errno: ECONNREFUSED))
        }
    }
}
