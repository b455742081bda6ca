import DequeModule
import LightningStore

/// What an app's checkpoints cost and how they went, in the current or last run: totals and summary
/// statistics over the whole run, and the most recent entries in windows of fixed size, so that an
/// app that checkpoints every second for months keeps the same few kilobytes.
///
/// Read it from the app (``LightningApp/statistics``) on the loop's thread, or from any thread
/// through ``LightningAppControl/statistics``. Each run starts from zero.
public struct CheckpointStatistics: Sendable {
    /// How many checkpoints the recent windows keep: ``recentCheckpoints`` and ``recentErrors``
    /// keep the newest 64 and 16, the duration windows the newest 1,024.
    public static let recentCheckpointLimit = 64
    /// How many failures ``recentErrors`` keeps.
    public static let recentErrorLimit = 16

    /// Checkpoints the loop captured and handed to the writer (each may be merged into a later one
    /// with ``CheckpointPolicy/WhenBehind/merge``).
    public internal(set) var checkpointsTaken = 0
    /// Full snapshots made durable.
    public internal(set) var fullSaves = 0
    /// Deltas made durable.
    public internal(set) var deltaSaves = 0
    /// Saves that failed after their retries (their changes go with a later checkpoint).
    public internal(set) var failedSaves = 0
    /// The bytes of every file made durable.
    public internal(set) var bytesWritten = 0
    /// The newest checkpoint known to be whole and durable: this run's last save, or, before
    /// one, the newest in the storage when the run started.
    public internal(set) var newestDurable: CheckpointName?
    /// The loop's pause for each checkpoint: capturing what changed and handing it to the
    /// writer, not counting waits for room in the writer's queue.
    public internal(set) var pauses = DurationStatistics()
    /// For each checkpoint, how long the loop waited for room in the writer's queue (storage
    /// slower than the loop, with ``CheckpointPolicy/WhenBehind/wait``).
    public internal(set) var queueWaits = DurationStatistics()
    /// The writer's time for each full snapshot made durable: encoding, writing and syncing it
    /// (retries included).
    public internal(set) var fullSaveTimes = DurationStatistics()
    /// The writer's time for each delta made durable: finding the changes inside the vars that
    /// changed, encoding, writing and syncing it (retries included).
    public internal(set) var deltaSaveTimes = DurationStatistics()

    private var checkpoints = RecentWindow<CheckpointInfo>(limit: Self.recentCheckpointLimit)
    private var errors = RecentWindow<CheckpointStoreError>(limit: Self.recentErrorLimit)

    /// Creates empty statistics.
    public init() {}

    /// The newest files this run made durable, oldest first (at most ``recentCheckpointLimit``).
    public var recentCheckpoints: [CheckpointInfo] { checkpoints.elements }
    /// The newest failed saves, oldest first (at most ``recentErrorLimit``); each was also logged.
    public var recentErrors: [CheckpointStoreError] { errors.elements }
    /// Checkpoints made durable, full and delta.
    public var saves: Int { fullSaves + deltaSaves }

    mutating func recordSave(_ files: [CheckpointInfo], delta: Bool, seconds: Double) {
        if delta {
            deltaSaves += 1
            deltaSaveTimes.record(seconds)
        } else {
            fullSaves += 1
            fullSaveTimes.record(seconds)
        }
        for file in files {
            bytesWritten += file.size
            checkpoints.append(file)
        }
        newestDurable = files.first?.name ?? newestDurable
    }

    mutating func recordFailure(_ error: CheckpointStoreError) {
        failedSaves += 1
        errors.append(error)
    }
}

/// Durations in seconds: count, total and largest over a whole run, and the newest ones.
public struct DurationStatistics: Sendable {
    /// How many durations the window of recent ones keeps.
    public static let recentLimit = 1_024

    /// How many were recorded.
    public private(set) var count = 0
    /// Their sum.
    public private(set) var totalSeconds = 0.0
    /// The largest.
    public private(set) var maximumSeconds = 0.0
    private var recent = RecentWindow<Double>(limit: Self.recentLimit)

    /// Creates empty statistics.
    public init() {}

    /// The mean, or 0 when none was recorded.
    public var meanSeconds: Double { count == 0 ? 0 : totalSeconds / Double(count) }
    /// The newest durations, oldest first (at most ``recentLimit``).
    public var recentSeconds: [Double] { recent.elements }

    mutating func record(_ seconds: Double) {
        count += 1
        totalSeconds += seconds
        maximumSeconds = max(maximumSeconds, seconds)
        recent.append(seconds)
    }
}

/// The newest `limit` elements appended, oldest first.
struct RecentWindow<Element: Sendable>: Sendable {
    let limit: Int
    private var storage = Deque<Element>()

    init(limit: Int) {
        precondition(limit > 0, "a window holds at least one element")
        self.limit = limit
    }

    /// An empty window gives a literal `[]`: copying an empty deque writes a count of 0 into the
    /// runtime's shared empty-array storage, which the thread sanitizer reports as a race with any
    /// thread reading it.
    var elements: [Element] { storage.isEmpty ? [] : Array(storage) }

    mutating func append(_ element: Element) {
        if storage.count == limit { storage.removeFirst() }
        storage.append(element)
    }
}
