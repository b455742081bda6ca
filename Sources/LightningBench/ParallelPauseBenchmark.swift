import Lightning
import LightningStore

/// The loop's pause per checkpoint of a ``SyntheticApp`` while parallel works publish: for each
/// count of works, an app of the synthetic state's shape takes ``samples`` checkpoints in the
/// background, changing a fraction of its components and working 2 ms per iteration, while that
/// many parallel works each publish a training step (a step, a loss, 64 weights) every millisecond.
public struct ParallelPauseBenchmark {
    /// The pauses with `works` parallel works running, over the deltas (the first, full checkpoint
    /// left out).
    public struct Row: Sendable {
        public var works = 0
        public var medianSeconds = 0.0
        public var p90Seconds = 0.0
        public var maxSeconds = 0.0
        public var checkpoints = 0
    }

    /// Checkpoints measured per count of works.
    public static let samples = 200

    public let synthetic: SyntheticState
    public let changeFraction: Double
    public let store: CheckpointStore
    public let workCounts: [Int]
    /// Told what is measured next, for a progress line.
    public var progress: (String) -> Void = { _ in }

    public init(synthetic: SyntheticState, changeFraction: Double, store: CheckpointStore, workCounts: [Int]) {
        self.synthetic = synthetic
        self.changeFraction = changeFraction
        self.store = store
        self.workCounts = workCounts
    }

    public func run() throws -> [Row] {
        let before = try store.checkpointKeys()
        defer { store.removeCheckpoints(except: before) }
        var policy = CheckpointPolicy(maxDeltaChain: Self.samples, maxDeltaBytesFraction: .infinity, writesInBackground: true)
        policy.checkpointsOnStop = false
        return try workCounts.map { works in
            progress("pauses with \(works) parallel works")
            let app = try SyntheticApp(synthetic).run(
                iterations: Self.samples + 1, changing: changeFraction, work: .milliseconds(2), parallelWorks: works, store: store, policy: policy)
            let pauses = app.statistics.pauses.recentSeconds.dropFirst().sorted()
            guard !pauses.isEmpty else { return Row(works: works) }
            return Row(
                works: works, medianSeconds: Measurement.median(pauses), p90Seconds: pauses[pauses.count * 9 / 10],
                maxSeconds: pauses[pauses.count - 1], checkpoints: pauses.count)
        }
    }
}
