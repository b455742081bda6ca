/// When an app saves checkpoints and how: save triggers beyond ``LightningFlow/shouldSaveCheckpoint()``,
/// the shape of incremental chains, retention, background writing, and what to do when the storage
/// falls behind.
///
/// The triggers combine: a checkpoint is saved after an iteration when the root flow's hook says
/// so, *or* every `everyIterations` iterations, *or* when `everySeconds` have passed since the last.
/// ``LightningApp`` checks the policy with ``validate()`` before it runs.
public struct CheckpointPolicy: Sendable, Hashable {
    /// What the loop does when it takes a checkpoint while the writer already has
    /// ``CheckpointPolicy/maximumWaiting`` waiting.
    public enum WhenBehind: String, Sendable, Hashable, CaseIterable {
        /// The loop waits for room (backpressure): every requested checkpoint is written, in order.
        /// The wait is reported apart from the capture pause (``CheckpointStatistics/queueWaits``).
        case wait
        /// The loop goes on and the checkpoint is merged into the last waiting one: its state is
        /// written, but under one name with it, so the checkpoint itself never exists as a file.
        /// Fewer, larger checkpoints when the storage is slower than the loop; never a stalled loop.
        case merge
    }

    /// The most checkpoints that wait while one is being written.
    public static let maximumWaiting = 2

    /// Save after every this many iterations (`nil`: no such trigger).
    public var everyIterations: Int?
    /// Save when this many seconds have passed since the last save (`nil`: no such trigger).
    public var everySeconds: Double?
    /// Binary checkpoints after the first are deltas holding only what changed; after this many
    /// deltas the next checkpoint is a full snapshot again, so that a restore reads at most this
    /// many deltas after one full snapshot. 0 makes every checkpoint full.
    public var maxDeltaChain: Int
    /// A full snapshot is also written when the deltas since the last one add up to more than this
    /// fraction of its size: a chain then never costs more to read than about (1 + this) full loads.
    public var maxDeltaBytesFraction: Double
    /// Keep only the newest this many checkpoints (`nil`: keep all, unless ``keepEvery`` is set).
    /// Snapshots a kept delta needs are kept too.
    public var keepLast: Int?
    /// Also keep the first checkpoint of every period of this many seconds (by the time in its
    /// name, periods counted from the Unix epoch), beside the newest ``keepLast``: a long run keeps
    /// one checkpoint an hour with `3600`. Set alone, it keeps one per period and the newest one.
    public var keepEvery: Double?
    /// Whether every stop — ``LightningFlow/stop()``, a stop requested through
    /// ``LightningAppControl`` or a signal, a task's cancellation — takes a final checkpoint when
    /// the state changed since the last one, whatever ``LightningFlow/shouldSaveCheckpoint()``
    /// says, so that the newest durable checkpoint holds the state the app stopped with.
    /// `false` saves only what the hook and the triggers ask for.
    public var checkpointsOnStop: Bool
    /// How long, in seconds after the request, a stop requested from outside the loop (a signal,
    /// ``LightningAppControl/requestStop(timeout:)`` without a timeout, a task's cancellation)
    /// waits for the final checkpoint and the saves; `nil` waits however long they take, 0 gives
    /// up at once. When it runs out, the run stops waiting and throws
    /// ``LightningError/Code/stopTimedOut`` naming the newest durable checkpoint. The iteration in
    /// progress counts against it but is not interrupted: one that overruns it makes the run
    /// throw as soon as it returns. The default, 25 seconds, ends before Kubernetes' default
    /// grace period of 30.
    public var stopTimeout: Double?
    /// Encode, compress and write checkpoints on a background thread; the loop pauses only to
    /// capture what changed.
    public var writesInBackground: Bool
    /// What the loop does when the writer is behind: wait (the default) or merge checkpoints.
    public var whenBehind: WhenBehind
    /// How many times a failed write is tried in all before it is reported as failed (at least 1).
    public var saveAttempts: Int
    /// The pause before the first retry, in seconds; each later one waits four times longer, with jitter.
    public var retryDelay: Double

    /// Creates a policy. The defaults: no extra triggers, chains of at most 16 deltas or 50 % of
    /// their base, keep everything, write in the background, wait when behind, 3 attempts per save
    /// starting 50 ms apart, a final checkpoint at every stop, 25 seconds for a requested stop.
    public init(
        everyIterations: Int? = nil, everySeconds: Double? = nil, maxDeltaChain: Int = 16,
        maxDeltaBytesFraction: Double = 0.5, keepLast: Int? = nil, keepEvery: Double? = nil, writesInBackground: Bool = true,
        whenBehind: WhenBehind = .wait, saveAttempts: Int = 3, retryDelay: Double = 0.05,
        checkpointsOnStop: Bool = true, stopTimeout: Double? = 25
    ) {
        self.keepEvery = keepEvery
        self.checkpointsOnStop = checkpointsOnStop
        self.stopTimeout = stopTimeout
        self.everyIterations = everyIterations
        self.everySeconds = everySeconds
        self.maxDeltaChain = maxDeltaChain
        self.maxDeltaBytesFraction = maxDeltaBytesFraction
        self.keepLast = keepLast
        self.writesInBackground = writesInBackground
        self.whenBehind = whenBehind
        self.saveAttempts = saveAttempts
        self.retryDelay = retryDelay
    }

    /// Checks that every setting is usable.
    /// - Throws: ``LightningError`` naming the first setting that is not, e.g.
    ///   `keepLast must be at least 1, not 0 (it would delete every checkpoint)`.
    public func validate() throws(LightningError) {
        func refuse(_ problem: String) -> LightningError { LightningError("Invalid checkpoint policy: \(problem)", code: .invalidPolicy) }
        if let everyIterations, everyIterations < 1 { throw refuse("everyIterations must be at least 1, not \(everyIterations)") }
        if let everySeconds, !(everySeconds > 0) { throw refuse("everySeconds must be above 0, not \(everySeconds)") }
        if maxDeltaChain < 0 { throw refuse("maxDeltaChain must be 0 or more, not \(maxDeltaChain)") }
        if !(maxDeltaBytesFraction >= 0) { throw refuse("maxDeltaBytesFraction must be 0 or more, not \(maxDeltaBytesFraction)") }
        if let keepLast, keepLast < 1 { throw refuse("keepLast must be at least 1, not \(keepLast) (it would delete every checkpoint)") }
        if let keepEvery, !(keepEvery > 0) || !keepEvery.isFinite { throw refuse("keepEvery must be a number of seconds above 0, not \(keepEvery)") }
        if let stopTimeout, !(stopTimeout >= 0) || !stopTimeout.isFinite { throw refuse("stopTimeout must be 0 or more seconds, not \(stopTimeout)") }
        if saveAttempts < 1 { throw refuse("saveAttempts must be at least 1, not \(saveAttempts)") }
        if !(retryDelay >= 0) || !retryDelay.isFinite { throw refuse("retryDelay must be 0 or more seconds, not \(retryDelay)") }
    }
}
