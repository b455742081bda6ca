import Foundation
import LightningStore

/// A storage that fails chosen calls of a real local storage, as SQLite's I/O-error tests fail the
/// Nth call of their VFS: the fault is an error with an `errno`, raised before the real operation
/// (nothing happened) or after it (it happened, but the caller is told it failed).
public final class FaultyStorage: CheckpointStorage, @unchecked Sendable {
    // reason: `counts` and `fired` are read and written only under `lock`.

    /// The storage operations a fault can hit.
    public enum Operation: String, CaseIterable, Sendable {
        case list, read, create, replace, remove, lock, leftovers
    }

    /// Which calls fail, and how.
    public struct Fault: Sendable, CustomStringConvertible {
        public var operation: Operation
        /// The first call that fails, counting from 1.
        public var call: Int
        /// How many calls fail from there (`Int.max`: every later one).
        public var count: Int
        /// The error number, e.g. `ENOSPC` or `EIO`.
        public var errno: Int32
        /// Whether the real operation runs before the error is raised.
        public var afterEffect: Bool

        public init(_ operation: Operation, call: Int, count: Int = 1, errno: Int32 = ENOSPC, afterEffect: Bool = false) {
            self.operation = operation
            self.call = call
            self.count = count
            self.errno = errno
            self.afterEffect = afterEffect
        }

        public var description: String {
            "\(operation) call \(call)\(count == .max ? " and every later one" : count > 1 ? " and \(count - 1) after it" : "")"
                + " fails with errno \(errno)\(afterEffect ? " after taking effect" : "")"
        }
    }

    public let base: LocalStorage
    public let fault: Fault?
    private let lock = NSLock()
    private var counts: [Operation: Int] = [:]
    private var fired = 0

    /// Runs before every `create`, with its key: a test can hold a save there (a slow disk).
    public let beforeCreate: (@Sendable (String) -> Void)?

    public init(root: String, fault: Fault?, beforeCreate: (@Sendable (String) -> Void)? = nil) {
        base = LocalStorage(root: root)
        self.fault = fault
        self.beforeCreate = beforeCreate
    }

    /// How many calls of `operation` were made.
    public func calls(of operation: Operation) -> Int { lock.withLock { counts[operation, default: 0] } }
    /// How many calls failed because of the fault.
    public var faultsRaised: Int { lock.withLock { fired } }

    /// Counts the call and tells whether it fails.
    private func failing(_ operation: Operation) -> Fault? {
        lock.withLock {
            counts[operation, default: 0] += 1
            guard let fault, fault.operation == operation else { return nil }
            let index = counts[operation]!
            guard index >= fault.call, index - fault.call < fault.count else { return nil }
            fired += 1
            return fault
        }
    }

    private func perform<T>(_ operation: Operation, _ key: String, _ body: () throws(CheckpointStoreError) -> T) throws(CheckpointStoreError) -> T {
        guard let fault = failing(operation) else { return try body() }
        if fault.afterEffect { _ = try body() }
        throw .system("\(operation)", path: base.location(of: key), errno: fault.errno)
    }

    public var description: String { base.description }
    public func location(of key: String) -> String { base.location(of: key) }

    public func list(folder: String) throws(CheckpointStoreError) -> [StorageEntry] {
        try perform(.list, folder) { () throws(CheckpointStoreError) in try base.list(folder: folder) }
    }

    public func read(_ key: String, range: Range<Int>?) throws(CheckpointStoreError) -> [UInt8] {
        try perform(.read, key) { () throws(CheckpointStoreError) in try base.read(key, range: range) }
    }

    public func create(_ key: String, chunks: [[UInt8]]) throws(CheckpointStoreError) -> Bool {
        beforeCreate?(key)
        return try perform(.create, key) { () throws(CheckpointStoreError) in try base.create(key, chunks: chunks) }
    }

    public func replace(_ key: String, chunks: [[UInt8]]) throws(CheckpointStoreError) {
        try perform(.replace, key) { () throws(CheckpointStoreError) in try base.replace(key, chunks: chunks) }
    }

    public func remove(_ key: String) throws(CheckpointStoreError) {
        try perform(.remove, key) { () throws(CheckpointStoreError) in try base.remove(key) }
    }

    public func lockForWriting() throws(CheckpointStoreError) -> any StorageLock {
        try perform(.lock, ".writer.lock") { () throws(CheckpointStoreError) in try base.lockForWriting() }
    }

    public func removeLeftovers(folder: String) throws(CheckpointStoreError) -> Int {
        try perform(.leftovers, folder) { () throws(CheckpointStoreError) in try base.removeLeftovers(folder: folder) }
    }
}
