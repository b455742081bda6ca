import LightningState

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A unit of work in an app: state in `@Var` properties and a ``run()`` that does the work.
///
/// ```swift
/// final class Counter: LightningWork {
///     @Var var counter = 0
///     override func run() throws { counter += 1 }
/// }
/// ```
/// Flows run a work with ``call()``, which records the call in the work's `calls` as Lightning
/// does (`latest_call_hash`, and per call hash its `statuses` and `ret`; see ``callStatus``). A work
/// cannot hold other components.
///
/// By default a call runs ``run()`` in the app's loop, and the flow waits for it. A work made with
/// `parallel: true` — Lightning's `LightningWork(parallel=True)` — runs on a thread of its own
/// while the flow goes on looping:
///
/// ```swift
/// final class Trainer: LightningWork {
///     @Var var epoch = 0
///     @Var var loss = 1.0
///     init() { super.init(parallel: true, cacheCalls: true) }
///     override func run() throws {
///         while epoch < 100 {
///             let next = train(from: loss)                  // the work's own thread
///             try publish { epoch += 1; loss = next }       // the flow sees both, or neither
///         }
///     }
/// }
/// ```
/// See the "Parallel works" article: the work runs on its own copy of its vars, the loop applies
/// what it publishes at its iteration boundaries, and a checkpoint holds each running work as of
/// one of its publications.
open class LightningWork: LightningComponent {
    /// Whether ``call()`` runs ``run()`` on a thread of its own (Lightning's `parallel`).
    public let isParallel: Bool
    /// Whether a call that succeeded is not run again (Lightning's `cache_calls`): ``call()`` then
    /// returns at once. (What ``call()`` does after a failed or stopped call is in its documentation.)
    public let cacheCalls: Bool

    /// Creates a work with Lightning's private vars set to local values: host `127.0.0.1`, no
    /// port, no URL, the default `cpu-small` cloud compute.
    /// - Parameters:
    ///   - parallel: Whether ``call()`` runs ``run()`` on a thread of its own while the flow goes
    ///     on (Lightning's `parallel`); `false` runs it in the loop.
    ///   - cacheCalls: Whether a call that succeeded is not run again (Lightning's `cache_calls`).
    ///     By default it is on for a parallel work, as in Lightning, so that a flow may call its
    ///     works in every iteration; and off for a work that runs in the loop, which then runs at
    ///     every call.
    public init(parallel: Bool = false, cacheCalls: Bool? = nil) {
        isParallel = parallel
        self.cacheCalls = cacheCalls ?? parallel
        super.init(privateVars: Self.localPrivateVars)
    }

    /// What the work does; override it.
    ///
    /// In a parallel work it runs on the work's own thread: it may read and write the work's
    /// `@Var` properties (its own copy, published to the flow) and its `let` properties, and call
    /// ``publish(_:)`` and ``isStopRequested``; it must not touch other components.
    open func run() throws {}

    /// Runs the work, and records the call.
    ///
    /// - A call of a work whose last call succeeded returns at once when ``cacheCalls`` is set.
    /// - A parallel work's call starts ``run()`` on a thread of its own and returns at once; the
    ///   statuses become `pending` and `running`, then, at the loop boundary after ``run()``
    ///   returned, `succeeded`, `failed` with the error (never rethrown: the flow reads
    ///   ``hasFailed`` and ``callStatus``), or `stopped`. As in Lightning, calling it again does
    ///   nothing while the call runs, after it failed, or after ``stop()`` stopped it; it starts
    ///   the call again after the app's stop ended it (reason `sigterm_signal_handler`), and after
    ///   a restore from a checkpoint saved while the call ran (no call runs in this process then).
    /// - Otherwise ``run()`` runs now: on success the call hash's statuses become one `succeeded`
    ///   status, on failure `pending`, `running` and `failed` with the error, which is then rethrown.
    ///   (A parallel work called outside an app's loop runs so too.)
    public final func call() throws {
        if parallelRun != nil { return }
        if cacheCalls && hasSucceeded { return }
        let hash = Self.runCallHash
        let started = Self.now()
        if isParallel, let works = ParallelWorks.current {
            let status = callStatus
            switch (status.stage, status.reason) {
            case (.failed, _), (.stopped, "pending"?): return
            default: start(hash: hash, at: started, in: works)
            }
            return
        }
        calls["latest_call_hash"] = .string(hash)
        do {
            try run()
        } catch {
            calls[hash] = ["statuses": [
                WorkStatus.record(.pending, at: started), WorkStatus.record(.running, at: started),
                WorkStatus.record(.failed, at: Self.now(), message: "\(error)", reason: "user_exception"),
            ]]
            markChanged()
            throw error
        }
        calls[hash] = Self.succeeded(at: Self.now())
        markChanged()
    }

    /// The status of the latest call, as the work's `calls` record it.
    public var callStatus: WorkStatus {
        assert(!(parallelRun?.isCurrentThread ?? false), "\(name): callStatus was read on the work's own thread; it belongs to the loop's")
        return WorkStatus(latestIn: calls)
    }
    /// Whether a call went past `pending`.
    public var hasStarted: Bool { ![.notStarted, .pending].contains(callStatus.stage) }
    /// Whether a call is running in this process, on the work's thread. (A checkpoint saved while a
    /// call ran records it `running`; after a restore no call runs until the flow calls again.)
    public var isRunning: Bool { parallelRun != nil }
    /// Whether the latest call succeeded.
    public var hasSucceeded: Bool { callStatus.stage == .succeeded }
    /// Whether the latest call failed; ``callStatus`` holds the error as its `message`.
    public var hasFailed: Bool { callStatus.stage == .failed }
    /// Whether the latest call was stopped.
    public var hasStopped: Bool { callStatus.stage == .stopped }

    /// `{"statuses": [{"stage": "succeeded", "timestamp": <whole seconds>}], "ret": null}`, as
    /// Lightning's flow side records a success.
    static func succeeded(at time: Double) -> StateValue {
        ["statuses": [["stage": "succeeded", "timestamp": .int(Int64(time))]], "ret": .null]
    }

    /// The work's state: `{"vars": …, "calls": …, "changes": {}}`.
    /// - Parameter path: Where the work's state goes in the checkpoint.
    final func state(at path: [StateString], log: inout CaptureLog) throws(LightningError) -> StateValue {
        ["vars": .object(try varsState(at: path, log: &log)), "calls": .object(calls), "changes": [:]]
    }

    /// Applies a checkpointed work state.
    final func setState(_ state: StateValue, strict: Bool) throws(LightningError) {
        guard case .object(let vars)? = state["vars"], case .object(let checkpointCalls)? = state["calls"] else {
            throw .malformed(name, "lacks \"vars\" or \"calls\"")
        }
        try applyVars(vars, strict: strict)
        mergeCalls(checkpointCalls)
    }

    /// The call hash Lightning gives `run()` called with no arguments (the first seven digits of
    /// the DeepHash of `{"args": (), "kwargs": {}}`), so that Lightning takes our calls for its own.
    static let runCallHash: StateString = "fe3fa0f"

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The private vars Lightning 2.3.2 writes for every work, with local values.
    static let localPrivateVars: StateObject = [
        "_host": "127.0.0.1",
        "_port": .null,
        "_url": "",
        "_future_url": "",
        "_internal_ip": "127.0.0.1",
        "_public_ip": "",
        "_restarting": false,
        "_cloud_compute": [
            "type": "__cloud_compute__", "name": "cpu-small", "disk_size": 0, "idle_timeout": .null, "shm_size": 0,
            "mounts": .null, "colocation_group_id": .null, "interruptible": false, "_internal_id": "default",
        ],
        "_display_name": "",
        "_paths": [:],
    ]
}
