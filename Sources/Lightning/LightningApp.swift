import CoreMetrics
import LightningCodecs
import LightningState
import LightningStore
import Logging

/// Runs a Lightning app: calls the root flow's ``LightningFlow/run()`` in a loop until a flow
/// calls ``LightningFlow/stop()`` or a stop is requested through ``control``, saving a checkpoint
/// after every iteration in which ``LightningFlow/shouldSaveCheckpoint()`` returns `true` (or the
/// ``policy`` says so), and starting from a checkpoint when asked.
///
/// ```swift
/// let app = LightningApp(root: Root(), name: "counter-app")
/// try app.run(from: .newestCheckpointIfAny, storageRoot: ".storage")
/// ```
/// Command-line apps use `LightningCLI`: they pass their `LightningAppOptions` to `run(_:)`, which
/// handles `--checkpoint`, `--resume`, `--storage` (local or `s3://`), the policy flags,
/// `--non-strict` and the signals (SIGTERM and SIGINT stop gracefully, SIGUSR1 checkpoints), and
/// reports failures as one line. Services run it with `await app.run(from:store:strict:)`, or
/// through `LightningServiceLifecycle`.
///
/// The app and its components belong to the thread that runs the loop. Other threads and tasks
/// talk to it through ``control``, a `Sendable` handle whose requests the loop takes at its
/// iteration boundary.
public final class LightningApp {
    /// The root flow.
    public let root: LightningFlow
    /// The app's name, recorded in checkpoint metadata.
    public let name: String
    /// The app's own version of its state layout, recorded in checkpoint metadata for migrations.
    public let schemaVersion: Int
    /// Which files a checkpoint writes: the binary snapshot (the default), the documented JSON, or both.
    /// Binary checkpoints after the first are incremental (see ``CheckpointPolicy``); JSON ones are whole.
    public var checkpointFormats: CheckpointStore.SaveFormats = .binary
    /// When and how checkpoints are saved, and how long a stop may take.
    public var policy = CheckpointPolicy()
    /// The handle through which any thread, task or signal handler asks the app to stop or to take
    /// a checkpoint. Replace it before a run to share one made earlier (a service hands out its
    /// control before the app exists).
    public var control = LightningAppControl()

    /// Where the app logs its checkpoints: each save (`debug`), storage retries (`info`), a resume,
    /// a requested stop and clean-ups (`notice`), skipped damaged checkpoints and failed retention
    /// (`warning`), and failed saves (`error`), with metadata (`checkpoint`, `kind`, `bytes`,
    /// `seconds`, `error`). By default a logger labelled `lightning.app`, handled as
    /// `LoggingSystem` was bootstrapped.
    public var logger = Logger(label: "lightning.app")
    /// Where the app records its checkpoint metrics (see the metric names in the documentation's
    /// "Logging and metrics" article); `nil`, the default, means the factory bootstrapped with
    /// `MetricsSystem` when the app runs.
    public var metricsFactory: (any MetricsFactory)?

    /// How long the loop collects what parallel works publish before running the flow again:
    /// Lightning's `STATE_ACCUMULATE_WAIT` (0.15 s).
    ///
    /// While a parallel work's call runs, the loop runs the flow again at once after an iteration
    /// in which the state changed (the flow's first change since the last checkpoint, or a
    /// publication applied); otherwise it collects the works' publications for up to this long,
    /// and runs the flow at once when a call ends or the ``control`` is asked something — so that
    /// a flow that only watches its works costs almost nothing. Zero runs the flow back to back,
    /// as the loop always does when no parallel work runs.
    public var stateAccumulateWait: Duration = .milliseconds(150)

    /// The stage of the app.
    public private(set) var stage: AppStage = .running

    private let childWatch = ChildWatch()
    /// The parallel works the app's runs started and have not seen end.
    private let works = ParallelWorks()
    /// The root flow's `run()` durations of the latest iterations, for the slow-flow warning.
    private var runDurations = RecentWindow<Double>(limit: 10)
    private var warnedSlowFlow = false
    /// The average `run()` duration, in seconds, above which the slow-flow warning is logged.
    var slowFlowThreshold = 1.0
    private var iterationsSinceSave = 0
    private var deltasSinceFull = 0
    private var lastSaveTime = 0.0
    /// Whether this run wrote a full snapshot that deltas may follow.
    private var chainStarted = false
    /// Full captures handed to the writer in this app's life, numbering them (see `CheckpointWriter.Chain.capture`).
    private var fullCaptures = 0

    /// Creates an app around a root flow.
    /// - Parameters:
    ///   - root: The root flow; its full name is `root`.
    ///   - name: The app's name, stored in checkpoint metadata.
    ///   - schemaVersion: The version of the app's state layout, stored in checkpoint metadata.
    public init(root: LightningFlow, name: String, schemaVersion: Int = 0) {
        self.root = root
        self.name = name
        self.schemaVersion = schemaVersion
    }

    /// The checkpoint statistics of the current or last run: saves, failures, bytes, the loop's
    /// pauses, and the newest files and errors in bounded windows.
    public var statistics: CheckpointStatistics { control.statistics }

    /// Loads `checkpoint` when given (a path, a name in the storage, `latest` or `latest-valid`),
    /// then runs the loop, in a local storage root. Throws as ``run(from:store:strict:)-4p8hm``.
    public func run(checkpoint: String?, storageRoot: String, strict: Bool = true) throws {
        try run(from: checkpoint.map(StartingPoint.checkpoint) ?? .initialState, store: CheckpointStore(storageRoot: storageRoot), strict: strict)
    }

    /// Starts from `start`, then runs the loop, in a local storage root. Throws as ``run(from:store:strict:)-4p8hm``.
    public func run(from start: StartingPoint, storageRoot: String, strict: Bool = true) throws {
        try run(from: start, store: CheckpointStore(storageRoot: storageRoot), strict: strict)
    }

    /// Loads `checkpoint` when given (a path, a name in the storage, `latest`, or `latest-valid` for
    /// the newest checkpoint that loads), then runs the loop. Throws as ``run(from:store:strict:)-4p8hm``.
    public func run(checkpoint: String?, store: CheckpointStore, strict: Bool = true) throws {
        try run(from: checkpoint.map(StartingPoint.checkpoint) ?? .initialState, store: store, strict: strict)
    }

    /// Starts from `start` (a checkpoint, the newest one if any, or the initial state), then runs
    /// the loop on this thread, saving checkpoints to `store`, until a flow calls
    /// ``LightningFlow/stop()`` or ``control`` asks for a stop.
    ///
    /// The app holds the storage's writer lock while it runs. Every stop ends the same way: the
    /// iteration in progress finishes, a final checkpoint is taken when the newest durable one
    /// does not hold the newest state (``CheckpointPolicy/checkpointsOnStop``), and the run waits
    /// for every save; if the newest state is still not durable, it saves the whole state once
    /// more. A run that returns has its newest requested state durable — with
    /// ``CheckpointPolicy/checkpointsOnStop`` (the default), the state it stopped with. A stop
    /// requested from outside waits for the writer at most its timeout
    /// (``CheckpointPolicy/stopTimeout``); the iteration in progress is the app's own code, which
    /// nothing interrupts (command-line apps exit 2 a moment after the timeout if it has not
    /// returned).
    /// - Throws: ``LightningError`` when the policy is invalid, the storage is in use, the checkpoint
    ///   cannot be found, read or loaded (nothing runs then), the state cannot be saved
    ///   (`stateNotSaved`), a stop's wait ended first (`stopTimedOut`), or ``control`` is used by
    ///   another running app (`controlInUse`); the error a flow or
    ///   work threw, unchanged (the app's ``stage`` is then `failed`, and the saves already handed
    ///   to the writer are finished first).
    public func run(from start: StartingPoint, store: CheckpointStore, strict: Bool = true) throws {
        try policy.validate()
        let control = self.control
        let runNumber = try control.runBegins()
        // Checkpoints asked for that this run does not take are told so, however it ends.
        defer { control.runEnded(runNumber) }
        let metrics = CheckpointMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        let settings = CheckpointWriter.Settings(policy: policy, logger: logger, metrics: metrics)
        // Storage faults at start are retried like saves; a checkpoint that does not load is not.
        func starting<T>(_ body: () throws(CheckpointStoreError) -> T) throws(LightningError) -> T {
            do {
                return try settings.retrier.run(body).get()
            } catch {
                throw .store(error.error)
            }
        }
        let lock = try starting { () throws(CheckpointStoreError) in try store.lockForWriting() }
        var lockHandedOver = false
        defer { if !lockHandedOver { lock.release() } }
        let loadedName = try loadStart(start, from: store, strict: strict, metrics: metrics, starting: starting)
        stage = .running
        do {
            let removed = try store.removeLeftovers()
            if removed > 0 {
                logger.notice("removed \(removed) temporary files left by interrupted saves in \(store.folder)", metadata: ["files": "\(removed)"])
            }
        } catch {
            logger.warning("could not remove the leftovers of interrupted saves: \(error)", metadata: ["error": "\(error)"])
        }
        let newest = try starting { () throws(CheckpointStoreError) in try store.newestName() }
        control.recorder.reset(newestDurable: newest)
        let writer = CheckpointWriter(store: store, newest: newest, settings: settings, statistics: control.recorder)
        // A run's chain starts with a whole snapshot, even if the app ran before.
        root.savedChildren = nil
        chainStarted = false
        if loadedName != nil, loadedName == newest {
            // The state is the newest checkpoint's: record it as captured, so that only changes
            // from here on ask for a checkpoint (a stop with none writes no copy of it).
            attachComponents()
            _ = try? capturedState(time: LightningWork.now(), recordingAsSaved: true, keepingVars: false)
        }
        iterationsSinceSave = 0
        deltasSinceFull = 0
        lastSaveTime = LightningWork.now()
        let stopTimeout = policy.stopTimeout
        @Sendable func stopWaits(_ request: LightningAppControl.StopRequest) {
            let timeout = request.timeout ?? stopTimeout.map { Duration.seconds($0) }
            writer.stop(deadline: timeout.map { request.requestedAt + $0 }, immediately: request.immediately)
        }
        let wakeup = works.wakeup
        if let early = control.runStarted(.init(stopRequested: stopWaits, wake: { wakeup.signal() })) { stopWaits(early) }

        let outcome: Result<LoopEnd, any Error>
        do {
            let end = try works.whileCurrent { try loop(with: writer) }
            if end.stop != nil { logger.notice("stopping as requested: finishing the saves") }
            outcome = .success(end)
        } catch {
            outcome = .failure(error)
        }
        let idle = writer.waitUntilIdle()
        var failure: (any Error)?
        switch outcome {
        case .failure(let error):
            if !idle || writer.pending.isSomething {
                let durable = writer.newestDurable.map { "the newest durable checkpoint is \($0)" } ?? "no checkpoint is durable"
                logger.error("the app stopped with its newest requested checkpoint not saved; \(durable)")
            }
            failure = error
        case .success(let end):
            if !idle || end.finalCheckpointSkipped {
                failure = timedOut(writer)
            } else {
                do {
                    try makeNewestStateDurable(writer)
                } catch {
                    failure = error
                }
            }
        }
        // The writer releases the lock: at once, or, when a save is still under way and the
        // stop's wait is over, once that save ends, so that no other app writes meanwhile.
        lockHandedOver = true
        let why = timeoutReason
        let threadEnded = writer.finish(releasing: lock) { durable in
            failure.map(Self.asLightningError) ?? .stopTimedOut(why, newestDurable: durable)
        }
        if !threadEnded, failure == nil { failure = timedOut(writer) }
        let refusal = failure.map(Self.asLightningError) ?? .notRunning("no checkpoint was made durable")
        for waiter in writer.takeWaiters() { waiter.resolve(.failure(refusal)) }
        if let failure { throw failure }
        if case .success(let end) = outcome, let durable = writer.newestDurable {
            if end.stop != nil {
                logger.notice("stopped; the newest state is saved as \(durable), the newest checkpoint", metadata: ["checkpoint": "\(durable)"])
            } else {
                logger.info("stopped; the newest state is saved as \(durable)", metadata: ["checkpoint": "\(durable)"])
            }
        }
    }

    /// How the loop ended.
    private struct LoopEnd {
        /// The stop request that ended it, if one did.
        var stop: LightningAppControl.StopRequest?
        /// Whether the final checkpoint was needed but the stop's time was over.
        var finalCheckpointSkipped = false
    }

    /// The error a stop's wait ran out with.
    private func timedOut(_ writer: CheckpointWriter) -> LightningError {
        .stopTimedOut(timeoutReason, newestDurable: writer.newestDurable)
    }

    /// Why a stop's wait ended: `a second stop request ended the wait`, `its stop timeout of 25 s ran out`.
    private var timeoutReason: String {
        if let reason = control.stopReason { return reason }
        if let timeout = control.stopTimeout ?? policy.stopTimeout.map({ Duration.seconds($0) }) {
            return "its stop timeout of \(LightningError.secondsText(timeout.seconds)) ran out"
        }
        return "its stop's wait ended"
    }

    private static func asLightningError(_ error: any Error) -> LightningError {
        (error as? LightningError) ?? LightningError("The app failed: \(error)", code: .notRunning, underlying: error)
    }

    /// Loads the checkpoint `start` names, if any, logging what was loaded or skipped.
    /// - Returns: The name of the checkpoint loaded, when it is one of `store`'s.
    private func loadStart(
        _ start: StartingPoint, from store: CheckpointStore, strict: Bool, metrics: CheckpointMetrics,
        starting: (() throws(CheckpointStoreError) -> CheckpointStore.LoadedCheckpoint) throws(LightningError) -> CheckpointStore.LoadedCheckpoint
    ) throws(LightningError) -> CheckpointName? {
        let value: String
        switch start.kind {
        case .initialState:
            return nil
        case .checkpoint(let asked):
            value = asked
        case .newestIfAny:
            value = "latest"
        }
        let started = ContinuousClock.now
        let loaded: CheckpointStore.LoadedCheckpoint
        do {
            loaded = try starting { () throws(CheckpointStoreError) in try store.loadCheckpoint(value) }
        } catch where start.kind == .newestIfAny && error.code == .noCheckpoints {
            logger.notice("no checkpoint in \(store.folder): starting from the initial state", metadata: ["storage": "\(store.folder)"])
            return nil
        } catch {
            metrics.loadFailures.increment()
            throw error
        }
        for damaged in loaded.skipped {
            logger.warning("skipped a damaged checkpoint: \(damaged)", metadata: ["error": "\(damaged)"])
        }
        try load(loaded.state, strict: strict)
        let seconds = (ContinuousClock.now - started).seconds
        metrics.loads.increment()
        metrics.loadDuration.recordSeconds(seconds)
        logger.notice("resumed from \(loaded.location)", metadata: ["checkpoint": "\(loaded.location)", "seconds": "\(seconds)"])
        let parts = StorageKey.split(loaded.location.key)
        guard loaded.location.description == store.storage.location(of: loaded.location.key), parts.folder == CheckpointStore.folderName else { return nil }
        return CheckpointName(fileName: parts.name)
    }

    /// Runs iterations until a flow or a request stops the app; the last iteration's checkpoint,
    /// the final one, is taken here too.
    private func loop(with writer: CheckpointWriter) throws -> LoopEnd {
        var requests = control.takeRequests()
        do {
            return try loop(with: writer, requests: &requests)
        } catch {
            // Checkpoints asked for and not taken are told why.
            for waiter in requests?.waiters ?? [] { waiter.resolve(.failure(Self.asLightningError(error))) }
            throw error
        }
    }

    private func loop(with writer: CheckpointWriter, requests: inout LightningAppControl.Requests?) throws -> LoopEnd {
        let clock = ContinuousClock()
        var iterations = 0
        var end = LoopEnd()
        runDurations = RecentWindow(limit: 10)
        warnedSlowFlow = false
        // Components have their full names from the first iteration on (a work started then
        // names itself in its messages).
        attachComponents()
        // However the loop ends, no work it started goes on unasked.
        defer { works.requestStop(reason: "sigterm_signal_handler") }
        // A stop asked for before the first iteration ends the app before it.
        while requests?.stop == nil {
            let wasMarked = root.needsVisit
            // What the parallel works published since the last boundary, for the flow to see.
            try works.applyNews()
            let runStarted = clock.now
            do {
                try root.run()
            } catch {
                stage = .failed
                do {
                    try stopWorks(requests?.stop)
                } catch let secondary {
                    // The flow's error is the one the run throws.
                    logger.error("a parallel work's publication could not be applied while the app failed: \(secondary)", metadata: ["error": "\(secondary)"])
                }
                throw error
            }
            let iterationEnded = clock.now
            noteRunDuration(iterationEnded - runStarted)
            iterations += 1
            iterationsSinceSave += 1
            let flowStopped = attachComponents()
            // The state changed in this iteration: the flow's first change since the last
            // checkpoint, or a publication applied before it ran.
            let changed = !wasMarked && root.needsVisit
            requests = Self.combine(requests, control.takeRequests())
            let stopping = flowStopped || requests?.stop != nil
            if stopping {
                stage = .stopping
                // Running works reach a publication or finish, and the final checkpoint holds them.
                try stopWorks(requests?.stop)
                attachComponents()
            }
            let asked = requests?.checkpoint ?? false
            if root.shouldSaveCheckpoint() || policyIsDue() || asked || (stopping && policy.checkpointsOnStop && stateChangedSinceCapture) {
                try checkpoint(stopping: stopping, with: writer, since: iterationEnded, requests: &requests, end: &end)
            }
            if stopping { break }
            if requests == nil, !changed, !works.isEmpty, stateAccumulateWait > .zero {
                // The flow only watches its works: collect their publications for the window, or
                // until a call ends or a request comes.
                works.wakeup.wait(until: clock.now + stateAccumulateWait)
            }
            requests = nil
        }
        if iterations == 0 {
            stage = .stopping
            if (policy.checkpointsOnStop && stateChangedSinceCapture) || requests?.checkpoint == true {
                attachComponents()
                try checkpoint(stopping: true, with: writer, since: clock.now, requests: &requests, end: &end)
            }
        }
        // Asked for but skipped: the stop's time was over.
        for waiter in requests?.waiters ?? [] { waiter.resolve(.failure(timedOut(writer))) }
        requests?.waiters = []
        end.stop = requests?.stop
        return end
    }

    /// When the running works must have stopped by: half the stop's time (the rest is the final
    /// save's) from when it was asked for, and at most a minute when the policy sets no stop
    /// timeout; now once ``LightningAppControl/stopNow()`` was called.
    private func worksDeadline(_ request: LightningAppControl.StopRequest) -> ContinuousClock.Instant {
        if request.immediately || control.currentStop?.immediately == true { return .now }
        let timeout = request.timeout ?? policy.stopTimeout.map { Duration.seconds($0) } ?? .seconds(120)
        return request.requestedAt + timeout / 2
    }

    /// Asks the running parallel works to stop, and applies what they publish until they ended or
    /// their deadline passed; a work still running then is saved as of its last publication.
    /// - Throws: ``LightningError`` when a publication cannot be applied, as at any boundary: the
    ///   stop then fails rather than saving the work without it.
    private func stopWorks(_ request: LightningAppControl.StopRequest?) throws(LightningError) {
        guard !works.isEmpty else { return }
        works.requestStop(reason: "sigterm_signal_handler")
        // A flow's own stop, or a failure, counts from now.
        let stop = request ?? LightningAppControl.StopRequest(requestedAt: .now, timeout: nil)
        if try !works.waitUntilEnded(deadline: { worksDeadline(stop) }) {
            let names = works.running.map(\.name).joined(separator: ", ")
            logger.warning("parallel works still running after the stop's wait: \(names); they are saved as of their last publication, and the app's next run takes them up")
        }
    }

    /// Records how long the root flow's `run()` took, and warns once when it averages over a second.
    private func noteRunDuration(_ duration: Duration) {
        runDurations.append(duration.seconds)
        let recent = runDurations.elements
        guard !warnedSlowFlow, recent.count >= 3 else { return }
        let average = recent.reduce(0, +) / Double(recent.count)
        guard average > slowFlowThreshold else { return }
        warnedSlowFlow = true
        logger.warning(
            "the root flow's run() takes \(LightningError.secondsText(average)) on average: checkpoints and requests wait for it; move long work to a parallel LightningWork (LightningWork(parallel: true))",
            metadata: ["seconds": "\(average)"])
    }

    /// Takes a checkpoint for the requests' waiters, unless the app is stopping and the stop's
    /// time is over (too late: then the final checkpoint is skipped).
    private func checkpoint(
        stopping: Bool, with writer: CheckpointWriter, since started: ContinuousClock.Instant,
        requests: inout LightningAppControl.Requests?, end: inout LoopEnd
    ) throws(LightningError) {
        if stopping && writer.stopWaitEnded {
            end.finalCheckpointSkipped = true
            return
        }
        try takeCheckpoint(with: writer, since: started, waiters: requests?.waiters ?? [])
        requests?.waiters = []
    }

    private static func combine(_ earlier: LightningAppControl.Requests?, _ later: LightningAppControl.Requests?) -> LightningAppControl.Requests? {
        guard var earlier else { return later }
        guard let later else { return earlier }
        earlier.stop = later.stop ?? earlier.stop
        earlier.checkpoint = earlier.checkpoint || later.checkpoint
        earlier.waiters += later.waiters
        return earlier
    }

    /// Whether the state changed since the last capture (or was never captured in this run).
    private var stateChangedSinceCapture: Bool {
        root.savedChildren == nil || root.needsVisit || root.hasChanges
    }

    /// At the end of a run: when a requested checkpoint is not durable, saves the whole state now.
    private func makeNewestStateDurable(_ writer: CheckpointWriter) throws(LightningError) {
        let time = LightningWork.now()
        let failure: CheckpointStoreError?
        if writer.pending.isSomething && writer.stopWaitEnded { throw timedOut(writer) }
        switch writer.pending {
        case .none:
            return
        case .state(let state, let formats):
            failure = writer.saveNow(state, formats: formats, time: time)
        case .needsCapture:
            attachComponents()
            // The run ends: no delta follows, so no var is kept; the large ones are converted here.
            var (state, _, deferred) = try capturedState(time: time, recordingAsSaved: true, keepingVars: false)
            do {
                try DeferredVar.fill(deferred, in: &state)
            } catch {
                throw LightningError("The state captured could not be completed: \(error)", underlying: error)
            }
            failure = writer.saveNow(state, formats: checkpointFormats, time: time)
        }
        if let failure {
            if writer.stopWaitEnded { throw timedOut(writer) }
            throw .stateNotSaved(failure, newestDurable: writer.newestDurable)
        }
        if let saved = writer.newestDurable {
            logger.notice("saved the newest state whole as \(saved) after the failures above", metadata: ["checkpoint": "\(saved)"])
        }
    }

    private func policyIsDue() -> Bool {
        if let every = policy.everyIterations, every > 0, iterationsSinceSave >= every { return true }
        if let interval = policy.everySeconds, LightningWork.now() - lastSaveTime >= interval { return true }
        return false
    }

    /// Captures a checkpoint — a delta when the binary chain allows, else the whole state — and
    /// hands it to the writer, with those waiting for it.
    ///
    /// The pause recorded runs from the end of the iteration's `run()` (so it includes attaching
    /// the components) to the hand-off, less the wait for room in the writer's queue.
    private func takeCheckpoint(with writer: CheckpointWriter, since started: ContinuousClock.Instant, waiters: [CheckpointWaiter]) throws(LightningError) {
        let clock = ContinuousClock()
        let time = LightningWork.now()
        // Deltas chain onto what was captured before, even if it is still being written.
        let chain = writer.chain
        var waited = 0.0
        // The bytes rule reads the chain as written: while the writer has not yet saved the newest
        // full capture, its figures are the chain before, and the new chain has no delta yet.
        let chainIsCurrent = chain.capture == fullCaptures
        let deltaAllowed = checkpointFormats == .binary && chainStarted && root.savedChildren != nil && !writer.needsFullSnapshot
            && deltasSinceFull < policy.maxDeltaChain
            && (!chainIsCurrent || Double(chain.deltaBytes) <= policy.maxDeltaBytesFraction * Double(max(chain.baseBytes, 1)) + 1)
        checkFixedChildren(beforeFullCheckpoint: !deltaAllowed)
        if deltaAllowed {
            var delta = CapturedChanges()
            var log = CaptureLog(recording: true, keepingVars: true)
            _ = try root.captureChanges(path: [], into: &delta, log: &log)
            log.commit()
            delta.keep(log.keptVars)
            delta.fill(log.deferredVars)
            deltasSinceFull += 1
            delta.set([CheckpointLayout.appStateKey], to: ["stage": .string(StateString(stage.rawValue))])
            delta.set([CheckpointMetadata.key], to: metadata(time: time).stateValue)
            waited = writer.submit(.delta(delta, time: time), waiters: waiters, background: policy.writesInBackground)
        } else {
            // The loop attached the tree just before; no second walk.
            // Deltas follow only binary snapshots: only then does the writer keep vars to compare.
            let (state, kept, deferred) = try capturedState(time: time, recordingAsSaved: true, keepingVars: checkpointFormats == .binary)
            deltasSinceFull = 0
            chainStarted = true
            fullCaptures += 1
            waited = writer.submit(
                .full(state, kept: kept, deferred: deferred, capture: fullCaptures, formats: checkpointFormats, time: time), waiters: waiters,
                background: policy.writesInBackground)
        }
        let pause = (clock.now - started).seconds - waited
        control.recorder.update { statistics in
            statistics.checkpointsTaken += 1
            statistics.pauses.record(pause)
            statistics.queueWaits.record(waited)
        }
        writer.settings.metrics.pause.recordSeconds(pause)
        writer.settings.metrics.queueWait.recordSeconds(waited)
        iterationsSinceSave = 0
        lastSaveTime = time
    }

    /// Before a checkpoint: reflects the flows that hold children in plain non-optional
    /// properties, which nothing watches (see ``ChildWatch``), and attaches and reports any
    /// replaced since.
    private func checkFixedChildren(beforeFullCheckpoint full: Bool) {
        let replaced = childWatch.unreportedReplacements(beforeFullCheckpoint: full)
        guard !replaced.isEmpty else { return }
        attachComponents()
        logger.warning(
            "a child of \(replaced.joined(separator: ", ")) was replaced in a property declared neither optional nor @Child, which only checkpoints look at: declare children you replace as @Child var (or optionals)",
            metadata: ["components": "\(replaced.joined(separator: ","))"])
    }

    private func metadata(time: Double) -> CheckpointMetadata {
        CheckpointMetadata(schemaVersion: schemaVersion, createdAt: time, appName: name)
    }

    /// The checkpoint tree of the app now: the root flow's state, `app_state`, and metadata.
    ///
    /// Reading it does not disturb change tracking: the next checkpoint of a run still holds
    /// every change since the one before. To save a checkpoint while the app runs, ask
    /// ``control`` (``LightningAppControl/requestCheckpoint()``); to write this tree yourself,
    /// `CheckpointStore.save(_:time:formats:after:)`.
    /// - Parameter time: The Unix time recorded in the metadata; now when `nil`.
    /// - Throws: ``LightningError`` when a var or key cannot be saved.
    public func checkpointState(time: Double? = nil) throws(LightningError) -> StateValue {
        attachComponents()
        return try capturedState(time: time ?? LightningWork.now(), recordingAsSaved: false, keepingVars: false).state
    }

    /// Names and links the components added or moved since the last call (each iteration, so that
    /// names are current and the next capture knows what changed); returns whether a flow asked to stop.
    ///
    /// Its cost follows the change: a word compare per `var` child property of each flow, then a visit
    /// of the paths to what was edited or reassigned.
    @discardableResult
    private func attachComponents() -> Bool {
        childWatch.markReassigned()
        let renamed = root.rename("root")
        if renamed || root.needsAttachment || root.attached == nil, root.refreshAttachments(renaming: renamed) {
            childWatch.rebuild(from: root)
        }
        return root.stopInSubtree
    }

    /// The checkpoint tree of the components as attached now; with `recordingAsSaved`, the next
    /// delta is taken against it, and the large vars are taken by reference, a `null` in their place
    /// (`deferred`, which the writer converts and sets); with `keepingVars` too, what the writer
    /// keeps of each var (to compare its next changes with) is returned beside the state.
    private func capturedState(time: Double, recordingAsSaved: Bool, keepingVars: Bool) throws(LightningError) -> (
        state: StateValue, kept: [any CapturedVar], deferred: [DeferredVar]
    ) {
        var log = CaptureLog(recording: recordingAsSaved, keepingVars: keepingVars)
        guard case .object(var members) = try root.state(at: [], log: &log).state else {
            preconditionFailure("a flow state is an object")
        }
        log.commit()
        members[CheckpointLayout.appStateKey] = ["stage": .string(StateString(stage.rawValue))]
        members[CheckpointMetadata.key] = metadata(time: time).stateValue
        return (.object(members), log.keptVars, log.deferredVars)
    }

    /// Loads a checkpoint tree into the app's components, as Lightning's loader does: the root
    /// flow's ``LightningFlow/loadStateDict(flowState:childrenStates:strict:)`` first.
    public func load(_ checkpoint: StateValue, strict: Bool = true) throws(LightningError) {
        do {
            try CheckpointLayout.validate(checkpoint)
        } catch {
            throw LightningError("The checkpoint is malformed: \(error)", code: .checkpointCorrupt, underlying: error)
        }
        let flowState = ComponentState(state: checkpoint, metadata: CheckpointMetadata(checkpoint: checkpoint))
        root.name = "root"
        // What was captured before no longer describes the components: the next checkpoint is whole.
        root.savedChildren = nil
        do {
            try root.loadStateDict(flowState: flowState, childrenStates: flowState.children, strict: strict)
        } catch let error as LightningError {
            // Lightning's message first; then why, when the checkpoint says it is another app's
            // (for what a checkpoint holds and the code lacks, not for a factory that threw).
            let lacking = error.code == .componentNotInstantiated || error.code == .undeclaredVar || (error.code == .checkpointMismatch && error.underlying == nil)
            guard lacking, let writer = flowState.metadata?.appName, writer != name else { throw error }
            throw LightningError(
                "\(error.description) (the checkpoint was written by the app '\(writer)'; this app is '\(name)')", code: error.code, underlying: error.underlying)
        } catch {
            throw LightningError("The checkpoint could not be loaded: \(error)", underlying: error)
        }
        if let stageName = checkpoint[CheckpointLayout.appStateKey]?["stage"]?.stringValue?.string {
            stage = AppStage(rawValue: stageName) ?? .running
        }
        if !strict { warnOfSkipped(checkpoint) }
    }

    /// After a non-strict load: a warning naming the checkpoint's components and vars that the
    /// app does not have, which were skipped (nothing when there are none). It compares with the
    /// app's state as loaded, so it costs a capture of the state: only non-strict loads pay it.
    private func warnOfSkipped(_ checkpoint: StateValue) {
        let loaded: StateValue
        do {
            loaded = try checkpointState()
        } catch {
            return logger.debug("could not list what a non-strict load skipped: \(error)")
        }
        let vars = { (entry: ComponentEntry) in Set((entry.state["vars"]?.objectValue?.keys).map(Array.init) ?? []) }
        let present = Dictionary(CheckpointLayout.components(of: loaded).map { ($0.fullName, vars($0)) }, uniquingKeysWith: { first, _ in first })
        var components: [String] = []
        var skippedNames = Set<String>()
        var skippedVars: [String] = []
        for entry in CheckpointLayout.components(of: checkpoint) {
            guard let have = present[entry.fullName] else {
                skippedNames.insert(entry.fullName)
                // A skipped component's descendants go with it (its parent, if skipped, was seen first).
                let parent = entry.fullName.split(separator: ".").dropLast().joined(separator: ".")
                if !skippedNames.contains(parent) { components.append(entry.fullName) }
                continue
            }
            for key in vars(entry).subtracting(have).sorted(by: { $0.displayString < $1.displayString }) {
                skippedVars.append("\(entry.fullName).\(key.displayString)")
            }
        }
        guard !components.isEmpty || !skippedVars.isEmpty else { return }
        func listed(_ names: [String], _ noun: String) -> String {
            let shown = names.prefix(5).joined(separator: ", ")
            return "\(names.count) \(noun)\(names.count == 1 ? "" : "s") (\(shown)\(names.count > 5 ? ", …" : ""))"
        }
        let parts = [components.isEmpty ? nil : listed(components, "component"), skippedVars.isEmpty ? nil : listed(skippedVars, "var")].compactMap { $0 }
        let writer = CheckpointMetadata(checkpoint: checkpoint)?.appName
        let whose = writer.map { $0 == name ? "" : " (the checkpoint was written by the app '\($0)'; this app is '\(name)')" } ?? ""
        logger.warning(
            "loaded without strict checks: skipped what this app does not have: \(parts.joined(separator: " and "))\(whose)",
            metadata: ["components": "\(components.count)", "vars": "\(skippedVars.count)"])
    }
}
