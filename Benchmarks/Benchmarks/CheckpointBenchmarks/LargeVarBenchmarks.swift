import Benchmark
import Foundation
import LightningBench
import LightningStore

/// The large-var mix (`lightning-checkpoint bench --large-vars`): an app holding a history of N
/// doubles, growing by one value a checkpoint, and a table of N/10 entries (one changed and one
/// added a checkpoint) saves 40 checkpoints, one an iteration, in the background. Wall clock is the
/// whole run's; the custom metrics are medians over its deltas: a delta's bytes, the writer's time
/// for one, the loop's pause and its time per iteration, in microseconds.
func registerLargeVarBenchmarks() {
    let deltaBytes = BenchmarkMetric.custom("delta bytes", useScalingFactor: false)
    let deltaSave = BenchmarkMetric.custom("delta save (µs)", useScalingFactor: false)
    let pause = BenchmarkMetric.custom("pause (µs)", useScalingFactor: false)
    let iteration = BenchmarkMetric.custom("iteration (µs)", useScalingFactor: false)
    for size in [10_000, 100_000, 1_000_000] {
        Benchmark(
            "large vars: history of \(size), 40 checkpoints",
            configuration: .init(metrics: [.wallClock, .peakMemoryResident, deltaBytes, deltaSave, pause, iteration], maxIterations: 3, thresholds: [:])
        ) { benchmark in
            for _ in benchmark.scaledIterations {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("large-vars-\(UUID().uuidString)").path
                defer { try? FileManager.default.removeItem(atPath: folder) }
                let store = CheckpointStore(storageRoot: folder)
                guard let row = try LargeVarBenchmark(sizes: [size], store: store, iterations: 40).run().first else { continue }
                benchmark.measurement(deltaBytes, row.deltaBytes)
                benchmark.measurement(deltaSave, Int(row.deltaSaveSeconds * 1e6))
                benchmark.measurement(pause, Int(row.pauseSeconds * 1e6))
                benchmark.measurement(iteration, Int(row.iterationSeconds * 1e6))
            }
        }
    }
}
