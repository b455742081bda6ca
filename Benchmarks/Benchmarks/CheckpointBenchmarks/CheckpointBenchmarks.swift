import Benchmark
import LightningBench
import LightningCodecs
import LightningState

/// Save and load paths on the ~100 MB, 10,000-component float-heavy state and the text-heavy one.
/// Throughput is reported in MB of compact JSON per second (scaled by the JSON's size in MB).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident],
        maxDuration: .seconds(20),
        maxIterations: 5,
        thresholds: [
            .wallClock: .init(relative: [.p50: 25.0]),
            .throughput: .init(relative: [.p50: 25.0]),
            .peakMemoryResident: .init(relative: [.p50: 25.0]),
        ]
    )

    for mix in SyntheticState.Mix.allCases {
        let state = SyntheticState(mix: mix).make()
        let text = JSONWriter.write(state)
        let megabytes = max(1, text.count / 1_000_000)

        Benchmark("json write \(mix.rawValue) \(megabytes) MB", configuration: .init(scalingFactor: .one)) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(JSONWriter.write(state)) }
        }
        Benchmark("json read \(mix.rawValue) \(megabytes) MB", configuration: .init(scalingFactor: .one)) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try JSONReader.read(text)) }
        }
    }
}
