import Foundation

/// Runs the package's built executables (the tool and the example apps) as a user would.
public enum Executable {
    /// What a run printed and how it ended.
    public struct Result: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
    }

    /// The folder that holds the built products, next to the test bundle.
    public static var productsFolder: URL {
        Bundle.main.bundleURL
    }

    /// Runs `name` with `arguments` in `folder`, with `environment` added to this process's.
    /// - Parameter fileSizeLimit: When given, the largest file the program may write, in KiB
    ///   (`ulimit -f`); a larger write fails with `EFBIG`, as a full disk fails with `ENOSPC`.
    /// - Parameters:
    ///   - signals: Signals to send while it runs, each this many seconds after the one before
    ///     (the first after `ready`), as a supervisor or a user at a terminal would.
    ///   - ready: Checked every 10 ms (for 60 s at most) before the first signal: a signal sent
    ///     before the program installed its handlers would take its default action instead.
    public static func run(
        _ name: String, _ arguments: [String], in folder: String, environment: [String: String] = [:], fileSizeLimit: Int? = nil,
        signals: [(after: Double, signal: Int32)] = [], ready: @escaping @Sendable () -> Bool = { true }
    ) throws -> Result {
        let process = Process()
        let program = productsFolder.appendingPathComponent(name)
        if let fileSizeLimit {
            // An ignored SIGXFSZ stays ignored across exec, so the write fails instead of killing.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "trap '' XFSZ; ulimit -f \(fileSizeLimit); exec \"$0\" \"$@\"", program.path] + arguments
        } else {
            process.executableURL = program
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "STORAGE_ROOT_DIR")
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        if !signals.isEmpty {
            let pid = process.processIdentifier
            Thread.detachNewThread {
                let deadline = Date(timeIntervalSinceNow: 60)
                while !ready() && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                for (after, signal) in signals {
                    Thread.sleep(forTimeInterval: after)
                    kill(pid, signal)
                }
            }
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self))
    }
}
