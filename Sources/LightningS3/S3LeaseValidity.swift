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
        /// Held, and known to hold until this instant (the last confirmed write of the lease,
        /// plus its term, minus the safety margin).
        case held(until: NIODeadline)
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

    /// Until when commits may go on; `nil` when no lease is held; the distant past once lost.
    var validUntil: NIODeadline? {
        switch current {
        case .none: return nil
        case .held(let until): return until
        case .lost: return .distantPast
        }
    }

    /// Throws when a commit must not start: the lease was lost (for good), or its validity passed
    /// (until a renewal goes through).
    func checkWritable(_ path: String) throws(CheckpointStoreError) {
        switch current {
        case .none: return
        case .held(let until):
            guard NIODeadline.now() > until else { return }
            reportLapse()
            throw S3Client.leaseLapsed.error(forPath: path)
        case .lost(let holder):
            throw CheckpointStoreError(
                path: path, problem: "not written: the writer lease was taken over by \(holder); this app writes no more checkpoints to this storage",
                code: .lockHeld)
        }
    }
}
