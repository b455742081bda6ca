import Benchmark
import Foundation
import LightningBench
import LightningCodecs
import LightningState
import LightningStore

/// Save and load paths on the ~100 MB state of every mix (`lightning-checkpoint bench --mix`, each
/// with its own component count): a binary checkpoint saved to and loaded from a local store as an
/// app does it (encode, compress, write, fsync; read, verify, decode, check the layout), JSON
/// writing and reading, binary snapshot encoding and decoding in memory, and a delta of 1 % of the
/// components. Wall-clock figures are noisy on a shared machine; compare runs on the same machine.
let benchmarks: @Sendable () -> Void = {
    registerBenchmarks()
    registerVarBenchmarks()
    registerLargeVarBenchmarks()
}

func registerBenchmarks() {
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
        let state = SyntheticState(components: mix.defaultComponents, mix: mix).make()
        let text = JSONWriter.write(state)
        let snapshot = try! BinarySnapshot.encode(state)
        let megabytes = text.count / 1_000_000

        Benchmark("save \(mix.rawValue) \(megabytes) MB (binary, to a local store, fsync)") { benchmark in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("save-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let store = CheckpointStore(storageRoot: folder)
            for iteration in benchmark.scaledIterations {
                blackHole(try store.save(state, time: Double(iteration), formats: .binary))
            }
        }
        Benchmark("load \(mix.rawValue) \(megabytes) MB (binary, from a local store)") { benchmark in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("load-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let store = CheckpointStore(storageRoot: folder)
            let saved = try store.save(state, time: 0, formats: .binary)
            let location = store.location(of: saved[0])
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try location.load()) }
        }

        Benchmark("json write \(mix.rawValue) \(megabytes) MB") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(JSONWriter.writeChunks(state)) }
        }
        Benchmark("json read \(mix.rawValue) \(megabytes) MB") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try JSONReader.read(text)) }
        }
        Benchmark("binary encode \(mix.rawValue) \(megabytes) MB") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try BinarySnapshot.encode(state)) }
        }
        Benchmark("binary decode \(mix.rawValue) \(megabytes) MB") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try BinarySnapshot.decode(snapshot)) }
        }
        // A delta setting 100 of the 9,900 works, as the app writes when 1 % changed.
        var delta = StateDelta()
        for (groupKey, group) in (state["flows"]?.objectValue ?? [:]).prefix(100) {
            if let first = group["works"]?.objectValue?.elements.first {
                delta.set(["flows", groupKey, "works", first.key], to: first.value)
            }
        }
        Benchmark("delta encode 1 % \(mix.rawValue)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try BinarySnapshot.encode(delta, sequence: 2, parent: 1)) }
        }
    }
}
