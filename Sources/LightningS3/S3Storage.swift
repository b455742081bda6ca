#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LightningStore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Checkpoints in an S3 bucket (AWS S3, MinIO, Ceph RGW or any compatible server): a key is an
/// object under ``prefix``.
///
/// - A checkpoint is created with one conditional `PUT` (`If-None-Match: *`): it appears whole or
///   not at all, and never replaces another writer's object (412: the name is taken, and the
///   store takes the next). Every write carries a token of its own in its metadata
///   (`x-amz-meta-lightning-write`), so when a retry finds the name taken, a `HEAD` tells whether
///   an earlier attempt of this very write acted and lost its answer. Objects over
///   ``multipartThreshold`` go up as a multipart upload whose parts are sent
///   ``uploadConcurrency`` at a time and whose completion is conditional in the same way; a failed
///   upload is aborted, leaving no parts, and an upload left by a start whose answer was lost is
///   found and aborted (best effort: what is left is aborted at the next app's start).
/// - Every write that commits (create, replace, remove) checks the writer lease first, and is
///   abandoned if the lease's validity passes while it is in flight (see ``lockForWriting()``).
/// - Listing is ListObjectsV2, following continuation tokens, so thousands of checkpoints list.
/// - A snapshot's header is read with a range `GET`, never the whole object.
/// - The writer lock is a lease object, `<prefix>/.writer-lease`.
public final class S3Storage: CheckpointStorage {
    /// The bucket.
    public let bucket: String
    /// The key prefix, without a trailing `/`; empty for the bucket's root.
    public let prefix: String
    let client: S3Client
    /// Objects larger than this go up in parts.
    public let multipartThreshold: Int
    /// The size of each part but the last (S3 wants at least 5 MiB).
    public let partSize: Int
    /// How many parts are sent at once.
    public let uploadConcurrency: Int
    /// How long a writer lease lasts without renewal, in seconds.
    public let leaseSeconds: Double
    /// How long requests may take, and how many times they are tried.
    public var timeouts: S3Timeouts { client.timeouts }
    /// The writer lease's standing, checked by every write that commits.
    let leaseValidity: S3LeaseValidity
    /// Where the storage logs what happens outside any call (a writer lease lost to another app).
    public let logger: Logger

    /// Creates a storage over `s3://bucket/prefix`.
    /// - Parameters:
    ///   - bucket: The bucket.
    ///   - prefix: The key prefix under which `checkpoints/` lives; empty for the bucket's root.
    ///   - configuration: Credentials, region and endpoint.
    ///   - multipartThreshold: Objects larger than this many bytes go up as multipart uploads.
    ///   - partSize: The size of each part but the last (at least 5 MiB).
    ///   - uploadConcurrency: How many parts are sent at once.
    ///   - leaseSeconds: How long the writer lease lasts without renewal: 1 s to a day.
    ///   - timeouts: How long a request may go without progress or take in all, and how many
    ///     times one that failed in a way that may pass (a connection error, a timeout, a 5xx
    ///     answer, `SlowDown`) is tried.
    ///   - logger: Where the writer lease's troubles are logged; by default labelled `lightning.s3`.
    public init(
        bucket: String, prefix: String, configuration: S3Configuration, multipartThreshold: Int = 16 << 20, partSize: Int = 8 << 20,
        uploadConcurrency: Int = 8, leaseSeconds: Double = 30, timeouts: S3Timeouts = S3Timeouts(), logger: Logger = Logger(label: "lightning.s3")
    ) {
        self.logger = logger
        self.bucket = bucket
        self.prefix = prefix.split(separator: "/").joined(separator: "/")
        client = S3Client(configuration: configuration, timeouts: timeouts)
        leaseValidity = S3LeaseValidity(logger: logger, storage: S3Client.url(bucket: bucket, key: self.prefix))
        self.multipartThreshold = multipartThreshold
        self.partSize = max(partSize, 5 << 20)
        self.uploadConcurrency = max(uploadConcurrency, 1)
        self.leaseSeconds = leaseSeconds.isNaN ? 30 : min(max(leaseSeconds, 1), 86_400)
    }

    /// `s3://bucket/prefix`.
    public var description: String { S3Client.url(bucket: bucket, key: prefix) }

    /// The object key of a storage key.
    func objectKey(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix)/\(key)" }

    /// The `s3://` URL of the object at `key`.
    public func location(of key: String) -> String { S3Client.url(bucket: bucket, key: objectKey(key)) }

    /// The objects directly under `folder`, with their sizes (ListObjectsV2, following continuation tokens).
    public func list(folder: String) throws(CheckpointStoreError) -> [StorageEntry] {
        let listed = objectKey(folder) + "/"
        var entries: [StorageEntry] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", listed), ("delimiter", "/")]
            if let token { query.append(("continuation-token", token)) }
            let response = try client.send(S3Request(operation: "list", method: .GET, bucket: bucket, key: "", query: query))
            let xml = XMLElements(response.body)
            for object in xml.blocks("Contents") {
                guard let key = object.value("Key"), key.hasPrefix(listed), let size = object.value("Size").flatMap(Int.init) else { continue }
                let name = key.dropFirst(listed.count)
                // Names starting with "." are the storage's own (the lease); never checkpoints.
                guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/") else { continue }
                entries.append(StorageEntry(key: "\(folder)/\(name)", size: size))
            }
            token = xml.value("IsTruncated") == "true" ? xml.value("NextContinuationToken") : nil
        } while token != nil
        return entries
    }

    /// Reads the object, or the bytes of `range` in it (a range `GET`).
    public func read(_ key: String, range: Range<Int>?) throws(CheckpointStoreError) -> [UInt8] {
        var headers: [(String, String)] = []
        if let range {
            guard !range.isEmpty else { return [] }
            headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)"))
        }
        // 416: the range starts past the end of the object, which reads as nothing, as a file does.
        let response = try client.send(S3Request(operation: "read", method: .GET, bucket: bucket, key: objectKey(key), headers: headers), accepting: [416])
        return response.status == 416 ? [] : response.body
    }

    /// Creates the object only if absent (`If-None-Match: *`, multipart when large); returns `false` when it exists.
    public func create(_ key: String, chunks: [[UInt8]]) throws(CheckpointStoreError) -> Bool {
        try write(key, chunks: chunks, conditional: true)
    }

    /// Writes the object, replacing any.
    public func replace(_ key: String, chunks: [[UInt8]]) throws(CheckpointStoreError) {
        _ = try write(key, chunks: chunks, conditional: false)
    }

    /// Deletes the object.
    public func remove(_ key: String) throws(CheckpointStoreError) {
        try committing(key) { () throws(CheckpointStoreError) in
            var request = S3Request(operation: "delete", method: .DELETE, bucket: bucket, key: objectKey(key))
            request.leaseHolds = leaseHolds
            _ = try client.send(request, accepting: [404])
        }
    }

    /// Takes the writer lease, the object `<prefix>/.writer-lease`, renewed by compare-and-swap
    /// while held, and checked by every write that commits (see `S3Lease`): one app writes at a
    /// time, even when answers are lost, and never after another app could have taken over.
    public func lockForWriting() throws(CheckpointStoreError) -> any StorageLock {
        try S3Lease.acquire(in: self)
    }

    /// Aborts the multipart uploads left under `folder` by writers that died mid-upload. The
    /// caller holds the lease, so no live writer has an upload there.
    public func removeLeftovers(folder: String) throws(CheckpointStoreError) -> Int {
        let listed = objectKey(folder) + "/"
        var aborted = 0
        var markers: (key: String, upload: String)?
        repeat {
            var query = [("uploads", ""), ("prefix", listed)]
            if let markers { query += [("key-marker", markers.key), ("upload-id-marker", markers.upload)] }
            let response = try client.send(S3Request(operation: "list uploads", method: .GET, bucket: bucket, key: "", query: query))
            let xml = XMLElements(response.body)
            for upload in xml.blocks("Upload") {
                guard let key = upload.value("Key"), let id = upload.value("UploadId") else { continue }
                try abort(objectKey: key, uploadID: id)
                aborted += 1
            }
            markers = xml.value("IsTruncated") == "true"
                ? xml.value("NextKeyMarker").flatMap { key in xml.value("NextUploadIdMarker").map { (key, $0) } } : nil
        } while markers != nil
        return aborted
    }

    // MARK: - Writing

    /// Whether a write that commits may go on: the writer lease, if one is held, still holds.
    private var leaseHolds: @Sendable () -> Bool {
        { [leaseValidity] in leaseValidity.holdsNow }
    }

    /// The metadata header that carries each write's own token.
    static let writeTokenHeader = "x-amz-meta-lightning-write"

    /// Writes an object whole, in one `PUT` or in parts; with `conditional`, only if it does not exist.
    /// - Returns: `false` when `conditional` and the object exists (and is not ours: see ``isOurs(_:token:)``).
    private func write(_ key: String, chunks: [[UInt8]], conditional: Bool) throws(CheckpointStoreError) -> Bool {
        try committing(key) { () throws(CheckpointStoreError) in try send(key, chunks: chunks, conditional: conditional) }
    }

    /// Runs a write that commits: refused once the writer lease's validity has passed, and a lapse
    /// that abandoned it in flight is reported as one found before it.
    private func committing<T>(_ key: String, _ body: () throws(CheckpointStoreError) -> T) throws(CheckpointStoreError) -> T {
        try leaseValidity.checkWritable(location(of: key))
        do {
            return try body()
        } catch {
            if error.code == .io(errno: ENOLCK) { leaseValidity.reportLapse() }
            throw error
        }
    }

    private func send(_ key: String, chunks: [[UInt8]], conditional: Bool) throws(CheckpointStoreError) -> Bool {
        let size = chunks.reduce(0) { $0 + $1.count }
        let condition = conditional ? [("if-none-match", "*")] : []
        let token = UUID().uuidString.lowercased()
        if size <= multipartThreshold {
            var request = S3Request(
                operation: "create", method: .PUT, bucket: bucket, key: objectKey(key), headers: condition + [(Self.writeTokenHeader, token)],
                body: S3Request.body(chunks))
            request.leaseHolds = leaseHolds
            let response = try client.send(request, accepting: conditional ? [412] : [])
            guard response.status == 412 else { return true }
            // Taken on a retry: perhaps by our own first attempt, whose answer was lost.
            guard response.attempts > 1 else { return false }
            return try isOurs(objectKey(key), token: token)
        }
        return try uploadInParts(objectKey(key), chunks: chunks, size: size, condition: condition, token: token)
    }

    /// Whether the object at `objectKey` was written by the write that carries `token` (a `HEAD`).
    private func isOurs(_ objectKey: String, token: String) throws(CheckpointStoreError) -> Bool {
        let head = try client.send(S3Request(operation: "check", method: .HEAD, bucket: bucket, key: objectKey), accepting: [404])
        return head.status != 404 && head.headers.first(name: Self.writeTokenHeader) == token
    }

    private func uploadInParts(_ objectKey: String, chunks: [[UInt8]], size: Int, condition: [(String, String)], token: String) throws(CheckpointStoreError) -> Bool {
        let started = try client.send(
            S3Request(operation: "start upload", method: .POST, bucket: bucket, key: objectKey, query: [("uploads", "")], headers: [(Self.writeTokenHeader, token)]))
        guard let uploadID = XMLElements(started.body).value("UploadId") else {
            throw CheckpointStoreError(path: S3Client.url(bucket: bucket, key: objectKey), problem: "start upload: the answer holds no UploadId", code: .io(errno: EIO))
        }
        // An earlier attempt may have started an upload whose answer was lost: nobody else
        // uploads this key (the lease), so any other upload of it is that one.
        if started.attempts > 1 { abortQuietly(objectKey) { () throws(CheckpointStoreError) in try abortUploads(of: objectKey, except: uploadID) } }
        var completing = false
        do throws(CheckpointStoreError) {
            let etags = try sendParts(objectKey, uploadID: uploadID, chunks: chunks, size: size)
            completing = true
            let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(Self.escape($0.element))</ETag></Part>" }
            let body = Array("<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>".utf8)
            var request = S3Request(
                operation: "complete upload", method: .POST, bucket: bucket, key: objectKey, query: [("uploadId", uploadID)], headers: condition,
                body: S3Request.body([body]))
            // S3 may answer 200 with an error inside the body: retried like any other failure.
            request.errorMayComeIn200 = true
            request.leaseHolds = leaseHolds
            let completed = try client.send(request, accepting: condition.isEmpty ? [] : [412])
            guard completed.status == 412 else { return true }
            if completed.attempts > 1, try isOurs(objectKey, token: token) { return true }
            abortQuietly(objectKey) { () throws(CheckpointStoreError) in try abort(objectKey: objectKey, uploadID: uploadID) }
            return false
        } catch {
            // A completion whose answers were all lost may still have acted: the object tells.
            if completing, (try? isOurs(objectKey, token: token)) == true { return true }
            // Leave no parts behind; the error that stopped the upload is the one to report.
            abortQuietly(objectKey) { () throws(CheckpointStoreError) in try abort(objectKey: objectKey, uploadID: uploadID) }
            throw error
        }
    }

    /// Runs an abort whose failure must not replace the outcome being reported: it is logged, and
    /// what it left is aborted at the next app's start (``removeLeftovers(folder:)``).
    private func abortQuietly(_ objectKey: String, _ body: () throws(CheckpointStoreError) -> Void) {
        do {
            try body()
        } catch {
            logger.warning("\(S3Client.url(bucket: bucket, key: objectKey)): could not abort an upload (\(error)); the next app's start aborts what is left")
        }
    }

    /// Aborts the uploads in progress for exactly `objectKey`, but `kept`.
    private func abortUploads(of objectKey: String, except kept: String) throws(CheckpointStoreError) {
        let response = try client.send(S3Request(operation: "list uploads", method: .GET, bucket: bucket, key: "", query: [("uploads", ""), ("prefix", objectKey)]))
        for upload in XMLElements(response.body).blocks("Upload") {
            guard upload.value("Key") == objectKey, let id = upload.value("UploadId"), id != kept else { continue }
            try abort(objectKey: objectKey, uploadID: id)
        }
    }

    /// Sends the parts, ``uploadConcurrency`` at a time, and returns their ETags in order.
    private func sendParts(_ objectKey: String, uploadID: String, chunks: [[UInt8]], size: Int) throws(CheckpointStoreError) -> [String] {
        let ranges = stride(from: 0, to: size, by: partSize).map { $0..<min($0 + partSize, size) }
        let results = PartResults(count: ranges.count)
        let slots = DispatchSemaphore(value: uploadConcurrency)
        let group = DispatchGroup()
        for (index, range) in ranges.enumerated() {
            slots.wait()
            if results.failed { slots.signal(); break }
            DispatchQueue.global().async(group: group) { [client, bucket] in
                defer { slots.signal() }
                // Each part's bytes are copied once, on its own thread, straight from the chunks.
                let request = S3Request(
                    operation: "upload part \(index + 1)", method: .PUT, bucket: bucket, key: objectKey,
                    query: [("partNumber", String(index + 1)), ("uploadId", uploadID)], body: S3Request.body(chunks, range: range))
                do throws(CheckpointStoreError) {
                    let response = try client.send(request)
                    guard let etag = response.etag else {
                        throw CheckpointStoreError(path: S3Client.url(bucket: bucket, key: objectKey), problem: "upload part \(index + 1): no ETag in the answer", code: .io(errno: EIO))
                    }
                    results.set(index, .success(etag))
                } catch {
                    results.set(index, .failure(error))
                }
            }
        }
        group.wait()
        return try results.etags()
    }

    private func abort(objectKey: String, uploadID: String) throws(CheckpointStoreError) {
        _ = try client.send(S3Request(operation: "abort upload", method: .DELETE, bucket: bucket, key: objectKey, query: [("uploadId", uploadID)]), accepting: [404])
    }

    /// `text` as XML element text: `&`, `<`, `>` and `"` escaped, scalar by scalar.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}

/// The parts' outcomes, filled in by concurrent uploads.
private final class PartResults: Sendable {
    private let slots: Mutex<[Result<String, CheckpointStoreError>?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ result: Result<String, CheckpointStoreError>) { slots.withLock { $0[index] = result } }

    var failed: Bool {
        slots.withLock { $0.contains { if case .failure? = $0 { true } else { false } } }
    }

    func etags() throws(CheckpointStoreError) -> [String] {
        let all = slots.withLock { $0 }
        var etags: [String] = []
        for slot in all {
            switch slot {
            case .success(let etag)?: etags.append(etag)
            case .failure(let error)?: throw error
            case nil: throw CheckpointStoreError(path: "s3", problem: "a part was not sent", code: .io(errno: EIO))
            }
        }
        return etags
    }
}
