/// The name of a saved checkpoint: `lightningapp_checkpoint_<timestamp>`, plus `.json` or `.lsnap`.
///
/// `<timestamp>` is Unix seconds, as Lightning documents. A second save within the same second is
/// `lightningapp_checkpoint_<timestamp>_1.json`, a third `..._2.json`, and so on: names keep the
/// documented form, every save survives, and ``CheckpointName`` orders them by timestamp, then
/// sequence number — the order they were saved in.
public struct CheckpointName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The prefix of every checkpoint file name.
    public static let prefix = "lightningapp_checkpoint_"

    /// Unix seconds of the save.
    public let timestamp: Int64
    /// 0 for the first save in a second, then 1, 2, ….
    public let sequence: Int

    /// Creates a name from its parts.
    public init(timestamp: Int64, sequence: Int = 0) {
        self.timestamp = timestamp
        self.sequence = sequence
    }

    /// Parses a file name (with its `.json` or `.lsnap` extension) or a bare name; `nil` when it is
    /// not a checkpoint name. A checkpoint name's parts fit its snapshot number (``snapshotID``):
    /// a timestamp below 2^44 and a suffix below 2^20, so that no two names share a number.
    public init?(fileName: String) {
        var stem = Substring(fileName)
        if let format = CheckpointFormat(fileExtensionOf: fileName) { stem = stem.dropLast(format.fileExtension.count + 1) }
        guard stem.hasPrefix(Self.prefix) else { return nil }
        let parts = stem.dropFirst(Self.prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let timestamp = Self.digits(parts[0]).flatMap({ Int64($0) }), timestamp < 1 << 44 else { return nil }
        var sequence = 0
        if parts.count == 2 {
            guard let parsed = Self.digits(parts[1]).flatMap({ Int($0) }), parsed > 0, parsed < 1 << 20 else { return nil }
            sequence = parsed
        }
        self.init(timestamp: timestamp, sequence: sequence)
    }

    private static func digits(_ text: Substring) -> Substring? {
        !text.isEmpty && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) && (text == "0" || text.first != "0") ? text : nil
    }

    /// The name without extension: `lightningapp_checkpoint_1665501626` or `..._1665501626_1`.
    public var stem: String { sequence == 0 ? "\(Self.prefix)\(timestamp)" : "\(Self.prefix)\(timestamp)_\(sequence)" }

    /// The file name in `format`: ``stem`` plus `.json` or `.lsnap`.
    public func fileName(_ format: CheckpointFormat) -> String { "\(stem).\(format.fileExtension)" }

    /// The number a binary snapshot stores for this name (its own, or its parent's): the timestamp
    /// in the high bits and the sequence number in the low 20.
    public var snapshotID: UInt64 { UInt64(timestamp) << 20 | UInt64(sequence) }

    /// The name a snapshot number stands for.
    public init?(snapshotID: UInt64) {
        guard snapshotID >> 20 <= UInt64(Int64.max) else { return nil }
        self.init(timestamp: Int64(snapshotID >> 20), sequence: Int(snapshotID & 0xFFFFF))
    }

    /// The name that follows this one: the next sequence number in the same second.
    public var next: CheckpointName { CheckpointName(timestamp: timestamp, sequence: sequence + 1) }

    /// The name without extension: `lightningapp_checkpoint_1665501626_2`.
    public var description: String { stem }

    /// Whether `lhs` was saved before `rhs`: by second, then by sequence.
    public static func < (lhs: CheckpointName, rhs: CheckpointName) -> Bool {
        (lhs.timestamp, lhs.sequence) < (rhs.timestamp, rhs.sequence)
    }
}
