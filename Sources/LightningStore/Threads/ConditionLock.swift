#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A lock and a condition variable on it, whose waits end at a deadline: what a thread of the app's
/// own (``OwnedThread``) sleeps on until another thread has news for it.
///
/// The state it guards is the owner's, read and written only between ``lock()`` and ``unlock()``
/// (or in ``withLock(_:)``); a wait releases the lock while it sleeps and holds it again when it
/// returns. As with any condition variable, a wait may also end without a signal: callers wait in a
/// loop on their own condition.
package final class ConditionLock: @unchecked Sendable {
    // reason: @unchecked: the mutex and the condition are used only through pthread calls, which
    // are safe from any thread; they live in allocations of their own so that their addresses never move.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init")
        #if canImport(Darwin)
        precondition(pthread_cond_init(condition, nil) == 0, "pthread_cond_init")
        #else
        // Deadlines on the monotonic clock, so that a change of the wall clock moves no wait.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // A condition on the wall clock would end every wait at once (its deadlines are monotonic).
        precondition(pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC) == 0, "pthread_condattr_setclock")
        precondition(pthread_cond_init(condition, &attributes) == 0, "pthread_cond_init")
        pthread_condattr_destroy(&attributes)
        #endif
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    package func lock() {
        pthread_mutex_lock(mutex)
    }

    package func unlock() {
        pthread_mutex_unlock(mutex)
    }

    /// Runs `body` holding the lock.
    package func withLock<Result, E: Error>(_ body: () throws(E) -> Result) throws(E) -> Result {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Wakes one thread waiting on the condition. Call it holding the lock.
    package func signal() {
        pthread_cond_signal(condition)
    }

    /// Wakes every thread waiting on the condition. Call it holding the lock.
    package func broadcast() {
        pthread_cond_broadcast(condition)
    }

    /// Sleeps until signalled (or woken spuriously). Call it holding the lock.
    package func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Sleeps until signalled (or woken spuriously) or until `deadline`, whichever comes first;
    /// returns at once when the deadline has passed. Call it holding the lock.
    ///
    /// The time left is measured on `ContinuousClock` (on Linux, a clock that runs on while the
    /// machine is suspended) and slept on the monotonic clock (which does not): a wait the machine
    /// was suspended through ends that much later. Callers that check the deadline again on waking
    /// — every wait on this lock does — see it passed.
    package func wait(until deadline: ContinuousClock.Instant) {
        let left = deadline - .now
        guard left > .zero else { return }
        #if canImport(Darwin)
        var relative = Self.interval(left)
        pthread_cond_timedwait_relative_np(condition, mutex, &relative)
        #else
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let offset = Self.interval(left)
        var end = timespec(tv_sec: now.tv_sec + offset.tv_sec, tv_nsec: now.tv_nsec + offset.tv_nsec)
        if end.tv_nsec >= 1_000_000_000 {
            end.tv_sec += 1
            end.tv_nsec -= 1_000_000_000
        }
        pthread_cond_timedwait(condition, mutex, &end)
        #endif
    }

    /// A positive duration as a `timespec`, at most 2^30 seconds (34 years).
    private static func interval(_ duration: Duration) -> timespec {
        let (seconds, attoseconds) = duration.components
        let capped = min(seconds, 1 << 30)
        return timespec(tv_sec: Int(capped), tv_nsec: capped < seconds ? 0 : Int(attoseconds / 1_000_000_000))
    }
}
