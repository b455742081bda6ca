import LightningCLI
import LightningStore

/// Writes `message` to standard error as one line, prefixed with the tool's name.
func printError(_ message: String) {
    Console.writeErrorLine("lightning-checkpoint: \(message)")
}

/// Writes raw bytes to standard output.
func writeStandardOutput(_ bytes: [UInt8]) {
    Console.writeOutput(bytes)
}

/// Writes bytes given as chunks to `path` — a local file, or an object given as `s3://bucket/key` —
/// replacing it atomically, or to standard output when `path` is `nil`; a failure becomes one line
/// on standard error and exit code 1.
func writeOutput(_ chunks: [[UInt8]], toFile path: String?) throws {
    guard let path else { return chunks.forEach(writeStandardOutput) }
    try reportingFailures { () throws(CheckpointStoreError) in
        let target = try StorageAddress.location(ofURL: path, environment: StorageAddress.processEnvironment) ?? .file(path)
        try target.storage.replace(target.key, chunks: chunks)
    }
}
