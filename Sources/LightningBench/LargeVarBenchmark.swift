import Lightning
import LightningState
import LightningStore

/// The large-var mix: an app whose state is a few large vars — a numeric history of `n` values
/// growing by one value an iteration, and a table of `n / 10` entries of which one changes and
/// one is added an iteration — saving a checkpoint every iteration, in the background, with the
/// default chain rules. For each `n`, what a checkpoint costs: the delta's bytes, the writer's
/// time per delta, the loop's pause and its time per iteration (checkpoint included), beside the
/// full snapshot's.
public struct LargeVarBenchmark {
    /// One size's figures: medians over the deltas, unless named otherwise.
    public struct Row: Sendable {
        public var historyValues = 0
        public var tableEntries = 0
        public var fullBytes = 0
        public var fullSaveSeconds = 0.0
        public var deltaBytes = 0
        public var deltaSaveSeconds = 0.0
        public var pauseSeconds = 0.0
        public var pauseMaxSeconds = 0.0
        public var iterationSeconds = 0.0
        public var iterationP90Seconds = 0.0
        public var deltas = 0
        /// Whether the newest checkpoint restores exactly the app's final state.
        public var restoresExactly = false
    }

    /// A work holding the large vars.
    final class Trainer: LightningWork {
        @Var var history: [Double] = []
        @Var var table: [String: Double] = [:]
        @Var var step = 0
    }

    /// The root: each iteration appends to the history, changes one entry of the table and adds one.
    final class Root: LightningFlow {
        let trainer = Trainer()
        var iterationsLeft = 0
        var started: [ContinuousClock.Instant] = []
        var random = SplitMix(seed: 11)

        override func run() throws {
            started.append(.now)
            let step = trainer.step + 1
            trainer.step = step
            trainer.history.append(random.unit())
            let count = trainer.table.count
            trainer.table["key\(random.next() % UInt64(max(count, 1)))"] = random.unit()
            trainer.table["added\(step)"] = random.unit()
            iterationsLeft -= 1
            if iterationsLeft <= 0 { stop() }
        }

        override func shouldSaveCheckpoint() -> Bool { true }
    }

    /// Checkpoints measured per size, the first (full) one included.
    public var iterations: Int
    public let sizes: [Int]
    public let store: CheckpointStore
    /// Told what is measured next, for a progress line.
    public var progress: (String) -> Void = { _ in }

    public init(sizes: [Int], store: CheckpointStore, iterations: Int = 60) {
        self.sizes = sizes
        self.store = store
        self.iterations = iterations
    }

    public func run() throws -> [Row] {
        let before = try store.checkpointKeys()
        return try sizes.map { size in
            progress("large vars: a history of \(size) values")
            defer { store.removeCheckpoints(except: before) }
            let root = Root()
            var random = SplitMix(seed: UInt64(size))
            root.trainer.history = (0..<size).map { _ in random.unit() }
            root.trainer.table = Dictionary(uniqueKeysWithValues: (0..<max(1, size / 10)).map { ("key\($0)", random.unit()) })
            root.iterationsLeft = iterations
            let app = LightningApp(root: root, name: "large-vars")
            var policy = CheckpointPolicy()
            policy.checkpointsOnStop = false
            app.policy = policy
            try app.run(checkpoint: nil, store: store)
            let statistics = app.statistics
            let files = statistics.recentCheckpoints
            var row = Row(historyValues: size, tableEntries: max(1, size / 10))
            row.fullBytes = files.first { !$0.isDelta }?.size ?? 0
            row.fullSaveSeconds = Measurement.median(statistics.fullSaveTimes.recentSeconds)
            row.deltaBytes = Int(Measurement.median(files.filter(\.isDelta).map { Double($0.size) }))
            row.deltaSaveSeconds = Measurement.median(statistics.deltaSaveTimes.recentSeconds)
            row.deltas = statistics.deltaSaves
            let pauses = statistics.pauses.recentSeconds.dropFirst()  // the first checkpoint's, the app's start
            row.pauseSeconds = Measurement.median(pauses)
            row.pauseMaxSeconds = pauses.max() ?? 0
            // From one iteration's start to the next's: the app's work, the checkpoint's pause and
            // any wait for the writer.
            let intervals = zip(root.started.dropFirst(2), root.started.dropFirst()).map { ($0 - $1).seconds }.sorted()
            row.iterationSeconds = Measurement.median(intervals)
            row.iterationP90Seconds = intervals.isEmpty ? 0 : intervals[intervals.count * 9 / 10]
            progress("large vars: restoring the newest of \(size)")
            if let newest = try store.list().last {
                let restored = try store.loadCheckpoint(newest.name.description).state
                row.restoresExactly = Self.withoutMetadata(restored) == Self.withoutMetadata(try app.checkpointState())
            }
            return row
        }
    }

    /// The state without its metadata, which holds the time of the capture.
    static func withoutMetadata(_ state: StateValue) -> StateValue {
        guard case .object(var members) = state else { return state }
        members.removeValue(forKey: CheckpointMetadata.key)
        return .object(members)
    }
}
