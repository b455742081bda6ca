import CoreMetrics
import LightningCodecs
import LightningState
import LightningStore
import Logging

/// Runs a Lightning app: calls the root flow's ``LightningFlow/run()`` in a loop until a flow
/// calls ``LightningFlow/stop()``, saving a checkpoint after every iteration in which
/// ``LightningFlow/shouldSaveCheckpoint()`` returns `true`, and starting from a checkpoint when asked.
///
/// ```swift
/// let root = Root()
/// let app = LightningApp(root: root, name: "counter-app")
/// try app.run(checkpoint: "latest", storageRoot: ".storage")
/// ```
/// Command-line apps use `LightningCLI`: they pass their `LightningAppOptions` to `run(_:)`, which
/// handles `--checkpoint`, `--storage` (local or `s3://`), the policy flags and `--non-strict`,
/// and reports failures as one line.
public final class LightningApp {
    /// The root flow.
    public let root: LightningFlow
    /// The app's name, recorded in checkpoint metadata.
    public let name: String
    /// The app's own version of its state layout, recorded in checkpoint metadata for migrations.
    public let schemaVersion: Int
    /// The checkpoint files saved by this app, oldest first.
    public private(set) var savedCheckpoints: [CheckpointInfo] = []
    /// Which files a checkpoint writes: the binary snapshot (the default), the documented JSON, or both.
    /// Binary checkpoints after the first are incremental (see ``CheckpointPolicy``); JSON ones are whole.
    public var checkpointFormats: CheckpointStore.SaveFormats = .binary
    /// When and how checkpoints are saved.
    public var policy = CheckpointPolicy()
    /// The pause of the loop for each checkpoint, in seconds: capturing what changed and handing it
    /// to the writer (encoding, compressing and writing happen in the background), not counting
    /// waits for room in the writer's queue.
    public private(set) var checkpointPauses: [Double] = []
    /// For each checkpoint, the seconds the loop waited for room in the writer's queue (storage
    /// slower than the loop, with ``CheckpointPolicy/WhenBehind/wait``).
    public private(set) var checkpointQueueWaits: [Double] = []

    /// Where the app logs its checkpoints: each save (`debug`), storage retries (`info`), a resume
    /// and clean-ups (`notice`), skipped damaged checkpoints and failed retention (`warning`), and
    /// failed saves (`error`), with metadata (`checkpoint`, `kind`, `bytes`, `seconds`, `error`).
    /// By default a logger labelled `lightning.app`, handled as `LoggingSystem` was bootstrapped.
    public var logger = Logger(label: "lightning.app")
    /// Where the app records its checkpoint metrics (see the metric names in the documentation's
    /// "Logging and metrics" article); `nil`, the default, means the factory bootstrapped with
    /// `MetricsSystem` when the app runs.
    public var metricsFactory: (any MetricsFactory)?

    private var writer: CheckpointWriter?
    private let slotWatch = SlotWatchList()
    private var iterationsSinceSave = 0
    private var deltasSinceFull = 0
    private var lastSaveTime = 0.0
    /// The stage of the app.
    public private(set) var stage: AppStage = .running

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

    /// Loads `checkpoint` when given (a path, a name in the storage, `latest` or `latest-valid`),
    /// then runs the loop, in a local storage root. Throws as ``run(checkpoint:store:strict:)``.
    public func run(checkpoint: String?, storageRoot: String, strict: Bool = true) throws {
        try run(checkpoint: checkpoint, store: CheckpointStore(storageRoot: storageRoot), strict: strict)
    }

    /// Loads `checkpoint` when given (a path, a name in the storage, `latest`, or `latest-valid` for
    /// the newest checkpoint that loads), then runs the loop, saving checkpoints to `store`.
    ///
    /// The app holds the storage's writer lock while it runs. When it stops, it waits for every
    /// save; if the newest requested state is not durable, it saves the whole state once more, and
    /// if that fails too, it throws ``LightningError/Code/stateNotSaved``: a run that returns has
    /// its newest requested state durable.
    /// - Throws: ``LightningError`` when the policy is invalid, the storage is in use, the checkpoint
    ///   cannot be found, read or loaded (nothing runs then), or the state cannot be saved; the
    ///   error a flow or work threw, unchanged (the app's ``stage`` is then `failed`, and the saves
    ///   already handed to the writer are finished first).
    public func run(checkpoint: String?, store: CheckpointStore, strict: Bool = true) throws {
        try policy.validate()
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
        defer { lock.release() }
        if let checkpoint {
            let started = ContinuousClock.now
            let loaded: CheckpointStore.LoadedCheckpoint
            do {
                loaded = try starting { () throws(CheckpointStoreError) in try store.loadCheckpoint(checkpoint) }
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
        }
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
        let writer = CheckpointWriter(store: store, newest: newest, settings: settings)
        self.writer = writer
        // A run's chain starts with a whole snapshot, even if the app ran before.
        root.savedChildren = nil
        iterationsSinceSave = 0
        deltasSinceFull = 0
        lastSaveTime = LightningWork.now()
        defer { savedCheckpoints = writer.files }
        do {
            try loop(with: writer)
        } catch {
            writer.waitUntilIdle()
            if case .none = writer.pending {} else {
                let durable = writer.newestDurable.map { "the newest durable checkpoint is \($0)" } ?? "no checkpoint is durable"
                logger.error("the app stopped with its newest requested checkpoint not saved; \(durable)")
            }
            throw error
        }
        writer.waitUntilIdle()
        try makeNewestStateDurable(writer)
    }

    private func loop(with writer: CheckpointWriter) throws {
        let clock = ContinuousClock()
        while true {
            do {
                try root.run()
            } catch {
                stage = .failed
                throw error
            }
            let iterationEnded = clock.now
            iterationsSinceSave += 1
            let stopping = attachComponents()
            if stopping { stage = .stopping }
            if root.shouldSaveCheckpoint() || policyIsDue() {
                try takeCheckpoint(with: writer, since: iterationEnded)
            }
            if stopping { return }
        }
    }

    /// At the end of a run: when a requested checkpoint is not durable, saves the whole state now.
    private func makeNewestStateDurable(_ writer: CheckpointWriter) throws(LightningError) {
        let time = LightningWork.now()
        let failure: CheckpointStoreError?
        switch writer.pending {
        case .none:
            return
        case .state(let state, let formats):
            failure = writer.saveNow(state, formats: formats, time: time)
        case .needsCapture:
            attachComponents()
            failure = writer.saveNow(try capturedState(time: time, recordingAsSaved: true), formats: checkpointFormats, time: time)
        }
        if let failure { throw .stateNotSaved(failure, newestDurable: writer.newestDurable) }
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
    /// hands it to the writer.
    ///
    /// The pause recorded runs from the end of the iteration's `run()` (so it includes attaching
    /// the components) to the hand-off, less the wait for room in the writer's queue.
    private func takeCheckpoint(with writer: CheckpointWriter, since started: ContinuousClock.Instant) throws(LightningError) {
        let clock = ContinuousClock()
        let time = LightningWork.now()
        // Deltas chain onto what was captured before, even if it is still being written.
        let chain = writer.chain
        var waited = 0.0
        let deltaAllowed = checkpointFormats == .binary && root.savedChildren != nil && !writer.needsFullSnapshot
            && deltasSinceFull < policy.maxDeltaChain
            && Double(chain.deltaBytes) <= policy.maxDeltaBytesFraction * Double(max(chain.baseBytes, 1)) + 1
        if deltaAllowed {
            var delta = StateDelta()
            var log = CaptureLog(recording: true)
            _ = try root.captureChanges(path: [], into: &delta, log: &log)
            log.commit()
            deltasSinceFull += 1
            delta.set([CheckpointLayout.appStateKey], to: ["stage": .string(StateString(stage.rawValue))])
            delta.set([CheckpointMetadata.key], to: metadata(time: time).stateValue)
            waited = writer.submit(.delta(delta, time: time), background: policy.writesInBackground)
        } else {
            // The loop attached the tree just before; no second walk.
            let state = try capturedState(time: time, recordingAsSaved: true)
            deltasSinceFull = 0
            waited = writer.submit(.full(state, formats: checkpointFormats, time: time), background: policy.writesInBackground)
        }
        let pause = (clock.now - started).seconds - waited
        checkpointPauses.append(pause)
        checkpointQueueWaits.append(waited)
        writer.settings.metrics.pause.recordSeconds(pause)
        writer.settings.metrics.queueWait.recordSeconds(waited)
        iterationsSinceSave = 0
        lastSaveTime = time
    }

    private func metadata(time: Double) -> CheckpointMetadata {
        CheckpointMetadata(schemaVersion: schemaVersion, createdAt: time, appName: name)
    }

    /// Saves the whole state now, synchronously, as a new checkpoint in `store`, in
    /// ``checkpointFormats``, and returns the files.
    @discardableResult
    public func save(to store: CheckpointStore) throws(LightningError) -> [CheckpointInfo] {
        let time = LightningWork.now()
        do {
            attachComponents()
            let files = try store.save(try capturedState(time: time, recordingAsSaved: true), time: time, formats: checkpointFormats)
            savedCheckpoints.append(contentsOf: files)
            return files
        } catch let error as LightningError {
            throw error
        } catch let error as CheckpointStoreError {
            throw LightningError("Could not save a checkpoint: \(error)", code: .stateNotSaved, underlying: error)
        } catch {
            throw LightningError("Could not save a checkpoint: \(error)", code: .stateNotSaved, underlying: error)
        }
    }

    /// The failed saves of the last run, oldest first (each was also reported).
    public var checkpointErrors: [CheckpointStoreError] { writer?.errors ?? [] }

    /// The checkpoint tree of the app now: the root flow's state, `app_state`, and metadata.
    /// - Parameter time: The Unix time recorded in the metadata; now when `nil`.
    /// - Throws: ``LightningError`` when a var or key cannot be saved.
    public func checkpointState(time: Double? = nil) throws(LightningError) -> StateValue {
        attachComponents()
        return try capturedState(time: time ?? LightningWork.now(), recordingAsSaved: false)
    }

    /// Names and links the components added or moved since the last call (each iteration, so that
    /// names are current and the next capture knows what changed); returns whether a flow asked to stop.
    ///
    /// Its cost follows the change: a word compare per `var` child property of each flow, then a visit
    /// of the paths to what was edited or reassigned.
    @discardableResult
    private func attachComponents() -> Bool {
        slotWatch.markReassigned()
        let renamed = root.rename("root")
        if renamed || root.needsAttachment || root.attached == nil, root.refreshAttachments(renaming: renamed) {
            slotWatch.rebuild(from: root)
        }
        return root.stopInSubtree
    }

    /// The checkpoint tree of the components as attached now; with `recordingAsSaved`, the next
    /// delta is taken against it.
    private func capturedState(time: Double, recordingAsSaved: Bool) throws(LightningError) -> StateValue {
        var log = CaptureLog(recording: recordingAsSaved)
        guard case .object(var members) = try root.state(log: &log).state else {
            preconditionFailure("a flow state is an object")
        }
        log.commit()
        members[CheckpointLayout.appStateKey] = ["stage": .string(StateString(stage.rawValue))]
        members[CheckpointMetadata.key] = metadata(time: time).stateValue
        return .object(members)
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
            throw error
        } catch {
            throw LightningError("The checkpoint could not be loaded: \(error)", underlying: error)
        }
        if let stageName = checkpoint[CheckpointLayout.appStateKey]?["stage"]?.stringValue?.string {
            stage = AppStage(rawValue: stageName) ?? .running
        }
    }
}
