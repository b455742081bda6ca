import LightningStore

/// Writes `message` to standard error as one line, prefixed with the tool's name.
func printError(_ message: String) {
    Console.writeErrorLine("lightning-checkpoint: \(message)")
}

/// Writes raw bytes to standard output.
func writeStandardOutput(_ bytes: [UInt8]) {
    Console.writeOutput(bytes)
}

/// Writes text given as chunks to the file at `path` (replacing it, atomically), or to standard
/// output when `path` is `nil`; a failure becomes one line on standard error and exit code 1.
func writeOutput(_ chunks: [[UInt8]], toFile path: String?) throws {
    guard let path else { return chunks.forEach(writeStandardOutput) }
    try reportingFailures { () throws(CheckpointStoreError) in try FileIO.replace(path, chunks: chunks) }
}
