#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LightningBench
import LightningState

/// What a benchmark report needs to be quoted: the build, the tool's version, the machine, and
/// every parameter of the run.
struct BenchSettings {
    /// The tool's version, as `lightning-checkpoint --version` prints it.
    static let toolVersion = "0.1.0-dev"

    /// `release` or `debug`: debug builds run several times slower, so their figures say little.
    static var buildConfiguration: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    var components: Int
    var targetMB: Double
    var mix: SyntheticState.Mix
    var runs: Int
    var changeFraction: Double
    var parallelWorks: [Int]
    var largeVars: [Int] = []
    var storage: String

    /// Cores the process may use, and the machine's memory.
    var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
    var memoryGiB: Double { Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30) }

    /// One line for the top of a table.
    var line: String {
        var parameters: String
        if !largeVars.isEmpty {
            parameters = "--large-vars \(largeVars.map(String.init).joined(separator: " "))"
        } else {
            parameters = "--components \(components) --target-mb \(targetMB.exactText) --mix \(mix.rawValue)"
            parameters += parallelWorks.isEmpty ? " --runs \(runs)" : " --parallel-works \(parallelWorks.map(String.init).joined(separator: " "))"
            parameters += " --change-fraction \(changeFraction)"
        }
        parameters += " --storage \(storage)"
        return "lightning-checkpoint \(Self.toolVersion), \(Self.buildConfiguration) build, \(cores) cores, \(BenchReport.format(memoryGiB, digits: 1)) GiB; \(parameters)"
    }

    /// The same, for the JSON report.
    var stateValue: StateValue {
        [
            "tool_version": .string(StateString(Self.toolVersion)),
            "build": .string(StateString(Self.buildConfiguration)),
            "cores": .int(Int64(cores)),
            "memory_gib": .float((memoryGiB * 10).rounded() / 10),
            "parameters": largeVars.isEmpty
                ? [
                    "components": .int(Int64(components)), "target_mb": .float(targetMB), "mix": .string(StateString(mix.rawValue)),
                    "runs": .int(Int64(runs)), "change_fraction": .float(changeFraction),
                    "parallel_works": .array(parallelWorks.map { .int(Int64($0)) }), "storage": .string(StateString(storage)),
                ]
                : ["large_vars": .array(largeVars.map { .int(Int64($0)) }), "storage": .string(StateString(storage))],
        ]
    }

    /// The warning a debug build prints before it measures.
    static let debugWarning =
        "warning: this is a debug build, several times slower than a release build: its figures say little about the engine. Measure with `swift run -c release lightning-checkpoint bench`."
}

extension Double {
    /// The number as it was given, to repeat it in a command line: `100`, `0.01`, `2.5`.
    var exactText: String {
        rounded() == self && magnitude < 1e15 ? String(Int64(self)) : description
    }
}
