import LightningStore

/// Writes `message` to standard error as one line, prefixed with the tool's name.
func printError(_ message: String) {
    Console.writeErrorLine("lightning-checkpoint: \(message)")
}

/// Writes raw bytes to standard output.
func writeStandardOutput(_ bytes: [UInt8]) {
    Console.writeOutput(bytes)
}
