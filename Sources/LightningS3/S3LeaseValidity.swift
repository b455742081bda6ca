#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LightningStore
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a storage knows of its writer lease, for the writes that commit (create, replace, remove):
/// none held, held until an instant, or lost to another app.
///
/// A write that commits is not started once the lease's validity has passed, and an attempt in
/// flight is abandoned at that instant (``S3ResponseCollector``): the app never commits after
/// another app could have taken the storage over. The first write refused in a lapse is logged,
/// and so is the renewal that ends it.
final class S3LeaseValidity: Sendable {
    enum Standing: Sendable {
        /// No lease is held: nothing to check (a tool's one-off write, a storage never locked).
        case none
        /// Held, and known to hold until both of these pass: an instant of the monotonic clock
        /// (the last confirmed write of the lease, plus its term, minus the safety margin), and
        /// the same in Unix seconds, since the monotonic clock stops while a machine sleeps or a
        /// virtual machine is suspended, and the wall clock, which other apps read, does not.
        case held(until: NIODeadline, wallUntil: Double)
        /// Another app took it over.
        case lost(holder: String)
    }

    private struct State {
        var standing = Standing.none
        /// Whether a write was refused since the validity last passed.
        var lapseReported = false
    }

    private let state = Mutex(State())
    private let logger: Logger
    /// The storage, for messages.
    private let storage: String

    init(logger: Logger, storage: String) {
        self.logger = logger
        self.storage = storage
    }

    func set(_ new: Standing) {
        let resumed = state.withLock { state in
            state.standing = new
            guard case .held = new, state.lapseReported else { return false }
            state.lapseReported = false
            return true
        }
        if resumed { logger.notice("\(storage): the writer lease is renewed again; checkpoints are written again") }
    }

    /// Logs, once per lapse, that a write was refused because the lease's validity passed.
    func reportLapse() {
        let first = state.withLock { state in
            defer { state.lapseReported = true }
            return !state.lapseReported
        }
        if first {
            logger.error("\(storage): the writer lease could not be renewed in time; no checkpoint is written until it is, since another app may take the storage over")
        }
    }

    var current: Standing { state.withLock { $0.standing } }

    /// Whether a commit may go on now: no lease is held, or it is held and its validity has not
    /// passed on either clock.
    var holdsNow: Bool {
        switch current {
        case .none: return true
        case .held(let until, let wallUntil): return NIODeadline.now() <= until && Date().timeIntervalSince1970 <= wallUntil
        case .lost: return false
        }
    }

    /// Whether the lease was lapsed, as ``holdsNow`` sees it, while held.
    var hasLapsed: Bool {
        if case .held = current { return !holdsNow }
        return false
    }

    /// Throws when a commit must not start: the lease was lost (for good), or its validity passed
    /// (until a renewal goes through).
    func checkWritable(_ path: String) throws(CheckpointStoreError) {
        switch current {
        case .none: return
        case .held:
            guard !holdsNow else { return }
            reportLapse()
            throw S3Client.leaseLapsed.error(forPath: path)
        case .lost(let holder):
            throw CheckpointStoreError(
                path: path, problem: "not written: the writer lease was taken over by \(holder); this app writes no more checkpoints to this storage",
                code: .lockHeld)
        }
    }
}
