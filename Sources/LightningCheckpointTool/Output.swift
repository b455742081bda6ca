import LightningCLI
import LightningStore
import Synchronization

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
///
/// A file named like a checkpoint is only created, never replaced, as the store saves them: it may
/// be a delta's parent, and replacing it would make that delta restore another state.
func writeOutput(_ chunks: [[UInt8]], toFile path: String?) throws {
    guard let path else { return chunks.forEach(writeStandardOutput) }
    try reportingFailures { () throws(CheckpointStoreError) in
        let url = try StorageAddress.location(ofURL: path, environment: StorageAddress.processEnvironment)
        // A typo in a local path is refused, as `cp` refuses it, rather than made into folders.
        let folder = FileIO.split(path).folder
        if url == nil, !folder.isEmpty, !FileIO.isFolder(folder) {
            throw CheckpointStoreError(path: path, problem: "no folder \(folder) to write it in", code: .notFound)
        }
        let target = url ?? .file(path)
        guard CheckpointName(fileName: String(target.key.split(separator: "/").last ?? "")) != nil else {
            return try target.storage.replace(target.key, chunks: chunks)
        }
        guard try target.storage.create(target.key, chunks: chunks) else {
            throw CheckpointStoreError(
                path: target.description,
                problem: "exists, and a checkpoint is never replaced (a delta may be built on it): remove it first, or write to another name",
                code: .invalidArgument)
        }
    }
}

/// Values kept alive until the process exits, so that a large state tree is not freed piece by
/// piece just before the process ends (millions of releases the kernel does at once, for free,
/// when the process exits): a tenth to a sixth of a large `convert` otherwise.
private final class KeptUntilExit: Sendable {
    private let values = Mutex<[any Sendable]>([])
    func keep(_ value: any Sendable) { values.withLock { $0.append(value) } }
}
private let keptUntilExit = KeptUntilExit()

/// Keeps `value` alive until the process exits (see ``KeptUntilExit``).
func keepUntilExit(_ value: any Sendable) {
    keptUntilExit.keep(value)
}
