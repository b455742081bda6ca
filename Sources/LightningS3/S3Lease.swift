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
import Synchronization

/// The writer lock on S3: a lease object, `<prefix>/.writer-lease`, naming its holder, a token
/// unique to this hold, and when it expires (``S3LeaseRecord``).
///
/// An app creates it with a conditional `PUT` (`If-None-Match: *`), so two apps never both get it,
/// and renews it every third of its term with `If-Match: <its ETag>` (compare and swap). An
/// ambiguous answer — a `412` after a retry, as when the first attempt acted but its answer was
/// lost — is settled by reading the lease back: the app's own token means the write was its own.
/// A lease whose holder died is not renewed: once it has expired, the next app takes it over,
/// again with `If-Match`, so two apps that find it expired at once cannot both win.
///
/// The app commits checkpoints only while it can prove its lease holds: until the last confirmed
/// write of the lease, plus its term, minus a safety margin (``margin(term:)``: 5 s of the default
/// 30 s) for the difference between machines' clocks and a request's time in flight, counted on
/// the monotonic clock and on the wall clock alike (``S3LeaseValidity``). Renewals that fail are retried every tenth of the term; once the
/// validity has passed, saves fail (and are retried by the app) until a renewal goes through. A
/// renewal that finds another app's token means the lease was taken over: this app then writes no
/// more checkpoints there. Expiry compares the writer's clock with the reader's: machines sharing
/// a bucket need clocks within the margin of each other.
///
/// ``release()`` must be called (the app and the tool do): the renewing thread keeps the lease
/// alive until then.
final class S3Lease: StorageLock, Sendable {
    private let storage: S3Storage
    private let objectKey: String
    private let token: String
    private struct State {
        var etag: String
        var stopped = false
        /// Renewals sent since the last confirmed one.
        var pending: [Write] = []
    }
    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// The lease's key under the storage's prefix.
    static let key = ".writer-lease"

    /// The part of the term not counted on: a sixth, and no less than 2 s (or a third of a term
    /// shorter than 6 s).
    static func margin(term: Double) -> Double { max(term / 6, min(2, term / 3)) }

    /// The lease's writes not yet superseded by a confirmed one, newest last (a read-back finds
    /// which of them the server holds).
    private static let remembered = 4

    /// One write of the lease: its body, and when it was made (the lease it writes expires a
    /// term after that instant).
    private struct Write: Sendable {
        let record: S3LeaseRecord
        let instant = NIODeadline.now()
        let wall = Date().timeIntervalSince1970

        init(token: String, term: Double) {
            record = S3LeaseRecord(holder: WriterIdentity.current.description, token: token, expiry: wall + term)
        }

        /// The lease's validity once the server holds this write.
        func validity(term: Double) -> S3LeaseValidity.Standing {
            let valid = term - S3Lease.margin(term: term)
            return .held(until: instant + S3ResponseCollector.amount(valid), wallUntil: wall + valid)
        }
    }

    private init(storage: S3Storage, objectKey: String, token: String, etag: String, validity: S3LeaseValidity.Standing) {
        self.storage = storage
        self.objectKey = objectKey
        self.token = token
        state = Mutex(State(etag: etag))
        storage.leaseValidity.set(validity)
        OwnedThread.start(name: "s3-lease") { [self] in renewUntilReleased() }
    }

    static func acquire(in storage: S3Storage) throws(CheckpointStoreError) -> S3Lease {
        let objectKey = storage.objectKey(key)
        let token = UUID().uuidString.lowercased()
        let term = storage.leaseSeconds
        var writes: [Write] = []
        /// The lease from a write of ours the server holds (found by reading it back).
        func ours(_ current: S3Response) -> S3Lease? {
            let record = S3LeaseRecord(current.body)
            guard record.token == token, let etag = current.etag else { return nil }
            let write = writes.first { $0.record == record } ?? writes[0]
            return S3Lease(storage: storage, objectKey: objectKey, token: token, etag: etag, validity: write.validity(term: term))
        }
        for _ in 0..<3 {
            let create = Write(token: token, term: term)
            writes.append(create)
            let created = try storage.client.send(put(storage, objectKey, create.record, condition: ("if-none-match", "*")), accepting: [412])
            if created.status != 412 {
                return S3Lease(storage: storage, objectKey: objectKey, token: token, etag: try etag(of: created, storage, objectKey), validity: create.validity(term: term))
            }
            // It exists: another app's, or ours from an attempt whose answer was lost.
            let current = try read(storage, objectKey)
            if current.status == 404 { continue }  // released meanwhile: try again
            if let lease = ours(current) { return lease }
            let record = S3LeaseRecord(current.body)
            let now = Date().timeIntervalSince1970
            if Double(record.expiry) > now {
                throw CheckpointStoreError(
                    path: storage.description,
                    problem: "the storage is in use by \(record.holder) (lease \(S3Client.url(bucket: storage.bucket, key: objectKey)), expires in \(Int((Double(record.expiry) - now).rounded(.up))) s unless renewed); one app at a time writes checkpoints to a storage",
                    code: .lockHeld)
            }
            // Expired: take it over, unless another app just did (or we did, unanswered: the next round reads it).
            guard let seen = current.etag else { continue }
            let takeOver = Write(token: token, term: term)
            writes.append(takeOver)
            let taken = try storage.client.send(put(storage, objectKey, takeOver.record, condition: ("if-match", seen)), accepting: [412])
            if taken.status != 412 {
                return S3Lease(storage: storage, objectKey: objectKey, token: token, etag: try etag(of: taken, storage, objectKey), validity: takeOver.validity(term: term))
            }
        }
        let last = try read(storage, objectKey)
        if last.status != 404, let lease = ours(last) { return lease }
        throw CheckpointStoreError(path: storage.description, problem: "the writer lease changed hands three times while taking it; another app is starting", code: .lockHeld)
    }

    private static func put(_ storage: S3Storage, _ objectKey: String, _ record: S3LeaseRecord, condition: (String, String)) -> S3Request {
        S3Request(operation: "write lease", method: .PUT, bucket: storage.bucket, key: objectKey, headers: [condition], body: S3Request.body([record.body]))
    }

    private static func read(_ storage: S3Storage, _ objectKey: String) throws(CheckpointStoreError) -> S3Response {
        try storage.client.send(S3Request(operation: "read lease", method: .GET, bucket: storage.bucket, key: objectKey), accepting: [404])
    }

    private static func etag(of response: S3Response, _ storage: S3Storage, _ objectKey: String) throws(CheckpointStoreError) -> String {
        guard let etag = response.etag else {
            throw CheckpointStoreError(path: S3Client.url(bucket: storage.bucket, key: objectKey), problem: "write lease: no ETag in the answer", code: .io(errno: EIO))
        }
        return etag
    }

    // MARK: - Renewal

    private enum Renewal {
        case renewed
        /// The server holds a write of ours that is not known: renew again soon.
        case unconfirmed
        case lost(holder: String)
        case failed(CheckpointStoreError)
    }

    /// Renews the lease every third of its term (every tenth after a failure) until released, or
    /// until another app has taken it over.
    private func renewUntilReleased() {
        defer { finished.signal() }
        let term = storage.leaseSeconds
        var interval = term / 3
        while wake.wait(timeout: .now() + interval) == .timedOut {
            guard let current = state.withLock({ $0.stopped ? nil : $0.etag }) else { return }
            switch renew(from: current) {
            case .renewed:
                interval = term / 3
            case .unconfirmed:
                interval = term / 10
            case .lost(let holder):
                guard state.withLock({ state in
                    if !state.stopped { storage.leaseValidity.set(.lost(holder: holder)) }
                    return !state.stopped
                }) else { return }
                storage.logger.error("\(storage.description): the writer lease was taken over by \(holder) after it went unrenewed; this app writes no more checkpoints to this storage")
                return
            case .failed(let error):
                // Writes are refused once the validity passes (and that is logged); until then, try sooner.
                interval = term / 10
                storage.logger.warning("\(storage.description): could not renew the writer lease: \(error); trying again in \(Int((interval * 10).rounded()) / 10) s")
            }
        }
    }

    private func renew(from etag: String) -> Renewal {
        let term = storage.leaseSeconds
        let write = Write(token: token, term: term)
        state.withLock { $0.pending = Array(($0.pending + [write]).suffix(Self.remembered)) }
        do throws(CheckpointStoreError) {
            let renewed = try storage.client.send(Self.put(storage, objectKey, write.record, condition: ("if-match", etag)), accepting: [412])
            if renewed.status != 412 {
                guard let next = renewed.etag else {
                    throw CheckpointStoreError(path: S3Client.url(bucket: storage.bucket, key: objectKey), problem: "write lease: no ETag in the answer", code: .io(errno: EIO))
                }
                return confirm(etag: next, write: write) ? .renewed : .unconfirmed
            }
            // 412: taken over, or a renewal of ours landed unanswered (this one, tried again, or
            // an earlier one whose read-back failed). Read it back.
            let current = try Self.read(storage, objectKey)
            guard current.status != 404 else { return .lost(holder: "nobody (the lease object was removed)") }
            let record = S3LeaseRecord(current.body)
            guard record.token == token else { return .lost(holder: record.holder) }
            guard let seen = current.etag else {
                throw CheckpointStoreError(path: S3Client.url(bucket: storage.bucket, key: objectKey), problem: "read lease: no ETag in the answer", code: .io(errno: EIO))
            }
            let landed = state.withLock { $0.pending.last { $0.record == record } }
            return confirm(etag: seen, write: landed) ? .renewed : .unconfirmed
        } catch {
            return .failed(error)
        }
    }

    /// Records the lease's ETag and, when the write the server holds is known, its validity;
    /// nothing once the lease is being released. Returns whether a validity was confirmed.
    private func confirm(etag: String, write: Write?) -> Bool {
        state.withLock { state in
            guard !state.stopped else { return false }
            state.etag = etag
            guard let write else { return false }
            state.pending.removeAll()
            storage.leaseValidity.set(write.validity(term: storage.leaseSeconds))
            return true
        }
    }

    // MARK: - Release

    func release() {
        let first: Bool = state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        wake.signal()
        // A renewal in flight is not waited for long: what it finds is no longer applied, and the
        // release below is settled by the token whatever it did.
        _ = finished.wait(timeout: .now() + storage.client.timeouts.idle + 1)
        let current = state.withLock { $0.etag }
        let lost: Bool
        if case .lost = storage.leaseValidity.current { lost = true } else { lost = false }
        storage.leaseValidity.set(.none)
        guard !lost else { return }  // another app's now: it stays
        do throws(CheckpointStoreError) {
            if try delete(ifMatch: current) { return }
            // 412: our last renewal may have landed unanswered; delete the lease only if it is still ours.
            let now = try Self.read(storage, objectKey)
            guard now.status != 404, S3LeaseRecord(now.body).token == token, let seen = now.etag else { return }
            if try delete(ifMatch: seen) { return }
            throw CheckpointStoreError(path: S3Client.url(bucket: storage.bucket, key: objectKey), problem: "release lease: it changed while releasing", code: .io(errno: EIO))
        } catch {
            storage.logger.error(
                "\(storage.description): could not release the writer lease (\(error)); it keeps other apps out until it expires, within \(Int(storage.leaseSeconds)) s")
        }
    }

    /// Deletes the lease if its ETag is `etag`: `false` on 412 (it is not).
    private func delete(ifMatch etag: String) throws(CheckpointStoreError) -> Bool {
        let deleted = try storage.client.send(
            S3Request(operation: "release lease", method: .DELETE, bucket: storage.bucket, key: objectKey, headers: [("if-match", etag)]), accepting: [404, 412])
        return deleted.status != 412
    }

}
