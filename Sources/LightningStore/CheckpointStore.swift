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

    /// The checkpoints in the store, oldest first (a name saved in both formats is listed twice,
    /// JSON first); files that are not checkpoints are ignored.
    public func list() throws(CheckpointStoreError) -> [CheckpointInfo] {
        try FileIO.listFolder(folder)
            .compactMap { fileName -> CheckpointInfo? in
                guard let format = CheckpointFormat(fileExtensionOf: fileName), let name = CheckpointName(fileName: fileName) else { return nil }
                let path = "\(folder)/\(fileName)"
                guard let size = FileIO.fileSize(path) else { return nil }
                let parent = format == .binary ? SnapshotChain.peek(path)?.parent : nil
                return CheckpointInfo(name: name, format: format, path: path, size: size, parent: parent)
            }
            .sorted { ($0.name, $0.format == .binary ? 1 : 0) < ($1.name, $1.format == .binary ? 1 : 0) }
    }

    /// Removes temporary files that saves of processes no longer running left behind (a crash
    /// during a save leaves one); files of live processes are left alone.
    /// - Returns: The number of files removed.
    @discardableResult
    public func removeStaleTemporaryFiles() throws(CheckpointStoreError) -> Int {
        var removed = 0
        for fileName in try FileIO.listFolder(folder) where fileName.hasPrefix(".") {
            // Temporary names are ".<name>.tmp-<pid>-<random>" (see FileIO.writeNew).
            let parts = fileName.split(separator: ".").last?.split(separator: "-") ?? []
            guard parts.count == 3, parts[0] == "tmp", let pid = Int32(parts[1]), !FileIO.processIsRunning(pid) else { continue }
            FileIO.remove("\(folder)/\(fileName)")
            removed += 1
        }
        return removed
    }

    /// The newest checkpoint name in the store, from the folder listing alone (no file is opened).
    func newestName() throws(CheckpointStoreError) -> CheckpointName? {
        try FileIO.listFolder(folder)
            .compactMap { fileName in CheckpointFormat(fileExtensionOf: fileName) == nil ? nil : CheckpointName(fileName: fileName) }
            .max()
    }

    /// The path of the checkpoint that `value` names, as `--checkpoint` takes it:
    /// `latest` (the newest in the store, of either format), the path of a file, or the name of a
    /// checkpoint in the store with or without its extension. A name saved in both formats
    /// without an extension resolves to the binary file, which loads faster.
    /// - Throws: ``CheckpointStoreError`` listing what the store holds when nothing matches.
    public func resolve(_ value: String) throws(CheckpointStoreError) -> String {
        if value == "latest" {
            guard let newest = try list().last else { throw .noLatest(in: folder) }
            return newest.path
        }
        if FileIO.fileSize(value) != nil { return value }
        let available = try list()
        if let name = CheckpointName(fileName: value) {
            let explicit = CheckpointFormat(fileExtensionOf: value)
            let matches = available.filter { $0.name == name && (explicit == nil || $0.format == explicit) }
            if let match = matches.last { return match.path }
        }
        var stems: [String] = []
        for info in available where stems.last != info.name.stem { stems.append(info.name.stem) }
        throw .notFound(value, in: folder, available: stems)
    }

    // MARK: - Saving and loading

    /// Which files a save writes.
    public enum SaveFormats: String, Sendable, CaseIterable {
        case json, binary, both

        var formats: [CheckpointFormat] {
            switch self {
            case .json: return [.json]
            case .binary: return [.binary]
            case .both: return [.binary, .json]
            }
        }
    }

    /// Saves `state` as a new checkpoint named after `time` (Unix seconds) and returns the files written.
    ///
    /// The name is `lightningapp_checkpoint_<seconds>`, or the next free sequence number in that
    /// second (see ``CheckpointName``); with ``SaveFormats/both`` the two files share it. The name
    /// never sorts before an existing checkpoint, even if the clock went back. Each write is atomic
    /// and durable (see ``FileIO``): a failed save leaves every earlier checkpoint as it was.
    @discardableResult
    public func save(_ state: StateValue, time: Double, formats: SaveFormats = .json) throws(CheckpointStoreError) -> [CheckpointInfo] {
        try FileIO.createFolder(folder)
        var name = CheckpointName(timestamp: Int64(time.rounded(.down)))
        if let newest = try newestName(), newest >= name { name = newest.next }
        while true {
            var written: [CheckpointInfo] = []
            var taken = false
            for format in formats.formats {
                let path = "\(folder)/\(name.fileName(format))"
                do throws(CheckpointStoreError) {
                    // Chunks go to the file as the encoders produced them; a binary snapshot records its
                    // name's number, so a name taken meanwhile means encoding again (rare).
                    let chunks = try CheckpointCodec.encode(state, as: format, path: path)
                    guard try FileIO.writeNew(chunks: chunks, to: path) else {
                        taken = true
                        break
                    }
                    written.append(CheckpointInfo(name: name, format: format, path: path, size: chunks.reduce(0) { $0 + $1.count }, parent: nil))
                } catch {
                    written.forEach { FileIO.remove($0.path) }
                    throw error
                }
            }
            if !taken { return written }
            written.forEach { FileIO.remove($0.path) }
            name = name.next
        }
    }

    /// Saves `delta` as a delta snapshot against the binary snapshot `parent`, named after `time` like ``save(_:time:formats:)``.
    public func saveDelta(_ delta: StateDelta, parent: CheckpointName, time: Double) throws(CheckpointStoreError) -> CheckpointInfo {
        try FileIO.createFolder(folder)
        var name = CheckpointName(timestamp: Int64(time.rounded(.down)))
        if let newest = try newestName(), newest >= name { name = newest.next }
        while true {
            let bytes: [UInt8]
            do {
                bytes = try BinarySnapshot.encode(delta, sequence: name.snapshotID, parent: parent.snapshotID)
            } catch {
                throw CheckpointStoreError(path: folder, problem: "could not encode a delta: \(error)")
            }
            let path = "\(folder)/\(name.fileName(.binary))"
            if try FileIO.writeNew(bytes, to: path) {
                return CheckpointInfo(name: name, format: .binary, path: path, size: bytes.count, parent: parent)
            }
            name = name.next
        }
    }

    /// Keeps the newest `count` checkpoints (by name, both formats) and deletes the older ones,
    /// except the snapshots a kept delta needs, directly or through other deltas.
    /// - Returns: The files deleted.
    @discardableResult
    public func keepLast(_ count: Int) throws(CheckpointStoreError) -> [CheckpointInfo] {
        let all = try list()
        var names: [CheckpointName] = []
        for info in all where names.last != info.name { names.append(info.name) }
        guard names.count > count else { return [] }
        var needed = Set(names.suffix(max(0, count)))
        var frontier = Array(needed)
        let byName = Dictionary(grouping: all, by: \.name)
        while let name = frontier.popLast() {
            for info in byName[name] ?? [] {
                if let parent = info.parent, needed.insert(parent).inserted { frontier.append(parent) }
            }
        }
        let doomed = all.filter { !needed.contains($0.name) }
        doomed.forEach { FileIO.remove($0.path) }
        return doomed
    }

    /// Rewrites the binary snapshot at `path` as a full snapshot of the same state, in place
    /// (atomically), so that it no longer needs its parents; deltas that name it stay valid.
    public static func compact(path: String) throws(CheckpointStoreError) -> Int {
        let chunks = try CheckpointCodec.encode(try load(path: path), as: .binary, path: path)
        try FileIO.replace(path, chunks: chunks)
        return chunks.reduce(0) { $0 + $1.count }
    }

    /// Reads the checkpoint file at `path`, of either format (told apart by content), and checks its layout.
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

    /// Reads the file at `path`, JSON or binary snapshot, without checking its layout.
    public static func read(path: String) throws(CheckpointStoreError) -> StateValue {
        try CheckpointCodec.decode(try FileIO.read(path), path: path)
    }
}
