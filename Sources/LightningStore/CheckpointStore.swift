import LightningCodecs
import LightningState

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checkpoints of an app in shared storage: `<storage root>/checkpoints/lightningapp_checkpoint_<timestamp>.json`.
///
/// ```swift
/// let store = CheckpointStore(storageRoot: CheckpointStore.storageRoot(explicit: nil))
/// let saved = try store.save(state)                       // lightningapp_checkpoint_1665501626.json
/// let path = try store.resolve("latest")                  // or a name, or a file path
/// let restored = try CheckpointStore.load(path: path)
/// ```
public struct CheckpointStore: Sendable {
    /// The environment variable that names the storage root, as in Lightning.
    public static let storageRootVariable = "STORAGE_ROOT_DIR"
    /// The storage root used when neither a flag nor the environment names one.
    public static let defaultStorageRoot = ".storage"
    /// The folder under the storage root that holds checkpoints.
    public static let folderName = "checkpoints"

    /// The shared storage root.
    public let storageRoot: String

    /// The folder that holds the checkpoints: `<storage root>/checkpoints`.
    public var folder: String { "\(storageRoot)/\(Self.folderName)" }

    /// Creates a store over a storage root; nothing is touched on disk until a save.
    public init(storageRoot: String) {
        self.storageRoot = storageRoot
    }

    /// The storage root to use: `explicit` (a `--storage` flag) when given, else the
    /// `STORAGE_ROOT_DIR` environment variable, else `./.storage`.
    public static func storageRoot(explicit: String?, environment: [String: String] = currentEnvironment()) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[storageRootVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultStorageRoot
    }

    /// The process environment.
    public static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    // MARK: - Listing and finding

    /// The checkpoints in the store, oldest first; files that are not checkpoints are ignored.
    public func list() throws(CheckpointStoreError) -> [CheckpointInfo] {
        try FileIO.listFolder(folder)
            .compactMap { fileName -> CheckpointInfo? in
                guard fileName.hasSuffix(".\(CheckpointName.jsonExtension)"), let name = CheckpointName(fileName: fileName) else { return nil }
                let path = "\(folder)/\(fileName)"
                guard let size = FileIO.fileSize(path) else { return nil }
                return CheckpointInfo(name: name, path: path, size: size)
            }
            .sorted { $0.name < $1.name }
    }

    /// The path of the checkpoint that `value` names, as `--checkpoint` takes it:
    /// `latest` (the newest in the store), the path of a file, or the name of a checkpoint in
    /// the store with or without `.json`.
    /// - Throws: ``CheckpointStoreError`` listing what the store holds when nothing matches.
    public func resolve(_ value: String) throws(CheckpointStoreError) -> String {
        if value == "latest" {
            guard let newest = try list().last else { throw .noLatest(in: folder) }
            return newest.path
        }
        if FileIO.fileSize(value) != nil { return value }
        let available = try list()
        if let name = CheckpointName(fileName: value), let match = available.first(where: { $0.name == name }) {
            return match.path
        }
        throw .notFound(value, in: folder, available: available.map(\.name.stem))
    }

    // MARK: - Saving and loading

    /// Saves `state` as a new checkpoint named after `time` (Unix seconds) and returns it.
    ///
    /// The name is `lightningapp_checkpoint_<seconds>.json`, or the next free sequence number in
    /// that second (see ``CheckpointName``). The name never sorts before an existing checkpoint,
    /// even if the clock went back. The write is atomic and durable (see ``FileIO``): a failed
    /// save leaves every earlier checkpoint as it was.
    public func save(_ state: StateValue, time: Double, options: JSONWriter.Options = JSONWriter.Options()) throws(CheckpointStoreError) -> CheckpointInfo {
        try FileIO.createFolder(folder)
        let bytes = JSONWriter.write(state, options: options)
        var name = CheckpointName(timestamp: Int64(time.rounded(.down)))
        if let newest = try list().last, newest.name >= name { name = newest.name.next }
        while true {
            let path = "\(folder)/\(name.fileName)"
            if try FileIO.writeNew(bytes, to: path) {
                return CheckpointInfo(name: name, path: path, size: bytes.count)
            }
            name = name.next
        }
    }

    /// Reads the checkpoint file at `path` and checks its layout.
    /// - Throws: ``CheckpointStoreError`` naming the file, and the line and column or the component path.
    public static func load(path: String) throws(CheckpointStoreError) -> StateValue {
        let state = try read(path: path)
        do {
            try CheckpointLayout.validate(state)
        } catch {
            throw .layout(error, in: path)
        }
        return state
    }

    /// Reads the JSON file at `path` without checking its layout.
    public static func read(path: String) throws(CheckpointStoreError) -> StateValue {
        let bytes = try FileIO.read(path)
        do {
            return try JSONReader.read(bytes)
        } catch {
            throw .syntax(error, in: path)
        }
    }
}
