
/// What a checkpoint says about itself, beyond Lightning's state: which engine and format wrote it,
/// the app's own schema version, when and by which app.
///
/// It is stored in the JSON as one more top-level key, ``CheckpointMetadata/key`` (`"swift_lightning"`),
/// next to `app_state`. Python Lightning reads only the keys it knows at the top level
/// (`vars`, `calls`, `flows`, `works`, `structures`, `changes`, `app_state`), so it loads such
/// a file unchanged. A file without the key (one written by Python) has no metadata.
public struct CheckpointMetadata: Sendable, Hashable {
    /// The top-level key the metadata is stored under.
    public static let key: StateString = "swift_lightning"
    /// The version of the checkpoint format this engine writes.
    public static let currentFormatVersion = 1

    /// The version of the checkpoint format.
    public var formatVersion: Int
    /// The app's own version of its state layout, for migrations in `loadStateDict`.
    public var schemaVersion: Int
    /// Unix time of the save, in seconds.
    public var createdAt: Double
    /// The app's name.
    public var appName: String

    /// Creates metadata for a save made now by this engine.
    public init(formatVersion: Int = CheckpointMetadata.currentFormatVersion, schemaVersion: Int, createdAt: Double, appName: String) {
        self.formatVersion = formatVersion
        self.schemaVersion = schemaVersion
        self.createdAt = createdAt
        self.appName = appName
    }

    /// The metadata stored in a checkpoint tree, or `nil` when it holds none or holds it malformed.
    public init?(checkpoint: StateValue) {
        guard let members = checkpoint[Self.key]?.objectValue,
            case .int(let format)? = members["format_version"],
            case .int(let schema)? = members["schema_version"],
            let app = members["app_name"]?.stringValue?.string
        else { return nil }
        let created: Double
        switch members["created_at"] {
        case .float(let value)?: created = value
        case .int(let value)?: created = Double(value)
        default: return nil
        }
        self.init(formatVersion: Int(format), schemaVersion: Int(schema), createdAt: created, appName: app)
    }

    /// The metadata as a state node.
    public var stateValue: StateValue {
        [
            "format_version": .int(Int64(formatVersion)),
            "schema_version": .int(Int64(schemaVersion)),
            "created_at": .float(createdAt),
            "app_name": .string(StateString(appName)),
        ]
    }
}
