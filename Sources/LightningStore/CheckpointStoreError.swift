import LightningCodecs
import LightningState

/// Why a checkpoint could not be found, read or written.
///
/// The ``description`` is one line that names the file (or the storage folder) and the problem:
/// `ckpt.json:3:14: expected ':' after an object key`,
/// `ckpt.json: root.flows.a.works.w: missing "calls"`,
/// `no checkpoint named 'nope' in .storage/checkpoints (there are: lightningapp_checkpoint_1665501626)`.
public struct CheckpointStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file or folder concerned.
    public let path: String
    /// The one-line message.
    public let description: String

    package init(path: String, problem: String) {
        self.path = path
        self.description = "\(path): \(problem)"
    }

    private init(path: String, description: String) {
        self.path = path
        self.description = description
    }

    static func syntax(_ error: JSONDecodingError, in path: String) -> Self {
        CheckpointStoreError(path: path, description: "\(path):\(error)")
    }

    static func layout(_ error: CheckpointLayoutError, in path: String) -> Self {
        CheckpointStoreError(path: path, problem: error.description)
    }

    static func system(_ operation: String, path: String, errno code: Int32) -> Self {
        CheckpointStoreError(path: path, problem: "\(operation) failed: \(SystemError.message(for: code))")
    }

    static func notFound(_ name: String, in folder: String, available: [String]) -> Self {
        let list = available.isEmpty ? "it holds no checkpoints" : "there are: \(available.joined(separator: ", "))"
        return CheckpointStoreError(path: folder, description: "no checkpoint named '\(name)' in \(folder) (\(list))")
    }

    static func noLatest(in folder: String) -> Self {
        CheckpointStoreError(path: folder, description: "no checkpoint to take as 'latest': \(folder) holds none")
    }
}
