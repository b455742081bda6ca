import ArgumentParser
import LightningBench
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
                (encode + atomic, fsynced file in --storage) and a load (read + verify + decode + layout \
                check). MB/s are of the compact JSON's bytes. --write-state saves the state as JSON \
                so that other tools can be timed on the very same state.
                """
        )

        @Option(help: "How many components (flows and works) the state has.")
        var components = 10_000

        @Option(name: .customLong("target-mb"), help: "The approximate size of the state as compact JSON, in MB (10^6 bytes).")
        var targetMB = 100.0

        @Option(help: "What fills the state: 'float' (random doubles) or 'text' (log lines).")
        var mix: SyntheticState.Mix = .floatHeavy

        @Option(help: "Runs per measurement; the median is reported.")
        var runs = 3

        @Option(name: .customLong("write-state"), help: "Also write the state as compact JSON to this file.")
        var writeState: String?

        @Flag(help: "Print one JSON object instead of a table.")
        var json = false

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            guard components >= 2 else { throw ValidationError("--components must be at least 2, not \(components)") }
            guard targetMB > 0 else { throw ValidationError("--target-mb must be above 0, not \(targetMB)") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1, not \(runs)") }
        }

        func run() throws {
            let state = SyntheticState(components: components, targetBytes: Int(targetMB * 1e6), mix: mix).make()
            if let writeState {
                try reportingFailures { () throws(CheckpointStoreError) in try FileIO.replace(writeState, with: JSONWriter.write(state)) }
            }
            let results = try reportingFailures { () throws(CheckpointStoreError) -> CheckpointBenchmark.Results in
                do {
                    return try CheckpointBenchmark(state: state, store: storageOptions.store, runs: runs).run()
                } catch let error as CheckpointStoreError {
                    throw error
                } catch {
                    throw CheckpointStoreError(path: storageOptions.store.folder, problem: "\(error)")
                }
            }
            if json {
                print(BenchReport.json(results))
            } else {
                print(BenchReport.table(results, components: components, mix: mix))
            }
        }
    }
}

extension SyntheticState.Mix: ExpressibleByArgument {}
