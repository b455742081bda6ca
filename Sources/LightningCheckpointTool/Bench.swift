import ArgumentParser
import LightningBench
import LightningCLI
import LightningCodecs
import LightningState
import LightningStore

extension LightningCheckpoint {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure checkpoint save and load throughput on this machine and storage.",
            discussion: """
                Generates a deterministic app-shaped state (--components, --target-mb, --mix) and \
                times, as the median of --runs runs, for JSON and for binary snapshots: encoding and decoding in memory, a save \
                (encode + atomic, fsynced file in --storage, a folder or s3://BUCKET/PREFIX) and a \
                load (read + verify + decode + layout check; a load's or decode's time stops when \
                the state is in hand, freeing it after is not counted), and the snapshot's bytes \
                alone up to and down from the storage; beside the binary load and save, their \
                floors: what the snapshot's bytes alone cost (read + CRC + inflate, on one thread \
                and on all cores; deflate + write + fsync), and the ratio of each to its floor. \
                STATE MB/S divides the size of the state's JSON (as json.dumps writes it) by the \
                time, whatever the format (a rate of work on the state, comparable across \
                formats); FILE MB/S divides the bytes of the file written or read (for the \
                storage rows, the storage's own rate). --write-state saves the state as JSON \
                so that other tools can be timed on the very same state. Then, on an app of the same \
                shape, it measures incremental checkpoints: a full snapshot, then 10 deltas while \
                --change-fraction of the components change between saves (end to end, and restoring \
                the 10th delta), and the loop's pause per checkpoint when writing in the background \
                (the median of 50 deltas). Its 'full save' is an app's first checkpoint end to end \
                (reading the state out of the app's components, then encoding and writing it), so it \
                takes longer than 'binary save', which encodes and writes a state already in memory. \
                Every figure measured more than once is shown with the fastest and slowest of its \
                runs (in --json: 'spread'; the full save is measured once). Every report starts with the build, the tool's version, the machine and \
                the parameters (in --json: 'build', 'tool_version', 'cores', 'memory_gib', \
                'parameters'); a debug build warns that its figures say little. With --parallel-works N..., it measures instead that pause \
                while N parallel works each publish a training step (a step, a loss and 64 weights) \
                every millisecond: the median, 90th percentile and maximum over 200 checkpoints, \
                for each N. With --large-vars N..., it measures instead the large-var mix: for each \
                N, an app holding a history of N doubles (one appended a checkpoint) and a table of \
                N/10 entries (one changed and one added a checkpoint) saves 60 checkpoints, one an \
                iteration, in the background with the default chain rules; it reports the full \
                snapshot's bytes and save time, and over the deltas the median bytes, the writer's \
                time per delta (finding the changes inside the vars, encoding, writing, fsync), the \
                loop's pause (median and maximum) and its time per iteration (median and 90th \
                percentile), and whether the newest checkpoint restores the final state exactly.
                """
        )

        @Option(help: "How many components (flows and works) the state has, at least 3; each takes about 690 bytes of the target, and the works' series (what the mix puts in) share the rest; bench warns when the components take more than half. (default: 10000; 41 for --mix records, 5 for --mix large-vars)")
        var components: Int?

        @Option(name: .customLong("target-mb"), help: "The approximate size of the state as JSON (as json.dumps writes it), in MB (10^6 bytes).")
        var targetMB = 100.0

        @Option(help: "What fills the state: 'float' (random doubles), 'text' (log lines), 'mixed' (labels, 62-bit ints, nested int lists, booleans, floats, small dicts), 'records' (lists of small objects: names, labels, ids, int lists) or 'large-vars' (a few vars of millions of numbers and a large table).")
        var mix: SyntheticState.Mix = .floatHeavy

        @Option(name: .customLong("change-fraction"), help: "The fraction of components changed between incremental saves; 0 changes none (the pause of a checkpoint with nothing to save).")
        var changeFraction = 0.01

        @Option(
            name: .customLong("parallel-works"), parsing: .upToNextOption,
            help: "Measure only the loop's pause per checkpoint while this many parallel works publish, for each count given (e.g. --parallel-works 0 1 2 4).")
        var parallelWorks: [Int] = []

        @Option(
            name: .customLong("large-vars"), parsing: .upToNextOption,
            help: ArgumentHelp(
                "Measure the large-var mix instead, for each size N given: an app holding a history of N doubles (growing by one value a checkpoint) and a table of N/10 entries (one changed and one added a checkpoint) saves 60 checkpoints, one an iteration; reports delta bytes, the writer's time per delta, the loop's pause and its time per iteration.",
                valueName: "N"))
        var largeVars: [Int] = []

        @Option(help: "Runs per measurement; the median is reported (not used by --parallel-works, which takes 200 checkpoints per count).")
        var runs = 3

        @Option(name: .customLong("write-state"), help: "Also write the state as JSON to this file.")
        var writeState: String?

        @Flag(help: "Leave the incremental benchmark's checkpoints (a full snapshot and its deltas) in the storage.")
        var keepCheckpoints = false

        @Flag(help: "Print one JSON object instead of a table.")
        var json = false

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            if let components, components < 3 { throw ValidationError("--components must be at least 3 (the root flow, a flow and a work), not \(components)") }
            // Finite and bounded: the size becomes a byte count (`inf` and 1e300 trapped there).
            guard targetMB > 0 && targetMB <= 1_000_000 else { throw ValidationError("--target-mb must be above 0 and at most 1000000, not \(targetMB)") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1, not \(runs)") }
            guard changeFraction >= 0 && changeFraction <= 1 else { throw ValidationError("--change-fraction must be in [0, 1], not \(changeFraction)") }
            if let negative = parallelWorks.first(where: { $0 < 0 }) { throw ValidationError("--parallel-works counts must be at least 0, not \(negative)") }
            if let small = largeVars.first(where: { $0 < 1 || $0 > 100_000_000 }) { throw ValidationError("--large-vars sizes must be from 1 to 100000000, not \(small)") }
            if !largeVars.isEmpty && !parallelWorks.isEmpty { throw ValidationError("--large-vars and --parallel-works are separate measurements: give one") }
        }

        /// The component count given, or the one the mix is meant for.
        var componentCount: Int { components ?? mix.defaultComponents }

        var settings: BenchSettings {
            BenchSettings(
                components: componentCount, targetMB: targetMB, mix: mix, runs: runs, changeFraction: changeFraction, parallelWorks: parallelWorks,
                largeVars: largeVars, storage: storageOptions.storage ?? StorageAddress.address(explicit: nil, environment: StorageAddress.processEnvironment))
        }

        func run() throws {
            if BenchSettings.buildConfiguration == "debug" { Console.writeErrorLine(BenchSettings.debugWarning) }
            let progress = ProgressLine("bench")
            defer { progress.finish() }
            if !largeVars.isEmpty {
                let store = try storageOptions.store()
                var benchmark = LargeVarBenchmark(sizes: largeVars, store: store)
                benchmark.progress = { progress.phase($0) }
                let rows = try measuring(on: store) { try benchmark.run() }
                progress.finish()
                print(json ? BenchReport.json(rows, iterations: benchmark.iterations, settings: settings)
                    : settings.line + "\n" + BenchReport.largeVarTable(rows, iterations: benchmark.iterations))
                return
            }
            progress.phase("generating the state")
            let synthetic = SyntheticState(components: componentCount, targetBytes: Int((targetMB * 1e6).rounded()), mix: mix)
            if synthetic.mixIsMinor {
                Console.writeErrorLine(Self.crowdedWarning(synthetic, targetMB: targetMB))
            }
            let state = synthetic.make()
            if let writeState {
                progress.phase("writing \(writeState)")
                try writeOutput(JSONWriter.writeChunks(state), toFile: writeState)
            }
            let store = try storageOptions.store()
            if !parallelWorks.isEmpty {
                var benchmark = ParallelPauseBenchmark(synthetic: synthetic, changeFraction: changeFraction, store: store, workCounts: parallelWorks)
                benchmark.progress = { progress.phase($0) }
                let rows = try measuring(on: store) { try benchmark.run() }
                progress.finish()
                let bytes = JSONWriter.write(state).count
                print(json
                    ? BenchReport.json(rows, synthetic: synthetic, stateBytes: bytes, fraction: changeFraction, settings: settings)
                    : settings.line + "\n" + BenchReport.parallelTable(rows, synthetic: synthetic, stateBytes: bytes, fraction: changeFraction))
                return
            }
            let (results, incremental) = try measuring(on: store) {
                var whole = CheckpointBenchmark(state: state, store: store, runs: runs)
                whole.progress = { progress.phase($0) }
                var incremental = IncrementalBenchmark(synthetic: synthetic, changeFraction: changeFraction, store: store, runs: runs, keepsFiles: keepCheckpoints)
                incremental.progress = { progress.phase($0) }
                return (try whole.run(), try incremental.run())
            }
            progress.finish()
            if json {
                print(BenchReport.json(results, incremental, settings: settings))
            } else {
                print(settings.line)
                print(BenchReport.table(results, components: componentCount, mix: mix))
                print(BenchReport.incrementalTable(incremental, components: componentCount))
            }
        }

        /// The warning for a state whose components take more than half the target, leaving the mix
        /// the lesser part: how much they take, what that leaves, and the component count or
        /// target that would leave the mix half.
        static func crowdedWarning(_ synthetic: SyntheticState, targetMB: Double) -> String {
            func megabytes(_ bytes: Int, roundedUp: Bool = false) -> String {
                let value = Double(bytes) / 1e6
                let digits = BenchReport.decimals(for: [value], minimum: 2)
                var scale = 1.0
                for _ in 0..<digits { scale *= 10 }
                return BenchReport.format(roundedUp ? (value * scale).rounded(.up) / scale : value, digits: digits)
            }
            let mix = synthetic.mix.rawValue
            let fixed = "\(synthetic.components) components take \(megabytes(synthetic.fixedBytes)) MB of JSON without their series"
            let outcome = synthetic.fixedBytes > synthetic.targetBytes
                ? "more than --target-mb \(targetMB.exactText): the state is larger than asked and has none of what --mix \(mix) puts in it"
                : "more than half of --target-mb \(targetMB.exactText): what --mix \(mix) puts in the series"
                    + " (\(synthetic.seriesLength == 0 ? "at most one item" : "about \(synthetic.seriesLength) items") each) is the lesser part of the state"
            let target = "--target-mb \(megabytes(synthetic.leastTargetBytesForMix, roundedUp: true)) or more"
            let advice = synthetic.mostComponentsForMix.map { "give --components \($0) or fewer, or \(target)" } ?? "give \(target)"
            return "warning: \(fixed), \(outcome); \(advice)"
        }

        /// Runs a benchmark on `store`; a failure is one line naming the storage and exits 1.
        private func measuring<T>(on store: CheckpointStore, _ body: () throws -> T) throws -> T {
            try reportingFailures { () throws(CheckpointStoreError) -> T in
                do {
                    return try body()
                } catch let error as CheckpointStoreError {
                    throw error
                } catch {
                    throw CheckpointStoreError(path: store.folder, problem: "\(error)")
                }
            }
        }
    }
}

extension SyntheticState.Mix: ExpressibleByArgument {}
