import LightningCodecs
import LightningState


/// The checkpoints of an app in shared storage: `<storage>/checkpoints/lightningapp_checkpoint_<timestamp>.lsnap`
/// (or `.json`).
///
/// ```swift
/// let store = CheckpointStore(storageRoot: ".storage")
/// let saved = try store.save(state, time: 1665501626)    // lightningapp_checkpoint_1665501626.json
/// let loaded = try store.loadCheckpoint("latest")          // or a name, a file path, or "latest-valid"
/// ```
/// Everything goes through a ``CheckpointStorage``: the store works out names, chains and
/// retention, and never touches files itself.
public struct CheckpointStore: Sendable {
    /// The environment variable that names the storage root, as in Lightning.
    public static let storageRootVariable = "STORAGE_ROOT_DIR"
    /// The storage root used when neither a flag nor the environment names one.
    public static let defaultStorageRoot = ".storage"
    /// The folder of the storage that holds checkpoints.
    public static let folderName = "checkpoints"

    /// Where the checkpoints are kept.
    public let storage: any CheckpointStorage
    /// Turns a checkpoint argument that names an object outside the store (a file path, a URL)
    /// into its location, or `nil` for a name of the store's own.
    private let locate: @Sendable (String) throws(CheckpointStoreError) -> CheckpointLocation?

    /// Creates a store over a storage; nothing is written until a save.
    /// - Parameters:
    ///   - storage: Where the checkpoints are kept, under `checkpoints/`.
    ///   - locating: Resolves a checkpoint given as the path of a local file, or as a URL
    ///   such as `s3://bucket/key`, to its location; `nil` for anything else. By default, local files.
    public init(
        storage: any CheckpointStorage,
        locating: @escaping @Sendable (String) throws(CheckpointStoreError) -> CheckpointLocation? = { value throws(CheckpointStoreError) in try CheckpointLocation.existingFile(value) }
    ) {
        self.storage = storage
        locate = locating
    }

    /// Creates a store over a local folder, the storage root; checkpoints go to `<root>/checkpoints`.
    public init(storageRoot: String) {
        self.init(storage: LocalStorage(root: storageRoot))
    }

    /// The checkpoint folder as messages name it: `<storage root>/checkpoints`.
    public var folder: String { storage.location(of: Self.folderName) }

    /// The location of a checkpoint of this store.
    public func location(of info: CheckpointInfo) -> CheckpointLocation {
        CheckpointLocation(storage: storage, key: info.key)
    }

    private func key(_ name: CheckpointName, _ format: CheckpointFormat) -> String {
        "\(Self.folderName)/\(name.fileName(format))"
    }

    private func info(_ name: CheckpointName, _ format: CheckpointFormat, size: Int, parent: CheckpointName?) -> CheckpointInfo {
        let key = key(name, format)
        return CheckpointInfo(name: name, format: format, key: key, path: storage.location(of: key), size: size, parent: parent)
    }

    // MARK: - Listing and finding

    /// The checkpoints in the store, oldest first (a name saved in both formats is listed twice,
    /// JSON first), with the parent of each delta read from its header; objects that are not
    /// checkpoints are ignored.
    public func list() throws(CheckpointStoreError) -> [CheckpointInfo] {
        try names().map { found in
            guard found.format == .binary else { return found }
            let parent = SnapshotChain.peek(location(of: found))?.parent
            return info(found.name, found.format, size: found.size, parent: parent)
        }
    }

    /// The checkpoints in the store, oldest first, from the listing alone (no object is read, so
    /// no parent is known).
    func names() throws(CheckpointStoreError) -> [CheckpointInfo] {
        try storage.list(folder: Self.folderName)
            .compactMap { entry -> CheckpointInfo? in
                let fileName = String(entry.name)
                guard let format = CheckpointFormat(fileExtensionOf: fileName), let name = CheckpointName(fileName: fileName) else { return nil }
                return info(name, format, size: entry.size, parent: nil)
            }
            .sorted { ($0.name, $0.format == .binary ? 1 : 0) < ($1.name, $1.format == .binary ? 1 : 0) }
    }

    /// The newest checkpoint name in the store, from the listing alone.
    public func newestName() throws(CheckpointStoreError) -> CheckpointName? {
        try names().last?.name
    }

    /// For a path with no file at it: what is there instead (a folder, a device, a pipe), or `problem`.
    private static func noFile(_ path: String, else problem: String) -> CheckpointStoreError {
        guard let kind = FileIO.nonFileKind(path) else { return CheckpointStoreError(path: path, problem: problem, code: .notFound) }
        return CheckpointStoreError(path: path, problem: "\(kind), not a checkpoint file", code: .invalidArgument)
    }

    /// The checkpoint that `value` names, as `--checkpoint` takes it: `latest` (the newest in the
    /// store, of either format), the path of a local file (or the URL of an object, with a
    /// URL locator), or the name of a checkpoint in the store with or without its extension. A name saved in both formats without an extension resolves
    /// to the binary file, which loads faster.
    /// - Throws: ``CheckpointStoreError`` listing what the store holds when nothing matches.
    public func resolve(_ value: String) throws(CheckpointStoreError) -> CheckpointLocation {
        // A path or a URL needs no listing of the store (which may be elsewhere, or unreachable).
        if value != "latest", let outside = try locate(value) { return outside }
        // A checkpoint name never holds a '/': this is a path the locator found no file at.
        if value.contains("/") { throw Self.noFile(value, else: "no such checkpoint file") }
        // A file name that is no checkpoint's: the user meant a file here (no listing needed).
        if CheckpointName(fileName: value) == nil, CheckpointFormat(fileExtensionOf: value) != nil {
            throw Self.noFile(value, else: "no such file (nor a checkpoint of that name in \(folder))")
        }
        let available = try names()
        if value == "latest" {
            guard let newest = available.last else { throw .noLatest(in: folder) }
            return location(of: newest)
        }
        if let name = CheckpointName(fileName: value) {
            let explicit = CheckpointFormat(fileExtensionOf: value)
            let matches = available.filter { $0.name == name && (explicit == nil || $0.format == explicit) }
            if let match = matches.last { return location(of: match) }
        }
        var stems: [String] = []
        for info in available where stems.last != info.name.stem { stems.append(info.name.stem) }
        throw .notFound(value, in: folder, available: stems)
    }

    /// A checkpoint read from the store, and what was passed over to find it.
    public struct LoadedCheckpoint: Sendable {
        /// Where the checkpoint was read from.
        public let location: CheckpointLocation
        /// Its state.
        public let state: StateValue
        /// For `latest-valid`: the newer checkpoints that did not load, one line each, newest first.
        public let skipped: [CheckpointStoreError]
    }

    /// Resolves `value` like ``resolve(_:)`` and reads the checkpoint (checking its layout when
    /// `validate`). Also takes `latest-valid`: the newest checkpoint that loads.
    ///
    /// When `latest` is damaged (or a snapshot of its chain is), the error names the damage and the
    /// newest checkpoint that does load, with the flag that resumes from it. A storage failure that
    /// may pass (``CheckpointStoreError/isTransient``) is not damage: it is thrown as it is, and
    /// `latest-valid` never falls back to an older checkpoint because of one.
    public func loadCheckpoint(_ value: String, validate: Bool = true) throws(CheckpointStoreError) -> LoadedCheckpoint {
        if value == "latest-valid" { return try newestValid(validate: validate) }
        let location = try resolve(value)
        do {
            return LoadedCheckpoint(location: location, state: try read(location, validate: validate), skipped: [])
        } catch where value == "latest" && error.code != .noCheckpoints && !error.isTransient {
            let fallback = try? newestValid(validate: validate)
            throw .damagedLatest(error, newestValid: fallback.map { StorageKey.split($0.location.key).name })
        }
    }

    /// The newest checkpoint that loads, with the newer ones that did not.
    private func newestValid(validate: Bool) throws(CheckpointStoreError) -> LoadedCheckpoint {
        var skipped: [CheckpointStoreError] = []
        for info in try names().reversed() {
            let location = location(of: info)
            do {
                return LoadedCheckpoint(location: location, state: try read(location, validate: validate), skipped: skipped)
            } catch where !error.isTransient {
                skipped.append(error)
            }
        }
        if skipped.isEmpty { throw .noLatest(in: folder, asked: "latest-valid") }
        throw CheckpointStoreError(path: folder, problem: "no checkpoint loads: all \(skipped.count) are damaged (the newest: \(skipped[0]))", code: .corrupt)
    }

    private func read(_ location: CheckpointLocation, validate: Bool) throws(CheckpointStoreError) -> StateValue {
        validate ? try location.load() : try location.read()
    }

    // MARK: - Saving

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

    /// The first name a save at `time` may take: `lightningapp_checkpoint_<seconds>`, or the one after
    /// `after` (or, when `nil`, after the newest in the store) if that is not older.
    private func firstName(time: Double, after: CheckpointName?) throws(CheckpointStoreError) -> CheckpointName {
        let name = CheckpointName(timestamp: Int64(time.rounded(.down)))
        let newest: CheckpointName? = if let after { after } else { try newestName() }
        guard let newest, newest >= name else { return name }
        return newest.next
    }

    /// Saves `state` as a new checkpoint named after `time` (Unix seconds) and returns the files written.
    ///
    /// The name is `lightningapp_checkpoint_<seconds>`, or the next free sequence number in that
    /// second (see ``CheckpointName``); with ``SaveFormats/both`` the two files share it. The name
    /// never sorts before `after`, or when that is `nil`, before the newest checkpoint in the store,
    /// even if the clock went back. Each object is created whole and durable, never replacing one:
    /// a failed save leaves every earlier checkpoint as it was.
    /// - Parameters:
    ///   - state: The checkpoint tree.
    ///   - time: The time of the save, in Unix seconds: the name's timestamp.
    ///   - formats: JSON (the default), binary, or both.
    ///   - after: The newest name the caller knows of (a writer that holds the storage's
    ///     lock knows it without listing).
    @discardableResult
    public func save(_ state: StateValue, time: Double, formats: SaveFormats = .json, after: CheckpointName? = nil) throws(CheckpointStoreError) -> [CheckpointInfo] {
        var name = try firstName(time: time, after: after)
        while true {
            var written: [CheckpointInfo] = []
            var taken = false
            do throws(CheckpointStoreError) {
                for format in formats.formats {
                    let key = key(name, format)
                    let chunks = try CheckpointCodec.encode(state, as: format, snapshotID: name.snapshotID, path: storage.location(of: key))
                    guard try storage.create(key, chunks: chunks) else {
                        taken = true
                        break
                    }
                    written.append(info(name, format, size: chunks.reduce(0) { $0 + $1.count }, parent: nil))
                }
            } catch {
                // The other format's file of a half-done pair is whole, but the save failed: take it back.
                for info in written { try? storage.remove(info.key) }
                throw error
            }
            if !taken { return written }
            for info in written { try? storage.remove(info.key) }
            name = name.next
        }
    }

    /// Saves `delta` as a delta snapshot against the binary snapshot `parent`, named like
    /// ``save(_:time:formats:after:)``.
    public func saveDelta(_ delta: StateDelta, parent: CheckpointName, time: Double, after: CheckpointName? = nil) throws(CheckpointStoreError) -> CheckpointInfo {
        var name = try firstName(time: time, after: after ?? parent)
        while true {
            let key = key(name, .binary)
            let chunks = try CheckpointCodec.encode(delta, snapshotID: name.snapshotID, parent: parent.snapshotID, path: storage.location(of: key))
            if try storage.create(key, chunks: chunks) {
                return info(name, .binary, size: chunks.reduce(0) { $0 + $1.count }, parent: parent)
            }
            name = name.next
        }
    }

    // MARK: - Retention and compaction

    /// Rewrites the binary snapshot at `location` as a full snapshot of the same state, in place
    /// (atomically, keeping its number), so that it no longer needs its parents; deltas that name it
    /// stay valid.
    /// - Returns: The new size in bytes.
    public static func compact(_ location: CheckpointLocation) throws(CheckpointStoreError) -> Int {
        let prefix = try location.storage.read(location.key, range: 0..<SnapshotFormat.headerSize)
        guard CheckpointCodec.format(of: prefix) == .binary else {
            throw CheckpointStoreError(path: location.description, problem: "is JSON, which is always a full checkpoint; nothing to compact", code: .invalidArgument)
        }
        guard let header = BinarySnapshot.peekHeader(prefix) else {
            throw CheckpointStoreError(path: location.description, problem: "truncated: shorter than a snapshot header")
        }
        let chunks = try CheckpointCodec.encode(try location.load(), as: .binary, snapshotID: header.sequence, path: location.description)
        try location.storage.replace(location.key, chunks: chunks)
        return chunks.reduce(0) { $0 + $1.count }
    }

    // MARK: - Writers

    /// Takes the storage's writer lock: one app at a time writes checkpoints to a storage.
    /// - Throws: ``CheckpointStoreError`` with code ``CheckpointStoreError/Code/lockHeld`` naming the holder.
    public func lockForWriting() throws(CheckpointStoreError) -> any StorageLock {
        try storage.lockForWriting()
    }

    /// Removes what saves of processes no longer running left behind (a crash during a save leaves
    /// a temporary file); a live writer's files are left alone.
    /// - Returns: How many were removed.
    @discardableResult
    public func removeLeftovers() throws(CheckpointStoreError) -> Int {
        try storage.removeLeftovers(folder: Self.folderName)
    }
}
