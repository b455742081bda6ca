import ArgumentParser
import Foundation
import LightningBench

extension LightningCheckpoint {
    /// Times Foundation's JSONSerialization on a file, for `Benchmarks/compare-peers`.
    struct FoundationPeer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "foundation-peer",
            abstract: "Time Foundation's JSONSerialization reading and writing a JSON file (for Benchmarks/compare-peers).",
            shouldDisplay: false
        )

        @Argument(help: "The JSON file.")
        var file: String

        @Option(help: "Runs; the median is reported.")
        var runs = 3

        func run() throws {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                printError("\(file): cannot read: \(error.localizedDescription)")
                throw ExitCode.failure
            }
            var object: Any = NSNull()
            let load = try Measurement.median(runs: runs) { object = try JSONSerialization.jsonObject(with: data) }
            let save = try Measurement.median(runs: runs) { _ = try JSONSerialization.data(withJSONObject: object) }
            print(#"{"foundation_load_s": \#(load), "foundation_save_s": \#(save), "bytes": \#(data.count)}"#)
        }
    }
}
