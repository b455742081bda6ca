#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// Whether a `200` answer may carry an error document instead (CompleteMultipartUpload does,
    /// and S3 documents its `InternalError` as one to retry).
    var errorMayComeIn200 = false
    /// For a write that commits (creates, replaces or removes an object) under a writer lease:
    /// whether the lease is known to hold now. No attempt starts, or goes on, once it is not.
    var leaseHolds: (@Sendable () -> Bool)?
    /// Whether the request is the writer lease's own: sent on connections of its own, so that it
    /// never waits behind a checkpoint's uploads.
    var isLeaseTraffic = false

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
    /// The attempts it took: after more than one, an earlier attempt may have acted unanswered.
    var attempts = 1

    /// The `ETag` header, quotes included, as `If-Match` takes it.
    var etag: String? { headers.first(name: "etag") }
}

/// The process's HTTP client for S3: connections fail at once when refused (the client's own
/// retries, which would wait until the request's deadline, are off: ours report and back off) and
/// connecting may take 10 s; how long an attempt may then go without progress, or take in all, is
/// each request's own (``S3ResponseCollector``). It lives as long as the process.
private let sharedHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10))
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()

/// The same, for the writer lease's requests only: a renewal never waits for a connection behind
/// a checkpoint's part uploads, which could otherwise hold every connection past its term.
private let leaseHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10))
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()

/// Sends signed requests to one S3 endpoint, retrying what may succeed on a second try.
///
/// Connection errors, timeouts, 5xx answers and `SlowDown` (also inside a `200` answer where S3
/// may put them) are tried again, ``S3Timeouts/attempts`` times in all, waiting 0.1 s, then 0.4 s,
/// 1.6 s… with jitter; then the failure is one line naming the object, the operation and the
/// endpoint. A 4xx answer (bad credentials, no such bucket, access denied) fails at once, naming
/// the bucket, the key and S3's error code. Every attempt ends when it stops making progress or
/// runs past a deadline that follows its size (``S3Timeouts``), so a server that stops answering
/// is an error, never a hang.
final class S3Client: Sendable {
    let configuration: S3Configuration
    let endpoint: S3Endpoint
    private let signer: SigV4Signer
    /// How long attempts may take, and how many there are.
    let timeouts: S3Timeouts

    init(configuration: S3Configuration, timeouts: S3Timeouts = S3Timeouts()) {
        self.configuration = configuration
        endpoint = configuration.endpoint.flatMap(S3Endpoint.init) ?? .aws(region: configuration.region)
        signer = configuration.signer
        self.timeouts = timeouts
    }

    /// `s3://bucket/key`, for messages.
    static func url(bucket: String, key: String) -> String { key.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(key)" }

    /// Sends `request`, retrying transient failures.
    /// - Parameter accepting: Statuses that are answers, not failures (e.g. 404 for a read, 412 for a create).
    func send(_ request: S3Request, accepting: Set<Int> = []) throws(CheckpointStoreError) -> S3Response {
        var attempt = 1
        while true {
            if let leaseHolds = request.leaseHolds, !leaseHolds() {
                throw Self.leaseLapsed.error(request)
            }
            let failure: Failure
            do {
                var response = try perform(request)
                response.attempts = attempt
                if request.errorMayComeIn200, response.status == 200, XMLElements(response.body).value("Code") != nil {
                    failure = Self.failure(for: response, request: request)
                } else if (200..<300).contains(response.status) || accepting.contains(response.status) {
                    return response
                } else {
                    failure = Self.failure(for: response, request: request)
                }
            } catch let stopped as S3ResponseCollector.Stopped where stopped.leaseLapsed {
                throw Self.leaseLapsed.error(request)
            } catch {
                failure = transportFailure(error, request: request)
            }
            guard failure.isTransient else { throw failure.error(request) }
            guard attempt < timeouts.attempts else {
                throw failure.error(request, after: "after \(attempt) attempts at \(endpoint.description)", attempts: attempt)
            }
            OwnedThread.sleep(seconds: S3Timeouts.pause(after: attempt) * Double.random(in: 0.5...1.5))
            attempt += 1
        }
    }

    /// A write that would commit after the writer lease could have lapsed: not tried, or given up.
    static let leaseLapsed = Failure(
        verb: "not done", cause: "the writer lease could not be renewed in time, so another app may take the storage over; nothing is written until it is",
        code: .io(errno: ENOLCK))

    /// Why a request failed, before it becomes a ``CheckpointStoreError`` naming the object.
    struct Failure {
        /// `refused` for an answer that says no, `failed` otherwise.
        var verb: String
        var cause: String
        var code: CheckpointStoreError.Code
        var isTransient: Bool { code.isIO && code.errno != ENOENT }

        /// `<url>: <operation> failed[ <context>]: <cause>`.
        func error(_ request: S3Request, after context: String? = nil, attempts: Int = 1) -> CheckpointStoreError {
            CheckpointStoreError(
                path: S3Client.url(bucket: request.bucket, key: request.key),
                problem: "\(request.operation) \(verb)\(context.map { " \($0)" } ?? ""): \(cause)", code: code, alreadyRetried: attempts > 1)
        }

        /// `<path>: <verb>: <cause>`, for a failure found before any request.
        func error(forPath path: String) -> CheckpointStoreError {
            CheckpointStoreError(path: path, problem: "\(verb): \(cause)", code: code)
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
        let collector = S3ResponseCollector(sentBytes: size, expectsBody: request.method != .HEAD, timeouts: timeouts, leaseHolds: request.leaseHolds)
        let task = (request.isLeaseTraffic ? leaseHTTPClient : sharedHTTPClient).execute(request: httpRequest, delegate: collector)
        collector.watch(task)
        do {
            return try task.wait()
        } catch {
            // The client reports an attempt the collector ended as cancelled: say why instead.
            throw collector.stopped ?? error
        }
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
        case let stopped as S3ResponseCollector.Stopped:
            return Failure(verb: "failed", cause: stopped.description, code: .io(errno: ETIMEDOUT))
        case let error as HTTPClientError where error == .connectTimeout:
            return Failure(verb: "failed", cause: "no answer in time (\(error))", code: .io(errno: ETIMEDOUT))
        case let error as HTTPClientError:
            return Failure(verb: "failed", cause: "\(error)", code: .io(errno: EIO))
        case let error as IOError:
            // NIO's own wording ("connection reset (error set): …") reads oddly: the system's is plain.
            return Failure(verb: "failed", cause: String(cString: strerror(error.errnoCode)), code: .io(errno: error.errnoCode))
        default:
            return Failure(verb: "failed", cause: "\(error)", code: .io(errno: ECONNREFUSED))
        }
    }
}
