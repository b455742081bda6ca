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
    public var checkpointFormats: CheckpointStore.SaveFormats = .binary
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
            root.name = "root"
            let stopping = root.attachDescendants()
            if stopping { stage = .stopping }
            if root.shouldSaveCheckpoint() {
                try save(to: store)
            }
            if stopping { return }
        }
    }

    /// Saves the app's state as a new checkpoint in `store`, in ``checkpointFormats``, and returns the files.
    @discardableResult
    public func save(to store: CheckpointStore) throws(LightningError) -> [CheckpointInfo] {
        let time = LightningWork.now()
        do {
            let files = try store.save(checkpointState(time: time), time: time, formats: checkpointFormats)
            root.forEachComponent { $0.hasChanges = false }
            savedCheckpoints.append(contentsOf: files)
            return files
        } catch {
            throw LightningError("Could not save a checkpoint: \(error)")
        }
    }

    /// The checkpoint tree of the app now: the root flow's state, `app_state`, and metadata.
    /// - Parameter time: The Unix time recorded in the metadata; now when `nil`.
    public func checkpointState(time: Double? = nil) -> StateValue {
        let time = time ?? LightningWork.now()
        root.name = "root"
        _ = root.attachDescendants()
        guard case .object(var members) = root.state().state else { preconditionFailure("a flow state is an object") }
        members[CheckpointLayout.appStateKey] = ["stage": .string(StateString(stage.rawValue))]
        members[CheckpointMetadata.key] = CheckpointMetadata(schemaVersion: schemaVersion, createdAt: time, appName: name).stateValue
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
