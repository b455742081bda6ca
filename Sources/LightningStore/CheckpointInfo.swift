/// A checkpoint found in, or written to, a store.
public struct CheckpointInfo: Sendable, Hashable {
    /// The checkpoint's name, which orders it among the others.
    public let name: CheckpointName
    /// The format of the file.
    public let format: CheckpointFormat
    /// The object's key in the store's storage: `checkpoints/<name>.<extension>`.
    public let key: String
    /// Where it is, as messages name it: a file path, or an object URL.
    public let path: String
    /// The size in bytes.
    public let size: Int
    /// For a delta snapshot, the checkpoint it applies to; `nil` for a full snapshot or JSON (and
    /// for a listing that did not read headers).
    public let parent: CheckpointName?

    /// Creates the description of a checkpoint file.
    public init(name: CheckpointName, format: CheckpointFormat, key: String, path: String, size: Int, parent: CheckpointName?) {
        self.name = name
        self.format = format
        self.key = key
        self.path = path
        self.size = size
        self.parent = parent
    }

    /// Whether the file is a delta snapshot.
    public var isDelta: Bool { parent != nil }

    /// The file name: the name with its format's extension.
    public var fileName: String { name.fileName(format) }
}
