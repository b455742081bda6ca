/// The two file formats of a checkpoint.
public enum CheckpointFormat: String, Sendable, Hashable, CaseIterable {
    /// The documented JSON, as Python's `json.dumps` writes it: `lightningapp_checkpoint_<timestamp>.json`.
    case json
    /// The engine's compact binary snapshot (`docs/FORMAT.md`): `lightningapp_checkpoint_<timestamp>.lsnap`.
    case binary

    /// The file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .json: return "json"
        case .binary: return "lsnap"
        }
    }

    /// The format a file name's extension names, if any.
    public init?(fileExtensionOf fileName: String) {
        guard let format = Self.allCases.first(where: { fileName.hasSuffix(".\($0.fileExtension)") }) else { return nil }
        self = format
    }
}
