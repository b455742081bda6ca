import Synchronization

/// A value behind a `Synchronization.Mutex`, readable and writable only inside ``withLock(_:)``,
/// whose locking the thread sanitizer sees.
///
/// `Mutex` locks with atomics and futexes in code the sanitizer does not instrument, so a run under
/// `swift test --sanitize=thread` would report every access under it as a race. This box tells the
/// sanitizer, when one is loaded, that each critical section acquires and releases it (see
/// ``ThreadSanitizer``); otherwise it is the `Mutex` alone.
final class LockedValue<Value>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with the value, holding the lock.
    func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            let address = Unmanaged.passUnretained(self).toOpaque()
            ThreadSanitizer.acquire(address)
            defer { ThreadSanitizer.release(address) }
            return try body(&value)
        }
    }
}
