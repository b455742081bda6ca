import LightningStore
import Synchronization

/// The handle through which other threads, tasks and signal handlers talk to a running app: ask
/// it to stop, or to take a checkpoint, and read its checkpoint statistics.
///
/// The component tree belongs to the loop's thread. Nothing here touches it: a request is a value
/// the loop takes at its next iteration boundary (after the root flow's `run()` returns), and acts
/// on there, through the same change tracking as any other checkpoint.
///
/// ```swift
/// let app = LightningApp(root: Root(), name: "trainer")
/// let control = app.control                      // Sendable: hand it to any thread or task
/// Task {
///     let name = try await control.checkpoint()  // taken at the next boundary, returned once durable
///     print("saved \(name)")
///     control.requestStop()                      // final checkpoint, saves finished, run returns
/// }
/// try app.run(from: .newestCheckpointIfAny, storageRoot: ".storage")
/// ```
///
/// Apps that run through `LightningCLI`'s options get the usual signals mapped here: SIGTERM and
/// SIGINT call ``requestStop(timeout:)`` (a second one ``stopNow()``), SIGUSR1
/// ``requestCheckpoint()``. Code that installs its own handlers calls the same methods (from a
/// `DispatchSourceSignal`, as swift-service-lifecycle does, not from a raw `sigaction` handler).
///
/// A stop requested while no run is going applies to the next run, which then stops at its first
/// boundary; a run consumes it when it ends.
public final class LightningAppControl: Sendable {
    /// A stop asked for from outside.
    struct StopRequest: Sendable {
        /// When it was asked for.
        let requestedAt: ContinuousClock.Instant
        /// How long the stop may take from then; `nil`: the policy's ``CheckpointPolicy/stopTimeout``.
        let timeout: Duration?
        /// Whether the waits end at once (``stopNow()``).
        var immediately = false
        /// Why the wait ended, for the message: `a second stop request`, `the stop timeout of 25 s`.
        var reason: String?
    }

    /// What the loop takes at a boundary.
    struct Requests: Sendable {
        var stop: StopRequest?
        /// Whether a checkpoint was asked for.
        var checkpoint = false
        /// Those to tell once the checkpoint is durable (or could not be made so).
        var waiters: [CheckpointWaiter] = []
    }

    /// What a running app registers, to be told of a stop while it waits.
    struct RunHooks: Sendable {
        /// Called, outside the lock, when a stop is asked for or made immediate.
        let stopRequested: @Sendable (StopRequest) -> Void
        /// Called, outside the lock, after every request: wakes a loop waiting for its parallel works.
        var wake: @Sendable () -> Void = {}
    }

    private struct State {
        var stop: StopRequest?
        var checkpointRequested = false
        var waiters: [CheckpointWaiter] = []
        var hooks: RunHooks?
        /// The run that holds the control, by its number.
        var owner: Int?
        var runsStarted = 0
    }

    /// Set whenever there is a request the loop has not taken, so that the loop's check at each
    /// boundary is one atomic load.
    private let hasRequests = Atomic<Bool>(false)
    private let state = LockedValue(State())
    /// Shared with the running app and its writer.
    let recorder = StatisticsRecorder()

    /// Creates a control; each ``LightningApp`` makes its own, or is given one.
    public init() {}

    /// Asks the app to stop after the iteration in progress: it takes a final checkpoint of the
    /// newest state (see ``CheckpointPolicy/checkpointsOnStop``), waits for every save and returns.
    ///
    /// Calling it again while the stop is under way changes nothing; ``stopNow()`` ends the wait.
    /// - Parameter timeout: How long the stop may take from now, the iteration in progress
    ///   included; `nil` takes the app's ``CheckpointPolicy/stopTimeout``. When it runs out, the
    ///   app stops waiting for its saves and its run throws ``LightningError/Code/stopTimedOut``
    ///   naming the newest durable checkpoint.
    public func requestStop(timeout: Duration? = nil) {
        let (request, hooks) = state.withLock { state -> (StopRequest?, RunHooks?) in
            guard state.stop == nil else { return (nil, nil) }
            state.stop = StopRequest(requestedAt: .now, timeout: timeout)
            hasRequests.store(true, ordering: .releasing)
            return (state.stop, state.hooks)
        }
        guard let request else { return }
        hooks?.stopRequested(request)
        hooks?.wake()
    }

    /// Ends a stop's wait for saves at once (a second SIGTERM or SIGINT does this): the run
    /// throws ``LightningError/Code/stopTimedOut`` naming the newest durable checkpoint, unless
    /// everything was already durable. Requests a stop first when none was.
    public func stopNow() {
        let (request, hooks) = state.withLock { state -> (StopRequest, RunHooks?) in
            var stop = state.stop ?? StopRequest(requestedAt: .now, timeout: nil)
            stop.immediately = true
            stop.reason = state.stop == nil ? "an immediate stop was requested" : "a second stop request ended the wait"
            state.stop = stop
            hasRequests.store(true, ordering: .releasing)
            return (stop, state.hooks)
        }
        hooks?.stopRequested(request)
        hooks?.wake()
    }

    /// The stop asked for and not yet taken by a finished run, as it stands now.
    var currentStop: StopRequest? { state.withLock { $0.stop } }

    /// Why a stop's wait was ended at once, when it was.
    var stopReason: String? { state.withLock { $0.stop?.reason } }
    /// The timeout the stop asked for, when it gave one.
    var stopTimeout: Duration? { state.withLock { $0.stop?.timeout } }

    /// Whether a stop was asked for and not yet taken by a finished run.
    public var isStopRequested: Bool { state.withLock { $0.stop != nil } }

    /// Asks the app to take a checkpoint at its next iteration boundary, whatever its policy says
    /// (SIGUSR1 does this). Requests made before the loop takes them make one checkpoint.
    public func requestCheckpoint() {
        let hooks = state.withLock { state in
            state.checkpointRequested = true
            hasRequests.store(true, ordering: .releasing)
            return state.hooks
        }
        hooks?.wake()
    }

    /// Asks for a checkpoint like ``requestCheckpoint()``, and calls `completion` once a
    /// checkpoint holding the state at that boundary is durable, with its name, or with the
    /// error that kept it from being so (``LightningError/Code/stateNotSaved``,
    /// ``LightningError/Code/stopTimedOut``, ``LightningError/Code/notRunning`` when the run ended
    /// first). `completion` runs on the writer's or the loop's thread: keep it short.
    public func requestCheckpoint(completion: @escaping @Sendable (Result<CheckpointName, LightningError>) -> Void) {
        let waiter = CheckpointWaiter(completion)
        let hooks = state.withLock { state in
            state.checkpointRequested = true
            state.waiters.append(waiter)
            hasRequests.store(true, ordering: .releasing)
            return state.hooks
        }
        hooks?.wake()
    }

    /// Asks for a checkpoint at the app's next iteration boundary and returns its name once it is
    /// durable.
    ///
    /// Cancelling the awaiting task makes this throw ``LightningError/Code/cancelled`` at once;
    /// the checkpoint is still taken.
    /// - Throws: ``LightningError``: `stateNotSaved` when the save and its retries failed,
    ///   `stopTimedOut` when a stop's wait ended first, `notRunning` when the run ended before
    ///   the boundary, `cancelled`.
    public func checkpoint() async throws(LightningError) -> CheckpointName {
        let outcome = OneShot<Result<CheckpointName, LightningError>>()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                outcome.onResult { continuation.resume(returning: $0) }
                requestCheckpoint { outcome.fulfil($0) }
            }
        } onCancel: {
            outcome.fulfil(.failure(LightningError("The wait for the checkpoint was cancelled; the checkpoint is still taken", code: .cancelled)))
        }
        return try result.get()
    }

    /// The checkpoint statistics of the running app (or of its last run), readable from any thread.
    public var statistics: CheckpointStatistics { recorder.snapshot }

    // MARK: - The loop's side

    /// The requests not yet taken, or `nil` when there are none (one atomic load).
    func takeRequests() -> Requests? {
        guard hasRequests.load(ordering: .acquiring) else { return nil }
        return state.withLock { state in
            hasRequests.store(false, ordering: .releasing)
            let requests = Requests(stop: state.stop, checkpoint: state.checkpointRequested, waiters: state.waiters)
            state.checkpointRequested = false
            state.waiters = []
            return requests
        }
    }

    /// A run begins: it holds the control until ``runEnded(_:)``.
    /// - Returns: The run's number.
    /// - Throws: ``LightningError/Code/controlInUse`` when another run holds the control.
    func runBegins() throws(LightningError) -> Int {
        let run = state.withLock { state -> Int? in
            guard state.owner == nil else { return nil }
            state.runsStarted += 1
            state.owner = state.runsStarted
            return state.owner
        }
        guard let run else {
            throw LightningError("The app's control is already used by another running app: give each app its own, or run them one after the other", code: .controlInUse)
        }
        return run
    }

    /// The run's loop starts: it is told of stops through `hooks`, and is handed one asked for already.
    func runStarted(_ hooks: RunHooks) -> StopRequest? {
        state.withLock { state in
            state.hooks = hooks
            return state.stop
        }
    }

    /// Run `run` ended, however: the stop it took is consumed, and checkpoints asked for too late
    /// are refused.
    func runEnded(_ run: Int) {
        let late = state.withLock { state -> [CheckpointWaiter] in
            guard state.owner == run else { return [] }
            state.owner = nil
            state.hooks = nil
            state.stop = nil
            state.checkpointRequested = false
            hasRequests.store(false, ordering: .releasing)
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in late { waiter.resolve(.failure(.notRunning("the app's run ended before its next iteration boundary"))) }
    }
}

/// A completion called once, whoever calls first.
final class CheckpointWaiter: Sendable {
    private let completion: LockedValue<(@Sendable (Result<CheckpointName, LightningError>) -> Void)?>

    init(_ completion: @escaping @Sendable (Result<CheckpointName, LightningError>) -> Void) {
        self.completion = LockedValue(completion)
    }

    func resolve(_ result: Result<CheckpointName, LightningError>) {
        let body = completion.withLock { slot in
            defer { slot = nil }
            return slot
        }
        body?(result)
    }
}

/// A value delivered once to a consumer that may be installed before or after it arrives.
final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var consumer: (@Sendable (Value) -> Void)?
        var delivered = false
    }

    private let state = LockedValue(State())

    /// Installs the consumer; it is called at once when the value already arrived.
    func onResult(_ consumer: @escaping @Sendable (Value) -> Void) {
        let ready = state.withLock { state -> Value? in
            if let value = state.value, !state.delivered {
                state.delivered = true
                return value
            }
            state.consumer = consumer
            return nil
        }
        if let ready { consumer(ready) }
    }

    /// Delivers `value` unless one was delivered already.
    func fulfil(_ value: Value) {
        let deliver = state.withLock { state -> (@Sendable (Value) -> Void)? in
            guard state.value == nil, !state.delivered else { return nil }
            state.value = value
            guard let consumer = state.consumer else { return nil }
            state.delivered = true
            state.consumer = nil
            return consumer
        }
        deliver?(value)
    }
}

/// The statistics of a run, written by the loop and the writer and read from any thread.
final class StatisticsRecorder: Sendable {
    private let statistics = LockedValue(CheckpointStatistics())

    var snapshot: CheckpointStatistics { statistics.withLock { $0 } }

    func update(_ body: (inout CheckpointStatistics) -> Void) {
        statistics.withLock { body(&$0) }
    }

    func reset(newestDurable: CheckpointName?) {
        statistics.withLock {
            $0 = CheckpointStatistics()
            $0.newestDurable = newestDurable
        }
    }
}
