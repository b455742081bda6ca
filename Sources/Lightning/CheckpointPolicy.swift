/// When an app saves checkpoints and how: save triggers beyond ``LightningFlow/shouldSaveCheckpoint()``,
/// the shape of incremental chains, retention, and background writing.
///
/// The triggers combine: a checkpoint is saved after an iteration when the root flow's hook says
/// so, *or* every `everyIterations` iterations, *or* when `everySeconds` have passed since the last.
public struct CheckpointPolicy: Sendable, Hashable {
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
    /// Keep only the newest this many checkpoints (`nil`: keep all). Snapshots a kept delta needs are kept too.
    public var keepLast: Int?
    /// Encode, compress and write checkpoints on a background thread; the loop pauses only to
    /// capture what changed.
    public var writesInBackground: Bool

    /// Creates a policy. The defaults: no extra triggers, chains of at most 16 deltas or 50 % of
    /// their base, keep everything, write in the background.
    public init(
        everyIterations: Int? = nil, everySeconds: Double? = nil, maxDeltaChain: Int = 16,
        maxDeltaBytesFraction: Double = 0.5, keepLast: Int? = nil, writesInBackground: Bool = true
    ) {
        self.everyIterations = everyIterations
        self.everySeconds = everySeconds
        self.maxDeltaChain = maxDeltaChain
        self.maxDeltaBytesFraction = maxDeltaBytesFraction
        self.keepLast = keepLast
        self.writesInBackground = writesInBackground
    }
}
