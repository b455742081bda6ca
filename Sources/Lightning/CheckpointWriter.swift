import DequeModule
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
///
/// Background writes happen on one thread, started with the first of them and kept until
/// ``finish(releasing:orTell:)``; while idle it sleeps on the writer's condition (no polling). Every wait on
/// the writer — the loop's for room, the end of a run's for the last save, a retry's pause — ends
/// at the stop deadline the app sets (``stop(deadline:immediately:)``).
// reason: every mutable field is read and written only while `condition` is locked.
final class CheckpointWriter: @unchecked Sendable {
    /// One checkpoint to write.
    enum Job {
        /// A whole state, in the given formats; the writer keeps `kept` (the vars it holds) to
        /// compare their next changes with. `later` holds the changes of checkpoints merged
        /// into it (``CheckpointPolicy/WhenBehind/merge``), applied before it is written.
        /// `deferred` are the vars it holds by reference, converted and set when it is written.
        /// `capture` numbers the app's full captures, so that it can tell when the chain the writer
        /// reports starts with its newest one (``Chain/capture``).
        case full(
            StateValue, kept: [any CapturedVar], deferred: [DeferredVar] = [], later: CapturedChanges = CapturedChanges(),
            capture: Int = 0, formats: CheckpointStore.SaveFormats, time: Double)
        /// Binary changes against the checkpoint taken before, whose changed vars the writer
        /// compares with the values it kept (in job order, so each against the one before).
        case delta(CapturedChanges, time: Double)
        /// Changes were dropped (more checkpoints merged while the storage was behind than
        /// ``CheckpointWriter/maximumMergedCaptures``): until the next full state, nothing can be
        /// written as a delta.
        case gap(String)
    }

    /// A job and those waiting for it to become durable.
    private struct Queued {
        var job: Job
        var waiters: [CheckpointWaiter]
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
        /// The number the app gave the full capture the chain starts with (see ``Job/full``).
        var capture = 0
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

        /// Whether anything is pending.
        var isSomething: Bool {
            if case .none = self { return false }
            return true
        }
    }

    /// How the writer retries and reports.
    struct Settings: Sendable {
        var retention: RetentionPolicy
        var whenBehind: CheckpointPolicy.WhenBehind
        var retrier: Retrier
        /// Where saves, retries and failures are logged.
        var logger: Logger
        var metrics: CheckpointMetrics

        init(policy: CheckpointPolicy, logger: Logger, metrics: CheckpointMetrics) {
            retention = RetentionPolicy(keepLast: policy.keepLast, keepEvery: policy.keepEvery)
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
    /// Where saves and failures are counted.
    let statistics: StatisticsRecorder
    private let condition = ConditionLock()
    private var waiting = Deque<Queued>()
    /// Whether a checkpoint is being written.
    private var writing = false
    /// Whether a checkpoint is being written or waits.
    private var busy: Bool { writing || !waiting.isEmpty }
    /// Whether the queue is full: a checkpoint is written (or about to be, once the thread wakes)
    /// and ``CheckpointPolicy/maximumWaiting`` more wait.
    private var queueIsFull: Bool { waiting.count + (writing ? 1 : 0) > CheckpointPolicy.maximumWaiting }

    /// The background thread's life: started with the first background job, ended by ``finish(releasing:orTell:)``.
    private var threadStarted = false
    private var threadSleeping = false
    private var threadEnded = false
    /// Set by ``finish(releasing:orTell:)``: the thread ends once the queue is empty.
    private var finishing = false
    /// Set when the app stopped waiting with a save under way (see ``finish(releasing:orTell:)``):
    /// nothing more is written, and those waiting for a checkpoint are told this error.
    private var abandoned: LightningError?
    /// The storage lock, handed over by an app that stopped waiting while a write was under way:
    /// the thread releases it once that write is over, so that no other app writes meanwhile.
    private var lockToRelease: (any StorageLock)?

    /// When the app's stop stops waiting; `nil` while it has not asked to stop.
    private var deadline: ContinuousClock.Instant?
    /// Whether the waits end at once.
    private var immediately = false

    private var unsaved = Unsaved.nothing
    /// Waiting for the state that ``unsaved`` holds to become durable.
    private var unsavedWaiters: [CheckpointWaiter] = []
    /// Waiting for the save under way on the thread (told by it, or by an abandonment first).
    private var writingWaiters: [CheckpointWaiter] = []
    private var chainState = Chain()
    /// The number of the newest full capture the writer took: the chain a full save starts.
    private var newestCapture = 0
    /// The newest name in the storage: saves take names after it.
    private var newestName: CheckpointName?
    private var durableName: CheckpointName?
    private var lastFailure: CheckpointStoreError?
    /// The parents of the snapshots retention has read (see ``CheckpointStore/applyRetention(_:knownParents:)``).
    private var knownParents: [CheckpointName: CheckpointName?] = [:]

    /// - Parameters:
    ///   - newest: The newest checkpoint in the storage when the app started.
    ///   - statistics: Where saves and failures are counted.
    init(store: CheckpointStore, newest: CheckpointName?, settings: Settings, statistics: StatisticsRecorder = StatisticsRecorder()) {
        self.store = store
        self.settings = settings
        self.statistics = statistics
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
    /// The newest checkpoint known to be durable: this run's last save, or the newest before it.
    var newestDurable: CheckpointName? { locked { durableName } }

    /// Hands a checkpoint to the writer: written now, on this thread, when `background` is false;
    /// otherwise queued (waiting for room, or merged, when the queue is full) and written on the
    /// writer's thread. `waiters` are told once a checkpoint holding its state is durable.
    ///
    /// The wait for room ends at the stop deadline; the checkpoint is queued all the same.
    /// - Returns: The seconds the caller waited for room in the queue.
    @discardableResult
    func submit(_ job: Job, waiters: [CheckpointWaiter] = [], background: Bool) -> Double {
        guard background else {
            write(Queued(job: job, waiters: waiters))
            return 0
        }
        condition.lock()
        var waited = 0.0
        if queueIsFull {
            switch settings.whenBehind {
            case .merge:
                let last = waiting.count - 1
                waiting[last] = Queued(job: merge(waiting[last].job, job), waiters: waiting[last].waiters + waiters)
                condition.unlock()
                return 0
            case .wait:
                let started = ContinuousClock.now
                while queueIsFull && waitOnce() {}
                waited = (ContinuousClock.now - started).seconds
            }
        }
        waiting.append(Queued(job: job, waiters: waiters))
        let startThread = !threadStarted
        threadStarted = true
        if threadSleeping { condition.broadcast() }
        condition.unlock()
        if startThread {
            OwnedThread.start(name: "ckpt-writer") { self.runThread() }
        }
        return waited
    }

    /// Sets when the waits on this writer end: at `deadline`, or at once when `immediately`.
    func stop(deadline: ContinuousClock.Instant?, immediately: Bool) {
        locked {
            if let deadline { self.deadline = min(self.deadline ?? deadline, deadline) }
            self.immediately = self.immediately || immediately
            condition.broadcast()
        }
    }

    /// Whether the stop deadline has passed (or the waits were ended at once).
    var stopWaitEnded: Bool { locked { waitsAreOver } }

    /// Blocks until every submitted checkpoint is written or has failed, or the stop deadline.
    /// - Returns: Whether the writer is idle.
    @discardableResult
    func waitUntilIdle() -> Bool {
        locked {
            while busy && waitOnce() {}
            return !busy
        }
    }

    /// Ends the background thread once the queue is empty, and waits for it until the stop
    /// deadline. If a save is still under way then, the writer is abandoned, all in one hold of
    /// its lock: nothing more is written, those waiting for a checkpoint (queued, carried, or
    /// waiting on the save under way should it fail) are told `error`, and `lock` is released
    /// by the thread once that save ends, so that no other app writes meanwhile.
    /// - Parameters:
    ///   - lock: The storage lock, released here when the thread ended (or never started).
    ///   - error: The error to tell waiters when the writer is abandoned, from the newest
    ///     durable checkpoint.
    /// - Returns: Whether the thread ended (or never started); `false` when it was abandoned.
    func finish(releasing lock: any StorageLock, orTell error: (CheckpointName?) -> LightningError) -> Bool {
        var abandonment: LightningError?
        let (ended, told) = locked { () -> (Bool, [CheckpointWaiter]) in
            finishing = true
            condition.broadcast()
            while threadStarted && !threadEnded && waitOnce() {}
            if !threadStarted || threadEnded { return (true, []) }
            abandonment = error(durableName)
            abandoned = abandonment
            lockToRelease = lock
            condition.broadcast()  // out of a retry's pause
            return (false, drainWaiters())
        }
        if ended { lock.release() }
        if let abandonment { for waiter in told { waiter.resolve(.failure(abandonment)) } }
        return ended
    }

    /// Takes every waiter the writer holds: queued, carried, or waiting on the save under way
    /// (which, should it end later, tells them nothing more: a waiter is told once). Called with
    /// the condition locked.
    private func drainWaiters() -> [CheckpointWaiter] {
        defer {
            unsavedWaiters = []
            writingWaiters = []
            for index in waiting.indices { waiting[index].waiters = [] }
        }
        return unsavedWaiters + writingWaiters + waiting.flatMap(\.waiters)
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
        saveFull(state, formats: formats, time: time, waiters: [])
        return locked {
            if case .nothing = unsaved { return nil }
            return lastFailure
        }
    }

    /// Takes those still waiting for a durable checkpoint, queued or carried over a failure (at
    /// the end of a run, to tell them why not).
    func takeWaiters() -> [CheckpointWaiter] {
        locked { drainWaiters() }
    }

    /// Waits on the condition until woken or the stop deadline; returns `false` once the waits
    /// are over. Called with the condition locked.
    private func waitOnce() -> Bool {
        if waitsAreOver { return false }
        if let deadline {
            condition.wait(until: deadline)
        } else {
            condition.wait()
        }
        return !waitsAreOver
    }

    /// Called with the condition locked.
    private var waitsAreOver: Bool { immediately || deadline.map { .now >= $0 } ?? false }

    /// A retry's pause: ends early, and says to give up, when the app stopped waiting.
    private func pauseBeforeRetry(_ seconds: Double) -> Bool {
        let end = ContinuousClock.now + .seconds(seconds)
        return locked {
            while abandoned == nil && !waitsAreOver && .now < end {
                let until = min(end, deadline ?? end)
                condition.wait(until: until)
            }
            return abandoned == nil && !waitsAreOver
        }
    }

    /// The writer's thread: writes the waiting checkpoints in order and sleeps while there are none.
    private func runThread() {
        condition.lock()
        while true {
            if let abandoned {
                // The app stopped waiting: write nothing more, tell those still waiting, and give
                // the storage up now that no save is under way.
                let told = drainWaiters()
                waiting.removeAll()
                threadEnded = true
                let lock = lockToRelease
                lockToRelease = nil
                condition.broadcast()
                condition.unlock()
                for waiter in told { waiter.resolve(.failure(abandoned)) }
                lock?.release()
                return
            }
            if let next = waiting.popFirst() {
                writing = true
                writingWaiters = next.waiters
                condition.unlock()
                write(next)
                condition.lock()
                writing = false
                writingWaiters = []
                condition.broadcast()  // room in the queue, or idle
            } else if finishing {
                threadEnded = true  // `finish` releases the storage lock
                condition.broadcast()
                condition.unlock()
                return
            } else {
                threadSleeping = true
                condition.wait()
                threadSleeping = false
            }
        }
    }

    private func write(_ queued: Queued) {
        switch queued.job {
        case .full(var state, let kept, let deferred, let later, let capture, let formats, let time):
            locked { newestCapture = capture }
            do {
                try DeferredVar.fill(deferred, in: &state)
            } catch {
                // The capture put a `null` at each path: a guard, not a path.
                locked {
                    unsaved = .lost
                    unsavedWaiters += queued.waiters
                }
                return notSaved("a var could not be set in the state captured (\(error))")
            }
            for value in kept { value.keep() }
            for value in deferred where value.keeps { value.value.keep() }
            if !later.isEmpty {
                // The edits were captured against the state just taken, so they apply. If they did
                // not, neither may be written as it is: the next full capture takes over.
                do {
                    try later.resolve().apply(to: &state)
                } catch {
                    locked {
                        unsaved = .lost
                        unsavedWaiters += queued.waiters
                    }
                    return notSaved("a merged checkpoint's changes do not apply to the one before it (\(error))")
                }
            }
            saveFull(state, formats: formats, time: time, waiters: queued.waiters)
        case .gap(let reason):
            locked {
                unsaved = .lost
                unsavedWaiters += queued.waiters
            }
            notSaved("\(reason)")
        case .delta(let changes, let time):
            // Resolved in job order whatever happens to it, so that the values kept stay in step.
            let resolving = ContinuousClock.now
            let delta = changes.resolve()
            let (pending, head) = locked { (unsaved, chainState.head) }
            switch pending {
            case .nothing, .edits:
                guard let head else {
                    // The app starts every chain with a full snapshot; this is a guard, not a path.
                    locked {
                        unsaved = .lost
                        unsavedWaiters += queued.waiters
                    }
                    return notSaved("a delta has no durable snapshot to apply to")
                }
                var edits = delta
                if case .edits(let earlier) = pending {
                    edits = earlier
                    edits.merge(delta)  // a failed delta's edits, folded with this one's
                }
                saveDelta(edits, on: head, time: time, since: resolving, waiters: queued.waiters)
            case .state(var state, let formats):
                do {
                    try delta.apply(to: &state)
                } catch {
                    locked {
                        unsaved = .lost
                        unsavedWaiters += queued.waiters
                    }
                    return notSaved("its changes do not apply to the unsaved state before it (\(error))")
                }
                saveFull(state, formats: formats, time: time, waiters: queued.waiters)
            case .lost:
                locked { unsavedWaiters += queued.waiters }
                notSaved("an earlier checkpoint's changes were lost, so this one cannot be a delta")
            }
        }
    }

    /// Reports a checkpoint that could not even be attempted.
    private func notSaved(_ reason: String) {
        settings.metrics.saveFailures.increment()
        statistics.update { $0.failedSaves += 1 }
        settings.logger.error("checkpoint not saved: \(reason); the next checkpoint is a full snapshot")
    }

    /// Reports a save that failed after its retries.
    private func saveFailed(_ failure: Retrier.Failure, consequence: String) {
        settings.metrics.saveFailures.increment()
        statistics.update { $0.recordFailure(failure.error) }
        settings.logger.error(
            "checkpoint save failed\(failure.attemptsText): \(failure.error); \(consequence)",
            metadata: ["error": "\(failure.error)", "attempts": "\(failure.attempts)"])
    }

    /// Records a durable save, and tells those waiting for it.
    private func saved(_ files: [CheckpointInfo], delta: Bool, since started: ContinuousClock.Instant, waiters: [CheckpointWaiter]) {
        let seconds = (ContinuousClock.now - started).seconds
        let bytes = files.reduce(0) { $0 + $1.size }
        settings.metrics.recordSave(delta: delta, seconds: seconds, bytes: bytes)
        statistics.update { $0.recordSave(files, delta: delta, seconds: seconds) }
        settings.logger.debug(
            "saved checkpoint \(files[0].name)",
            metadata: [
                "checkpoint": "\(files[0].name)", "kind": delta ? "delta" : "full",
                "bytes": "\(bytes)", "seconds": "\(seconds)",
            ])
        let carried = locked {
            defer { unsavedWaiters = [] }
            return unsavedWaiters
        }
        for waiter in carried + waiters { waiter.resolve(.success(files[0].name)) }
    }

    /// The writer's retrier, whose pauses end when the app stops waiting.
    private var retrier: Retrier {
        var retrier = settings.retrier
        retrier.sleep = { [unowned self] seconds in pauseBeforeRetry(seconds) }
        return retrier
    }

    private func saveFull(_ state: StateValue, formats: CheckpointStore.SaveFormats, time: Double, waiters: [CheckpointWaiter]) {
        let after = locked { newestName }
        let started = ContinuousClock.now
        switch retrier.run({ () throws(CheckpointStoreError) in try store.save(state, time: time, formats: formats, after: after) }) {
        case .success(let files):
            locked {
                newestName = files[0].name
                durableName = files[0].name
                unsaved = .nothing
                if let binary = files.first(where: { $0.format == .binary }) {
                    chainState = Chain(head: binary.name, baseBytes: binary.size, capture: newestCapture)
                } else {
                    chainState = Chain()
                }
            }
            saved(files, delta: false, since: started, waiters: waiters)
            applyRetention()
        case .failure(let failure):
            locked {
                unsaved = .state(state, formats: formats)
                unsavedWaiters += waiters
                lastFailure = failure.error
            }
            saveFailed(failure, consequence: "the next checkpoint is written whole, with its changes")
        }
    }

    /// - Parameter started: When the writer began on the delta (finding the changes in its vars).
    private func saveDelta(_ edits: StateDelta, on head: CheckpointName, time: Double, since started: ContinuousClock.Instant, waiters: [CheckpointWaiter]) {
        let after = locked { newestName }
        switch retrier.run({ () throws(CheckpointStoreError) in try store.saveDelta(edits, parent: head, time: time, after: after) }) {
        case .success(let file):
            locked {
                newestName = file.name
                durableName = file.name
                unsaved = .nothing
                chainState.head = file.name
                chainState.length += 1
                chainState.deltaBytes += file.size
            }
            saved([file], delta: true, since: started, waiters: waiters)
            applyRetention()
        case .failure(let failure):
            locked {
                unsaved = .edits(edits)
                unsavedWaiters += waiters
                lastFailure = failure.error
            }
            saveFailed(failure, consequence: "its changes go with the next checkpoint")
        }
    }

    /// Runs after each save, on the thread that saved (one at a time).
    private func applyRetention() {
        guard settings.retention.deletes else { return }
        do {
            // Moved out and back (not copied): one save runs at a time.
            var parents = locked { () -> [CheckpointName: CheckpointName?] in
                defer { knownParents = [:] }
                return knownParents
            }
            defer { locked { knownParents = parents } }
            try store.applyRetention(settings.retention, knownParents: &parents)
        } catch {
            // Old checkpoints stay; nothing new is at risk.
            settings.logger.warning("checkpoint retention failed: \(error); older checkpoints are kept", metadata: ["error": "\(error)"])
        }
    }

    /// The most checkpoints merged into one waiting job: each keeps its own capture until the
    /// writer resolves them in order, so past this many the job becomes a gap (the next
    /// checkpoint is whole), and what a stalled storage costs the app's memory stays bounded.
    static let maximumMergedCaptures = 16

    /// The job that writes both (``CheckpointPolicy/WhenBehind/merge`` only): a later full state
    /// wins; a later delta is merged into a waiting delta or applied to a waiting full state, up to
    /// ``maximumMergedCaptures`` checkpoints; past that, a gap.
    private func merge(_ earlier: Job, _ later: Job) -> Job {
        switch (earlier, later) {
        case (_, .full), (_, .gap):
            return later
        case (.gap, .delta):
            return earlier  // changes after a gap cannot be written as a delta either
        case (.delta(var changes, _), .delta(let more, let time)):
            guard changes.captureCount < Self.maximumMergedCaptures else { return Self.tooManyMerged }
            changes.append(contentsOf: more)
            return .delta(changes, time: time)
        case (.full(let state, let kept, let deferred, var changes, let capture, let formats, _), .delta(let more, let time)):
            guard changes.captureCount < Self.maximumMergedCaptures else { return Self.tooManyMerged }
            // Applied when the writer takes it, after the values it keeps for the state.
            changes.append(contentsOf: more)
            return .full(state, kept: kept, deferred: deferred, later: changes, capture: capture, formats: formats, time: time)
        }
    }

    private static let tooManyMerged = Job.gap("more than \(maximumMergedCaptures) checkpoints were merged while the storage was behind")

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
