import LightningCodecs
import LightningState
import LightningStore

/// Runs a Lightning app: calls the root flow's ``LightningFlow/run()`` in a loop until a flow
/// calls ``LightningFlow/stop()``, saving a checkpoint after every iteration in which
/// ``LightningFlow/shouldSaveCheckpoint()`` returns `true`, and starting from a checkpoint when asked.
///
/// ```swift
/// let root = Root()
/// let app = LightningApp(root: root, name: "counter-app")
/// try app.run(checkpoint: "latest", storageRoot: ".storage")
/// ```
/// Command-line apps pass their ``LightningAppOptions`` to ``run(_:)`` instead, which handles
/// `--checkpoint`, `--storage` and `--non-strict` and reports failures as one line.
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
    /// to the writer (encoding, compressing and writing happen in the background).
    public private(set) var checkpointPauses: [Double] = []

    private var writer: CheckpointWriter?
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

    /// Runs the app as its command line asks; a failure is printed as one line on standard error
    /// and becomes `ExitCode.failure`.
    public func run(_ options: LightningAppOptions) throws {
        do {
            checkpointFormats = options.checkpointFormat
            policy.everyIterations = options.checkpointEvery
            policy.everySeconds = options.checkpointInterval
            policy.keepLast = options.keepLast
            if let chain = options.maxDeltaChain { policy.maxDeltaChain = chain }
            try run(checkpoint: options.checkpoint, storageRoot: CheckpointStore.storageRoot(explicit: options.storage), strict: !options.nonStrict)
        } catch {
            Console.writeErrorLine(error.description)
            throw LightningAppOptions.failure
        }
    }

    /// Loads `checkpoint` when given (a path, a name in the storage, or `latest`), then runs the loop.
    /// - Throws: ``LightningError`` when the checkpoint cannot be found, read or loaded (nothing runs
    ///   then), when a save fails, or with the error a flow or work threw.
    public func run(checkpoint: String?, storageRoot: String, strict: Bool = true) throws(LightningError) {
        let store = CheckpointStore(storageRoot: storageRoot)
        if let checkpoint {
            let state: StateValue
            let path: String
            do {
                path = try store.resolve(checkpoint)
                state = try CheckpointStore.load(path: path)
            } catch {
                throw LightningError(error.description)
            }
            try load(state, strict: strict)
            Console.writeErrorLine("resumed from \(path)")
        }
        stage = .running
        if let removed = try? store.removeStaleTemporaryFiles(), removed > 0 {
            Console.writeErrorLine("removed \(removed) temporary files left by interrupted saves in \(store.folder)")
        }
        let writer = CheckpointWriter(store: store, keepLast: policy.keepLast)
        self.writer = writer
        lastSaveTime = LightningWork.now()
        defer {
            writer.waitUntilIdle()
            savedCheckpoints = writer.files
        }
        while true {
            do {
                try root.run()
            } catch let error as LightningError {
                stage = .failed
                throw error
            } catch {
                stage = .failed
                throw LightningError("The app failed: \(error)")
            }
            iterationsSinceSave += 1
            let stopping = nameComponents()
            if stopping { stage = .stopping }
            if root.shouldSaveCheckpoint() || policyIsDue() {
                takeCheckpoint(with: writer)
            }
            if stopping { return }
        }
    }

    private func policyIsDue() -> Bool {
        if let every = policy.everyIterations, every > 0, iterationsSinceSave >= every { return true }
        if let interval = policy.everySeconds, LightningWork.now() - lastSaveTime >= interval { return true }
        return false
    }

    /// Captures a checkpoint — a delta when the binary chain allows, else the whole state — and
    /// hands it to the writer.
    private func takeCheckpoint(with writer: CheckpointWriter) {
        let clock = ContinuousClock()
        let started = clock.now
        let time = LightningWork.now()
        // Deltas chain onto what was captured before, even if it is still being written.
        let chain = writer.chain
        let deltaAllowed = checkpointFormats == .binary && root.savedChildren != nil && !writer.needsFullSnapshot
            && deltasSinceFull < policy.maxDeltaChain
            && Double(chain.deltaBytes) <= policy.maxDeltaBytesFraction * Double(max(chain.baseBytes, 1)) + 1
        if deltaAllowed {
            deltasSinceFull += 1
            var delta = StateDelta()
            _ = root.captureChanges(path: [], into: &delta)
            delta.set([CheckpointLayout.appStateKey], to: ["stage": .string(StateString(stage.rawValue))])
            delta.set([CheckpointMetadata.key], to: metadata(time: time).stateValue)
            writer.submit(.delta(delta, time: time), background: policy.writesInBackground)
        } else {
            deltasSinceFull = 0
            // The loop named the tree just before; no second walk.
            writer.submit(.full(capturedState(time: time, recordingAsSaved: true), formats: checkpointFormats, time: time), background: policy.writesInBackground)
        }
        let pause = clock.now - started
        checkpointPauses.append(Double(pause.components.seconds) + Double(pause.components.attoseconds) * 1e-18)
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
            nameComponents()
            let files = try store.save(capturedState(time: time, recordingAsSaved: true), time: time, formats: checkpointFormats)
            savedCheckpoints.append(contentsOf: files)
            return files
        } catch {
            throw LightningError("Could not save a checkpoint: \(error)")
        }
    }

    /// The failures of background saves in the last run, one line each (each was also printed).
    public var checkpointErrors: [String] { writer?.errors ?? [] }

    /// The checkpoint tree of the app now: the root flow's state, `app_state`, and metadata.
    /// - Parameter time: The Unix time recorded in the metadata; now when `nil`.
    public func checkpointState(time: Double? = nil) -> StateValue {
        nameComponents()
        return capturedState(time: time ?? LightningWork.now(), recordingAsSaved: false)
    }

    /// Gives every component its full name; returns whether a flow asked to stop.
    @discardableResult
    private func nameComponents() -> Bool {
        root.name = "root"
        return root.attachDescendants()
    }

    /// The checkpoint tree of the components as named now.
    private func capturedState(time: Double, recordingAsSaved: Bool) -> StateValue {
        guard case .object(var members) = root.state(recordingAsSaved: recordingAsSaved).state else {
            preconditionFailure("a flow state is an object")
        }
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
            throw LightningError("The checkpoint is malformed: \(error)")
        }
        let flowState = ComponentState(state: checkpoint, metadata: CheckpointMetadata(checkpoint: checkpoint))
        root.name = "root"
        do {
            try root.loadStateDict(flowState: flowState, childrenStates: flowState.children, strict: strict)
        } catch let error as LightningError {
            throw error
        } catch {
            throw LightningError("The checkpoint could not be loaded: \(error)")
        }
        if let stageName = checkpoint[CheckpointLayout.appStateKey]?["stage"]?.stringValue?.string {
            stage = AppStage(rawValue: stageName) ?? .running
        }
    }
}
