import LightningStore

/// Why an app could not load a checkpoint, run, or save its state.
///
/// The ``description`` is one line. For a component in the checkpoint that the code did not
/// create it is exactly Lightning's message:
/// `The component w wasn't instantiated for the component root`.
/// ``code`` tells the kinds apart, so that a caller can react to one:
///
/// ```swift
/// do {
///     try app.run(checkpoint: "latest", storageRoot: ".storage")
/// } catch let error as LightningError where error.code == .noCheckpoints {
///     try app.run(checkpoint: nil, storageRoot: ".storage")  // the first run: start fresh
/// }
/// ```
///
/// ``underlying`` keeps the error behind this one (a `CheckpointStoreError` with its own code
/// and `errno`, a var's conversion error, an error a flow threw while loading its state).
public struct LightningError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    ///
    /// A struct with a static member per kind, as swift-nio's errors are, so that new kinds can be
    /// added without breaking a caller's `switch` (which then needs a `default:`). Compare with `==`
    /// or match in a `switch`: `case .noCheckpoints:`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case noCheckpoints, checkpointNotFound, checkpointCorrupt, checkpointUnreadable
            case componentNotInstantiated, undeclaredVar, checkpointMismatch, stateNotSaved
            case unsavableState, storageInUse, invalidPolicy, stopTimedOut, notRunning, cancelled, controlInUse, workStopped
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The code's name, as its static member is spelled: `noCheckpoints`.
        public var description: String { kind.rawValue }

        /// `latest` or `latest-valid` was asked for, and the storage holds no checkpoint yet.
        public static let noCheckpoints = Code(.noCheckpoints)
        /// No checkpoint has the name or path asked for.
        public static let checkpointNotFound = Code(.checkpointNotFound)
        /// The checkpoint's bytes are damaged: bad JSON, a truncated or corrupt snapshot, a broken
        /// chain of deltas, or a tree without Lightning's layout.
        public static let checkpointCorrupt = Code(.checkpointCorrupt)
        /// The storage could not be read (see ``LightningError/storeError`` for the `errno` or the
        /// HTTP status).
        public static let checkpointUnreadable = Code(.checkpointUnreadable)
        /// Strict loading: the checkpoint holds a component that the code did not create
        /// (`The component <name> wasn't instantiated for the component <parent>`).
        public static let componentNotInstantiated = Code(.componentNotInstantiated)
        /// Strict loading: the checkpoint sets a var that the component does not declare.
        public static let undeclaredVar = Code(.undeclaredVar)
        /// The checkpoint does not fit the app's components otherwise: a var of the wrong type, a
        /// structure whose keys differ, a child that could not be re-created, a flow's own
        /// ``LightningFlow/loadStateDict(flowState:childrenStates:strict:)`` failing.
        public static let checkpointMismatch = Code(.checkpointMismatch)
        /// The newest requested state is not durable: its save failed, and so did the last full
        /// retry at the end of the run (see ``LightningError/newestDurableCheckpoint``).
        public static let stateNotSaved = Code(.stateNotSaved)
        /// The state holds something no checkpoint can hold (a NaN inside a `Codable` var, a key with `.`).
        public static let unsavableState = Code(.unsavableState)
        /// Another app is writing checkpoints to the same storage.
        public static let storageInUse = Code(.storageInUse)
        /// The ``CheckpointPolicy`` is not usable.
        public static let invalidPolicy = Code(.invalidPolicy)
        /// A stop requested from outside the loop (a signal, ``LightningAppControl``, a task's
        /// cancellation) ran out of time, or was told to end at once, before the newest state was
        /// durable (see ``LightningError/newestDurableCheckpoint``).
        public static let stopTimedOut = Code(.stopTimedOut)
        /// A checkpoint was asked for through ``LightningAppControl``, but the app's run ended
        /// (it failed, or it was never started) before the checkpoint could be taken.
        public static let notRunning = Code(.notRunning)
        /// The task awaiting ``LightningAppControl/checkpoint()`` was cancelled; the checkpoint
        /// itself is still taken.
        public static let cancelled = Code(.cancelled)
        /// The app's ``LightningApp/control`` is already used by another app that is running.
        public static let controlInUse = Code(.controlInUse)
        /// A parallel work's ``LightningWork/publish(_:)`` published, and the call was asked to
        /// stop (``LightningWork/stop()``, or the app stopping): `run()` ends with it, and the call
        /// is recorded `stopped`.
        public static let workStopped = Code(.workStopped)
    }

    /// What kind of failure this is.
    public let code: Code
    /// The one-line message.
    public let description: String
    /// The error behind this one, when there is one: a `CheckpointStoreError`, a
    /// ``StateConversionError``, or the error a flow's code threw while loading.
    public let underlying: (any Error)?
    /// For ``Code/stateNotSaved`` and ``Code/stopTimedOut``: the newest checkpoint known to be
    /// whole and durable, if any.
    public let newestDurableCheckpoint: CheckpointName?

    /// The storage failure behind this one, when there is one.
    public var storeError: CheckpointStoreError? { underlying as? CheckpointStoreError }

    init(_ description: String, code: Code = .checkpointMismatch, underlying: (any Error)? = nil, newestDurable: CheckpointName? = nil) {
        self.code = code
        self.description = description
        self.underlying = underlying
        self.newestDurableCheckpoint = newestDurable
    }

    /// The checkpoint or the storage could not be read, or locked.
    public static func store(_ error: CheckpointStoreError) -> Self {
        let code: Code = switch error.code.kind {
        case .noCheckpoints: .noCheckpoints
        case .notFound: .checkpointNotFound
        case .corrupt, .layout: .checkpointCorrupt
        case .lockHeld: .storageInUse
        case .io, .refused, .encoding, .invalidArgument: .checkpointUnreadable
        }
        return LightningError(error.description, code: code, underlying: error)
    }

    /// The newest requested state could not be made durable.
    static func stateNotSaved(_ error: CheckpointStoreError, newestDurable: CheckpointName?) -> Self {
        let resume = newestDurable.map { "the newest durable checkpoint is \($0): resume with --checkpoint \($0)" }
            ?? "no checkpoint of this app is durable"
        return LightningError("The newest state was not saved: \(error); \(resume)", code: .stateNotSaved, underlying: error, newestDurable: newestDurable)
    }

    /// A stop's wait for saves ended (its deadline passed, or ``LightningAppControl/stopNow()``)
    /// before the newest state was durable.
    static func stopTimedOut(_ why: String, newestDurable: CheckpointName?) -> Self {
        LightningError(
            "The app stopped before its newest state was saved (\(why)); \(stopAdvice(newestDurable))",
            code: .stopTimedOut, newestDurable: newestDurable)
    }

    /// What to resume from after a stop cut short: a save still under way may yet finish, so the
    /// advice is `latest`, which is always whole, not the name known now.
    package static func stopAdvice(_ newestDurable: CheckpointName?) -> String {
        newestDurable.map { "the newest durable checkpoint is \($0): resume from latest" }
            ?? "no checkpoint of this app is durable"
    }

    /// `25 s`, `0.5 s`.
    package static func secondsText(_ seconds: Double) -> String {
        let rounded = (seconds * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? "\(Int(rounded)) s" : "\(rounded) s"
    }

    /// A checkpoint request that no run will take.
    static func notRunning(_ why: String) -> Self {
        LightningError("The checkpoint was not taken: \(why)", code: .notRunning)
    }

    /// A parallel work's call was asked to stop.
    static func workStopped(_ work: String) -> Self {
        LightningError("The work \(work) was asked to stop", code: .workStopped)
    }

    /// A checkpoint holds a child that the code did not create (strict loading).
    static func notInstantiated(_ child: String, parent: String) -> Self {
        LightningError("The component \(child) wasn't instantiated for the component \(parent)", code: .componentNotInstantiated)
    }

    /// A checkpoint holds a var that the component does not declare (strict loading).
    static func undeclaredVar(_ key: String, component: String, type: String) -> Self {
        LightningError("The checkpoint sets the var \(key) of \(component), which \(type) does not declare", code: .undeclaredVar)
    }

    /// A var in the checkpoint does not convert to the declared Swift type.
    static func badVar(_ key: String, component: String, _ error: StateConversionError) -> Self {
        LightningError("The var \(key) of \(component): \(error)", underlying: error)
    }

    /// A `LightningDict` key holds `.`, which would split the full name; Lightning's message.
    static func forbiddenKey(_ key: String) -> Self {
        LightningError("The provided name \(key) contains . which is forbidden.", code: .unsavableState)
    }

    /// A var's value cannot be saved as it is.
    static func unsavableVar(_ key: String, component: String, _ error: StateConversionError) -> Self {
        LightningError("The var \(key) of \(component) cannot be saved: \(error)", code: .unsavableState, underlying: error)
    }

    /// A component state in the checkpoint lacks a required key or holds the wrong kind.
    static func malformed(_ component: String, _ problem: String) -> Self {
        LightningError("The state of \(component) \(problem)")
    }

    /// A structure's keys differ from the checkpoint's, as Lightning's `Dict`/`List.set_state` reports.
    static func structureMismatch(kind: String, name: String, keys: [String]) -> Self {
        let set = keys.map { "'\($0)'" }.joined(separator: ", ")
        return LightningError("The provided state doesn't match the `\(kind)` \(name). Found `{\(set)}` un-matching keys")
    }
}
