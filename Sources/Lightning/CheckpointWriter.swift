import Foundation
import Logging
import LightningCodecs
import LightningState
import LightningStore

/// Writes an app's checkpoints one at a time, in the order they were taken, in the background or not.
///
/// Every checkpoint handed to it is written under its own name, in order. When
/// ``CheckpointPolicy/maximumWaiting`` already wait, the loop waits for room (or, with
/// ``CheckpointPolicy/WhenBehind/merge``, the checkpoint is merged into the last waiting one).
///
/// What was asked for but is not durable is tracked exactly, so that nothing is lost and nothing
/// is written against the wrong base:
/// - a failed delta's edits go with the next delta, against the same durable parent;
/// - after a failed full snapshot, later deltas are applied to that state in memory and written
///   as full snapshots until one succeeds: no delta is ever written on top of an older chain;
/// - a delta is written only against a snapshot this writer saw become durable.
///
/// Each write that fails with a storage error is tried again, a bounded number of times with
/// backoff; a failure is reported once with its cause.
// reason: every mutable field is read and written only while `condition` is locked.
final class CheckpointWriter: @unchecked Sendable {
    /// One checkpoint to write.
    enum Job {
        /// A whole state, in the given formats.
        case full(StateValue, formats: CheckpointStore.SaveFormats, time: Double)
        /// Binary changes against the checkpoint taken before.
        case delta(StateDelta, time: Double)
        /// Changes were dropped (a merge that could not be applied): until the next full state,
        /// nothing can be written as a delta.
        case gap(String)
    }

    /// Where the binary chain stands.
    struct Chain {
        /// The newest durable binary snapshot, which the next delta applies to.
        var head: CheckpointName?
        /// Deltas written since the last full snapshot, and their total size.
        var length = 0
        var deltaBytes = 0
        /// The size of the last full snapshot.
        var baseBytes = 0
    }

    /// What was asked for but is not durable yet.
    private enum Unsaved {
        /// Everything handed over is durable (or no checkpoint was asked for).
        case nothing
        /// Edits on top of ``Chain/head``.
        case edits(StateDelta)
        /// A whole state; later deltas are applied to it.
        case state(StateValue, formats: CheckpointStore.SaveFormats)
        /// Changes that only a new full capture can recover.
        case lost
    }

    /// What the app must still make durable once the writer is idle.
    enum Pending {
        case none
        /// The newest requested state, held by the writer.
        case state(StateValue, formats: CheckpointStore.SaveFormats)
        /// The app must capture its whole state again.
        case needsCapture
    }

    /// How the writer retries and reports.
    struct Settings: Sendable {
        var keepLast: Int?
        var whenBehind: CheckpointPolicy.WhenBehind
        var retrier: Retrier
        /// Where saves, retries and failures are logged.
        var logger: Logger
        var metrics: CheckpointMetrics
        /// How long the writer's thread stays after its last checkpoint (see ``CheckpointWriter/pollInterval``).
        var lingering = Duration.seconds(1)

        init(policy: CheckpointPolicy, logger: Logger, metrics: CheckpointMetrics) {
            keepLast = policy.keepLast
            whenBehind = policy.whenBehind
            self.logger = logger
            self.metrics = metrics
            retrier = Retrier(attempts: policy.saveAttempts, delay: policy.retryDelay)
            let attempts = policy.saveAttempts
            retrier.onRetry = { error, attempt in
                metrics.retries.increment()
                logger.info(
                    "storage operation failed (attempt \(attempt) of \(attempts)), trying again: \(error)",
                    metadata: ["error": "\(error)", "attempt": "\(attempt)"])
            }
        }
    }

    let store: CheckpointStore
    let settings: Settings
    private let condition = NSCondition()
    private var waiting: [Job] = []
    /// Whether a checkpoint is being written.
    private var writing = false
    /// Whether a checkpoint is being written or waits.
    private var busy: Bool { writing || !waiting.isEmpty }
    /// Whether the queue is full: a checkpoint is written (or about to be, once the thread looks)
    /// and ``CheckpointPolicy/maximumWaiting`` more wait.
    private var queueIsFull: Bool { waiting.count + (writing ? 1 : 0) > CheckpointPolicy.maximumWaiting }
    /// Whether the writer's thread runs (writing, or lingering after its last checkpoint).
    private var threadRuns = false

    /// How often the writer's thread, lingering after its last checkpoint (by default a second),
    /// looks for the next one.
    ///
    /// Handing a checkpoint to a thread that sleeps means waking it, which costs the caller a
    /// cross-CPU interrupt: 25–45 µs on a virtual machine, more than capturing a small change. A
    /// thread that looks every millisecond costs the loop nothing but a lock; it polls only while
    /// checkpoints keep coming (each look costs its own CPU a few microseconds), and a checkpoint
    /// waits at most a millisecond longer to start.
    static let pollInterval = 0.001
    private var unsaved = Unsaved.nothing
    private var chainState = Chain()
    /// The newest name in the storage: saves take names after it.
    private var newestName: CheckpointName?
    private var durableName: CheckpointName?
    private var written: [CheckpointInfo] = []
    private var failures: [CheckpointStoreError] = []

    /// - Parameter newest: The newest checkpoint in the storage when the app started.
    init(store: CheckpointStore, newest: CheckpointName?, settings: Settings) {
        self.store = store
        self.settings = settings
        newestName = newest
        durableName = newest
    }

    /// The binary chain as of the last finished save.
    var chain: Chain { locked { chainState } }
    /// Whether the next checkpoint should be whole: something asked for is not durable.
    var needsFullSnapshot: Bool {
        locked {
            if case .nothing = unsaved { return false }
            return true
        }
    }
    /// The files written so far, oldest first.
    var files: [CheckpointInfo] { locked { written } }
    /// The failed saves so far.
    var errors: [CheckpointStoreError] { locked { failures } }
    /// The newest checkpoint known to be durable: this run's last save, or the newest before it.
    var newestDurable: CheckpointName? { locked { durableName } }

    /// Hands a checkpoint to the writer: written now, on this thread, when `background` is false;
    /// otherwise queued (waiting for room, or merged, when the queue is full) and written on the
    /// writer's thread.
    /// - Returns: The seconds the caller waited for room in the queue.
    @discardableResult
    func submit(_ job: Job, background: Bool) -> Double {
        guard background else {
            write(job)
            return 0
        }
        condition.lock()
        var waited = 0.0
        if queueIsFull {
            switch settings.whenBehind {
            case .merge:
                waiting[waiting.count - 1] = merge(waiting[waiting.count - 1], job)
                condition.unlock()
                return 0
            case .wait:
                let clock = ContinuousClock()
                let started = clock.now
                while queueIsFull { condition.wait() }
                waited = (clock.now - started).seconds
            }
        }
        waiting.append(job)
        let startThread = !threadRuns
        threadRuns = true
        condition.unlock()
        if startThread {
            let thread = Thread { self.runThread() }
            thread.name = "lightning.checkpoint-writer"
            thread.start()
        }
        return waited
    }

    /// Blocks until every submitted checkpoint is written or has failed.
    func waitUntilIdle() {
        condition.lock()
        while busy { condition.wait() }
        condition.unlock()
    }

    /// What is not durable, once idle.
    var pending: Pending {
        locked {
            switch unsaved {
            case .nothing: return .none
            case .state(let state, let formats): return .state(state, formats: formats)
            case .edits, .lost: return .needsCapture
            }
        }
    }

    /// Saves `state` whole now, on this thread, with retries (the last resort at the end of a run).
    /// - Returns: The error of the last attempt, or `nil` once the state is durable.
    func saveNow(_ state: StateValue, formats: CheckpointStore.SaveFormats, time: Double) -> CheckpointStoreError? {
        saveFull(state, formats: formats, time: time)
        return locked {
            if case .nothing = unsaved { return nil }
            return failures.last
        }
    }

    /// The writer's thread: writes the waiting checkpoints in order, then lingers (see
    /// ``pollInterval``) before it ends; the next submit starts another.
    private func runThread() {
        let clock = ContinuousClock()
        condition.lock()
        var idleSince = clock.now
        while true {
            if !waiting.isEmpty {
                let job = waiting.removeFirst()
                writing = true
                condition.unlock()
                write(job)
                condition.lock()
                writing = false
                condition.broadcast()  // room in the queue, or idle
                idleSince = clock.now
            } else if clock.now - idleSince >= settings.lingering {
                threadRuns = false
                condition.unlock()
                return
            } else {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.pollInterval))
            }
        }
    }

    private func write(_ job: Job) {
        switch job {
        case .full(let state, let formats, let time):
            saveFull(state, formats: formats, time: time)
        case .gap(let reason):
            locked { unsaved = .lost }
            notSaved("\(reason)")
        case .delta(let delta, let time):
            let (pending, head) = locked { (unsaved, chainState.head) }
            switch pending {
            case .nothing, .edits:
                guard let head else {
                    // The app starts every chain with a full snapshot; this is a guard, not a path.
                    locked { unsaved = .lost }
                    return notSaved("a delta has no durable snapshot to apply to")
                }
                var edits = StateDelta()
                if case .edits(let earlier) = pending { edits = earlier }
                edits.append(contentsOf: delta)
                saveDelta(edits, on: head, time: time)
            case .state(var state, let formats):
                do {
                    try delta.apply(to: &state)
                } catch {
                    locked { unsaved = .lost }
                    return notSaved("its changes do not apply to the unsaved state before it (\(error))")
                }
                saveFull(state, formats: formats, time: time)
            case .lost:
                notSaved("an earlier checkpoint's changes were lost, so this one cannot be a delta")
            }
        }
    }

    /// Reports a checkpoint that could not even be attempted.
    private func notSaved(_ reason: String) {
        settings.metrics.saveFailures.increment()
        settings.logger.error("checkpoint not saved: \(reason); the next checkpoint is a full snapshot")
    }

    /// Reports a save that failed after its retries.
    private func saveFailed(_ failure: Retrier.Failure, consequence: String) {
        settings.metrics.saveFailures.increment()
        settings.logger.error(
            "checkpoint save failed\(failure.attemptsText): \(failure.error); \(consequence)",
            metadata: ["error": "\(failure.error)", "attempts": "\(failure.attempts)"])
    }

    /// Reports a durable save.
    private func saved(_ files: [CheckpointInfo], delta: Bool, since started: ContinuousClock.Instant) {
        let seconds = (ContinuousClock.now - started).seconds
        let bytes = files.reduce(0) { $0 + $1.size }
        settings.metrics.recordSave(delta: delta, seconds: seconds, bytes: bytes)
        settings.logger.debug(
            "saved checkpoint \(files[0].name)",
            metadata: [
                "checkpoint": "\(files[0].name)", "kind": delta ? "delta" : "full",
                "bytes": "\(bytes)", "seconds": "\(seconds)",
            ])
    }

    private func saveFull(_ state: StateValue, formats: CheckpointStore.SaveFormats, time: Double) {
        let after = locked { newestName }
        let started = ContinuousClock.now
        switch settings.retrier.run({ () throws(CheckpointStoreError) in try store.save(state, time: time, formats: formats, after: after) }) {
        case .success(let files):
            saved(files, delta: false, since: started)
            locked {
                written += files
                newestName = files[0].name
                durableName = files[0].name
                unsaved = .nothing
                if let binary = files.first(where: { $0.format == .binary }) {
                    chainState = Chain(head: binary.name, baseBytes: binary.size)
                } else {
                    chainState = Chain()
                }
            }
            applyRetention()
        case .failure(let failure):
            locked {
                unsaved = .state(state, formats: formats)
                failures.append(failure.error)
            }
            saveFailed(failure, consequence: "the next checkpoint is written whole, with its changes")
        }
    }

    private func saveDelta(_ edits: StateDelta, on head: CheckpointName, time: Double) {
        let after = locked { newestName }
        let started = ContinuousClock.now
        switch settings.retrier.run({ () throws(CheckpointStoreError) in try store.saveDelta(edits, parent: head, time: time, after: after) }) {
        case .success(let file):
            saved([file], delta: true, since: started)
            locked {
                written.append(file)
                newestName = file.name
                durableName = file.name
                unsaved = .nothing
                chainState.head = file.name
                chainState.length += 1
                chainState.deltaBytes += file.size
            }
            applyRetention()
        case .failure(let failure):
            locked {
                unsaved = .edits(edits)
                failures.append(failure.error)
            }
            saveFailed(failure, consequence: "its changes go with the next checkpoint")
        }
    }

    private func applyRetention() {
        guard let keepLast = settings.keepLast else { return }
        do {
            try store.keepLast(keepLast)
        } catch {
            // Old checkpoints stay; nothing new is at risk.
            settings.logger.warning("checkpoint retention failed: \(error); older checkpoints are kept", metadata: ["error": "\(error)"])
        }
    }

    /// The job that writes both (``CheckpointPolicy/WhenBehind/merge`` only): a later full state
    /// wins; a later delta is appended to a waiting delta or applied to a waiting full state.
    private func merge(_ earlier: Job, _ later: Job) -> Job {
        switch (earlier, later) {
        case (_, .full), (_, .gap):
            return later
        case (.gap, .delta):
            return earlier  // changes after a gap cannot be written as a delta either
        case (.delta(var edits, _), .delta(let more, let time)):
            edits.append(contentsOf: more)
            return .delta(edits, time: time)
        case (.full(let state, let formats, _), .delta(let more, let time)):
            // The edits were captured against the state just taken, so they apply. If they did not,
            // neither may be written as it is: the next full capture takes over.
            var merged = state
            do {
                try more.apply(to: &merged)
            } catch {
                return .gap("a merged checkpoint's changes do not apply to the one before it (\(error))")
            }
            return .full(merged, formats: formats, time: time)
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }
}

extension Duration {
    /// The duration in seconds.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
