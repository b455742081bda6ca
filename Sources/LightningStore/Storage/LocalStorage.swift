#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checkpoints in a folder of the local file system (or a mounted shared one): a key is a path
/// under ``root``.
///
/// Creating an object writes a hidden temporary file in the same folder, `fsync`s it, hard-links it
/// to its name (which never replaces a file) and `fsync`s the folder; a failure removes the
/// temporary file and touches nothing else. The writer lock is an advisory `flock` on
/// `<root>/.writer.lock`, released by the kernel when the holder exits or dies.
public struct LocalStorage: CheckpointStorage {
    /// The folder that keys are relative to; empty for the current folder, with paths kept relative.
    public let root: String

    /// The name of the lock file in the storage root.
    static let lockFileName = ".writer.lock"

    /// Creates a storage over the folder `root` (created on the first write).
    public init(root: String) {
        self.root = root
    }

    /// The folder's path (`.` for the current folder).
    public var description: String { root.isEmpty ? "." : root }

    /// The path of the file at `key`.
    public func location(of key: String) -> String { FileIO.join(root, key) }

    /// The regular files directly in `folder`, with their sizes; no entries when the folder does not exist.
    public func list(folder: String) throws(CheckpointStoreError) -> [StorageEntry] {
        let path = location(of: folder)
        return try FileIO.listFolder(path).compactMap { name in
            // Hidden files are this storage's own: temporary files and the lock.
            guard !name.hasPrefix("."), let size = FileIO.fileSize(FileIO.join(path, name)) else { return nil }
            return StorageEntry(key: FileIO.join(folder, name), size: size)
        }
    }

    /// Reads the file, or the bytes of `range` in it.
    public func read(_ key: String, range: Range<Int>?) throws(CheckpointStoreError) -> [UInt8] {
        guard let range else { return try FileIO.read(location(of: key)) }
        return try FileIO.read(location(of: key), range: range)
    }

    /// Writes a temporary file, fsyncs it, hard-links it to `key` unless that exists, and fsyncs the folder; returns `false` when `key` exists.
    public func create(_ key: String, chunks: [[UInt8]]) throws(CheckpointStoreError) -> Bool {
        let path = location(of: key)
        try FileIO.createFolder(FileIO.split(path).folder)
        return try FileIO.writeNew(chunks: chunks, to: path)
    }

    /// Writes a temporary file, fsyncs it, renames it over `key`, and fsyncs the folder.
    public func replace(_ key: String, chunks: [[UInt8]]) throws(CheckpointStoreError) {
        let path = location(of: key)
        try FileIO.createFolder(FileIO.split(path).folder)
        try FileIO.replace(path, chunks: chunks)
    }

    /// Removes the file and fsyncs the folder.
    public func remove(_ key: String) throws(CheckpointStoreError) {
        try FileIO.remove(location(of: key))
    }

    /// Takes an `flock` on `<root>/.writer.lock`, which the kernel releases when the process ends.
    public func lockForWriting() throws(CheckpointStoreError) -> any StorageLock {
        if !root.isEmpty { try FileIO.createFolder(root) }
        return try LocalWriterLock(path: location(of: Self.lockFileName), storage: description)
    }

    /// Removes the temporary files of interrupted saves of this host whose process is gone.
    public func removeLeftovers(folder: String) throws(CheckpointStoreError) -> Int {
        let path = location(of: folder)
        let here = WriterIdentity.current
        var removed = 0
        for name in try FileIO.listFolder(path) {
            // Another machine's process cannot be checked from here: its files are left alone.
            guard let writer = TemporaryName.writer(of: name), writer.host == here.host,
                writer.pid != here.pid, !FileIO.processIsRunning(writer.pid)
            else { continue }
            try FileIO.remove(FileIO.join(path, name))
            removed += 1
        }
        return removed
    }
}

extension CheckpointLocation {
    /// The local file at `path`; a delta's parents are looked for in the same folder.
    public static func file(_ path: String) -> CheckpointLocation {
        let (folder, name) = FileIO.split(path)
        return CheckpointLocation(storage: LocalStorage(root: folder), key: name)
    }

    /// The local file at `path` when one exists there (a `--checkpoint` given as a path); else `nil`.
    /// - Throws: ``CheckpointStoreError`` with code ``CheckpointStoreError/Code/notFound`` when
    ///   `path` is a folder, which no checkpoint is (only for a path with a `/`: a bare word may
    ///   be a checkpoint's name that happens to be a folder's too).
    public static func existingFile(_ path: String) throws(CheckpointStoreError) -> CheckpointLocation? {
        if FileIO.fileSize(path) != nil { return .file(path) }
        if path.contains("/"), FileIO.isFolder(path) { throw CheckpointStoreError(path: path, problem: "is a folder, not a checkpoint file", code: .notFound) }
        return nil
    }
}

/// A held `flock` on a lock file; the file records the holder for the message a refused app prints.
final class LocalWriterLock: StorageLock, @unchecked Sendable {
    // reason: `descriptor` is set once in init and cleared once, under `mutex`.
    private var descriptor: Int32
    private let mutex = Mutex()

    init(path: String, storage: String) throws(CheckpointStoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("open lock", path: path, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = (try? FileIO.read(path, maximumBytes: 512)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            close(descriptor)
            guard code == EWOULDBLOCK else { throw .system("lock", path: path, errno: code) }
            let who = holder.isEmpty ? "another app" : holder
            throw CheckpointStoreError(
                path: storage,
                problem: "the storage is in use by \(who) (lock \(path)); one app at a time writes checkpoints to a storage",
                code: .lockHeld)
        }
        // The holder's name only helps a refused app's message: the lock is the flock, so a full
        // disk that cannot take these bytes does not stop the app (its saves will say so).
        let identity = Array("\(WriterIdentity.current)".utf8)
        if ftruncate(descriptor, 0) == 0 { _ = pwrite(descriptor, identity, identity.count, 0) }
        self.descriptor = descriptor
    }

    func release() {
        mutex.withLock {
            guard descriptor >= 0 else { return }
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}

/// A plain mutual-exclusion lock.
final class Mutex: @unchecked Sendable {
    // reason: the pthread mutex lives at a fixed address and is used only through lock and unlock.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
