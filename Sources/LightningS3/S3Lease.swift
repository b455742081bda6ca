import Foundation
import LightningStore
import Logging

/// The writer lock on S3: a lease object, `<prefix>/.writer-lease`, naming its holder and when it
/// expires.
///
/// An app creates it with a conditional `PUT` (`If-None-Match: *`), so two apps never both get it,
/// and renews it every third of its term with `If-Match: <its ETag>` (compare and swap). A lease
/// whose holder died is not renewed: once it has expired, the next app takes it over, again with
/// `If-Match`, so two apps that find it expired at once cannot both win. Until then a new app fails
/// at start, naming the holder and when the lease expires. Expiry compares the writer's clock with
/// the reader's: machines sharing a bucket need clocks within a few seconds of each other.
final class S3Lease: StorageLock, @unchecked Sendable {
    // reason: `etag` and `stopped` are read and written only under `lock`.
    private let storage: S3Storage
    private let objectKey: String
    private let lock = NSLock()
    private var etag: String
    private var stopped = false
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// The lease's key under the storage's prefix.
    static let key = ".writer-lease"

    private init(storage: S3Storage, objectKey: String, etag: String) {
        self.storage = storage
        self.objectKey = objectKey
        self.etag = etag
        Thread.detachNewThread { [self] in renewUntilReleased() }
    }

    static func acquire(in storage: S3Storage) throws(CheckpointStoreError) -> S3Lease {
        let objectKey = storage.objectKey(key)
        for _ in 0..<3 {
            let created = try storage.client.send(put(storage, objectKey, condition: ("if-none-match", "*")), accepting: [412])
            if created.status != 412 { return try S3Lease(storage: storage, objectKey: objectKey, etag: etag(of: created, storage, objectKey)) }
            let current = try storage.client.send(S3Request(operation: "read lease", method: .GET, bucket: storage.bucket, key: objectKey), accepting: [404])
            if current.status == 404 { continue }  // released meanwhile: try again
            let text = String(decoding: current.body, as: UTF8.self)
            let expiry = text.split(separator: " ").last.flatMap { Double($0) } ?? 0
            let now = Date().timeIntervalSince1970
            if expiry > now {
                let holder = text.components(separatedBy: "; expires").first ?? "another app"
                throw CheckpointStoreError(
                    path: storage.description,
                    problem: "the storage is in use by \(holder) (lease \(S3Client.url(bucket: storage.bucket, key: objectKey)), expires in \(Int((expiry - now).rounded(.up))) s unless renewed); one app at a time writes checkpoints to a storage",
                    code: .lockHeld)
            }
            // Expired: take it over, unless another app just did.
            guard let seen = current.etag else { continue }
            let taken = try storage.client.send(put(storage, objectKey, condition: ("if-match", seen)), accepting: [412])
            if taken.status != 412 { return try S3Lease(storage: storage, objectKey: objectKey, etag: etag(of: taken, storage, objectKey)) }
        }
        throw CheckpointStoreError(path: storage.description, problem: "the writer lease changed hands three times while taking it; another app is starting", code: .lockHeld)
    }

    private static func put(_ storage: S3Storage, _ objectKey: String, condition: (String, String)) -> S3Request {
        let body = "\(WriterIdentity.current); expires \(Int(Date().timeIntervalSince1970 + storage.leaseSeconds))"
        return S3Request(operation: "write lease", method: .PUT, bucket: storage.bucket, key: objectKey, headers: [condition], body: S3Request.body([Array(body.utf8)]))
    }

    private static func etag(of response: S3Response, _ storage: S3Storage, _ objectKey: String) throws(CheckpointStoreError) -> String {
        guard let etag = response.etag else {
            throw CheckpointStoreError(path: S3Client.url(bucket: storage.bucket, key: objectKey), problem: "write lease: no ETag in the answer", code: .io(errno: EIO))
        }
        return etag
    }

    /// Renews the lease every third of its term until released, or until it is lost.
    private func renewUntilReleased() {
        defer { finished.signal() }
        while wake.wait(timeout: .now() + storage.leaseSeconds / 3) == .timedOut {
            let current: String? = lock.withLock { stopped ? nil : etag }
            guard let current else { return }
            do {
                let renewed = try storage.client.send(Self.put(storage, objectKey, condition: ("if-match", current)), accepting: [412])
                guard renewed.status != 412, let next = renewed.etag else {
                    storage.logger.error("\(storage.description): the writer lease was taken over by another app after it went unrenewed for \(Int(storage.leaseSeconds)) s; this app's checkpoints still never replace another's")
                    return
                }
                lock.withLock { etag = next }
            } catch {
                // The next renewal tries again; the term leaves room for two misses.
                continue
            }
        }
    }

    func release() {
        let current: String? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            return etag
        }
        guard let current else { return }
        wake.signal()
        finished.wait()
        // Only our own lease: if another app took it over, it stays.
        _ = try? storage.client.send(
            S3Request(operation: "release lease", method: .DELETE, bucket: storage.bucket, key: objectKey, headers: [("if-match", current)]), accepting: [404, 412])
    }

    deinit { release() }
}
