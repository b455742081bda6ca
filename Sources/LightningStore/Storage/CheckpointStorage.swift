/// Where checkpoints are kept: a flat namespace of keys holding bytes, such as a folder on a local
/// disk or a bucket of an object store.
///
/// Keys are relative, `/`-separated names such as `checkpoints/lightningapp_checkpoint_1665501626.lsnap`.
/// The checkpoint logic above this protocol (names, chains, `latest`, retention) sees only keys; it
/// never builds a path or calls the C library. The operations are the few that both a local folder
/// and an object store do well, and each is all or nothing:
///
/// - ``create(_:chunks:)`` is the commit point of a save: the object appears whole and durable, or
///   not at all, and never replaces an existing one (locally a temporary file, `fsync`, `link`, and
///   an `fsync` of the folder; on an object store a conditional write, `If-None-Match: *`).
/// - ``replace(_:chunks:)`` swaps an object atomically (compaction, tool output).
/// - ``read(_:range:)`` reads a prefix without fetching the whole object (a snapshot's header).
///
/// Every failure is a ``CheckpointStoreError`` with code ``CheckpointStoreError/Code/io(errno:)``
/// that names the object and keeps the cause.
public protocol CheckpointStorage: Sendable {
    /// The storage as a user names it: a folder path, or a URL.
    var description: String { get }

    /// How `key` is named in messages and listings: a file path, or an object URL.
    func location(of key: String) -> String

    /// The objects directly under `folder` (a key prefix without its trailing `/`), in no particular
    /// order; empty when there are none. Temporary and lock objects of the storage itself are not listed.
    func list(folder: String) throws(CheckpointStoreError) -> [StorageEntry]

    /// The bytes of `key`: all of them, or those in `range` (cut short at the end of the object).
    func read(_ key: String, range: Range<Int>?) throws(CheckpointStoreError) -> [UInt8]

    /// Writes the bytes, given as consecutive chunks, to `key` unless it exists.
    /// - Returns: `true` once the object is whole and durable; `false`, writing nothing, when `key` exists.
    func create(_ key: String, chunks: [[UInt8]]) throws(CheckpointStoreError) -> Bool

    /// Writes the bytes to `key` atomically, replacing the object if it exists.
    func replace(_ key: String, chunks: [[UInt8]]) throws(CheckpointStoreError)

    /// Removes `key`; a missing object is not an error.
    func remove(_ key: String) throws(CheckpointStoreError)

    /// Takes the storage's writer lock, so that one app at a time writes checkpoints to it.
    /// - Throws: ``CheckpointStoreError`` with code ``CheckpointStoreError/Code/lockHeld``
    ///   naming the holder, when another app holds it.
    func lockForWriting() throws(CheckpointStoreError) -> any StorageLock

    /// Removes what interrupted writes of processes that no longer run left under `folder`
    /// (never a live writer's, on this machine or another).
    /// - Returns: How many leftovers were removed.
    func removeLeftovers(folder: String) throws(CheckpointStoreError) -> Int
}

extension CheckpointStorage {
    /// The whole object at `key`.
    public func read(_ key: String) throws(CheckpointStoreError) -> [UInt8] {
        try read(key, range: nil)
    }
}

/// Keys are `/`-separated names: their folder and last part, and joining them.
package enum StorageKey {
    /// The folder and the name of `key`; the folder is empty for a bare name, `/` for a root one.
    package static func split(_ key: String) -> (folder: String, name: String) {
        guard let slash = key.lastIndex(of: "/") else { return ("", key) }
        let folder = String(key[..<slash])
        return (folder.isEmpty ? "/" : folder, String(key[key.index(after: slash)...]))
    }

    /// `folder/name`, or `name` alone when `folder` is empty.
    package static func join(_ folder: String, _ name: String) -> String {
        folder.isEmpty ? name : folder.hasSuffix("/") ? folder + name : "\(folder)/\(name)"
    }
}

/// An object found by ``CheckpointStorage/list(folder:)``.
public struct StorageEntry: Sendable, Hashable {
    /// The object's key, with its folder: `checkpoints/lightningapp_checkpoint_1665501626.lsnap`.
    public let key: String
    /// The object's size in bytes.
    public let size: Int

    /// An entry of `size` bytes at `key`.
    public init(key: String, size: Int) {
        self.key = key
        self.size = size
    }

    /// The last part of the key: the file name.
    public var name: Substring { key.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(key) }
}

/// A held writer lock; ``release()`` gives it up (so does the holder's exit or death).
public protocol StorageLock: AnyObject, Sendable {
    /// Gives up the lock; calling it again does nothing.
    func release()
}

/// Who holds a writer lock: written into the lock so that a refused app can name the holder.
package struct WriterIdentity: Sendable, Hashable, CustomStringConvertible {
    package let host: String
    package let pid: Int32

    package init(host: String, pid: Int32) {
        self.host = host
        self.pid = pid
    }

    package static let current = WriterIdentity(host: FileIO.hostName(), pid: FileIO.processID())

    package var description: String { "process \(pid) on host \(host)" }
}
