import Foundation

/// A value shared between threads in a test, read and written under a lock.
public final class LockedBox<Value>: @unchecked Sendable {
    // reason: `stored` is read and written only under `lock`.
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) { stored = value }

    /// The value now.
    public var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    /// Changes the value in place, under the lock.
    public func mutate<T>(_ body: (inout Value) -> T) -> T {
        lock.withLock { body(&stored) }
    }
}
