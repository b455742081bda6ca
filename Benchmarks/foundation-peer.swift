// Times Foundation's JSONSerialization reading and writing a JSON file, for `compare-peers`, which
// compiles it with `swiftc -O` (the tool itself does not link Foundation).
// Usage: foundation-peer FILE [RUNS]; prints {"foundation_load_s": …, "foundation_save_s": …, "bytes": …}.
import Foundation

func median(runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var seconds: [Double] = []
    for _ in 0..<max(1, runs) {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    // As the tool's own medians: the middle one, or the mean of the two in the middle.
    let sorted = seconds.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, let runs = arguments.count > 2 ? Int(arguments[2]) : 3 else {
    FileHandle.standardError.write(Data("usage: foundation-peer FILE [RUNS]\n".utf8))
    exit(2)
}
let data: Data
do {
    data = try Data(contentsOf: URL(fileURLWithPath: arguments[1]))
} catch {
    FileHandle.standardError.write(Data("foundation-peer: \(arguments[1]): cannot read: \(error.localizedDescription)\n".utf8))
    exit(1)
}
do {
    var object: Any = NSNull()
    let load = try median(runs: runs) { object = try JSONSerialization.jsonObject(with: data) }
    let save = try median(runs: runs) { _ = try JSONSerialization.data(withJSONObject: object) }
    print(#"{"foundation_load_s": \#(load), "foundation_save_s": \#(save), "bytes": \#(data.count)}"#)
} catch {
    FileHandle.standardError.write(Data("foundation-peer: \(arguments[1]): \(error.localizedDescription)\n".utf8))
    exit(1)
}
