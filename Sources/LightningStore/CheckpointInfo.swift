/// A checkpoint file found in a store.
public struct CheckpointInfo: Sendable, Hashable {
    /// The checkpoint's name, which orders it among the others.
    public let name: CheckpointName
    /// The format of the file.
    public let format: CheckpointFormat
    /// The path of the file.
    public let path: String
    /// The file's size in bytes.
    public let size: Int
    /// For a delta snapshot, the checkpoint it applies to; `nil` for a full snapshot or JSON.
    public let parent: CheckpointName?

    /// Whether the file is a delta snapshot.
    public var isDelta: Bool { parent != nil }
}
