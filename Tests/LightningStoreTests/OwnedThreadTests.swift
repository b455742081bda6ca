import LightningStore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("The app's own threads, and the condition they sleep on")
struct OwnedThreadTests {
    /// A flag set by another thread, and the lock and condition it is read under.
    final class Flag: @unchecked Sendable {
        // reason: `isSet` and `threadName` are read and written only with `condition` locked.
        let condition = ConditionLock()
        var isSet = false
        var threadName = ""

        /// Waits until the flag is set or `deadline`; returns whether it was set.
        func wait(until deadline: ContinuousClock.Instant) -> Bool {
            condition.withLock {
                while !isSet && ContinuousClock.now < deadline { condition.wait(until: deadline) }
                return isSet
            }
        }
    }

    @Test("a thread runs its body, away from the caller, under the name it was given (its first 15 bytes)",
          arguments: [("ckpt-writer", "ckpt-writer"), ("lightning.test-thread-name", "lightning.test-")])
    func runsNamed(name: String, kept: String) {
        let flag = Flag()
        let caller = pthread_self()
        OwnedThread.start(name: name, stackSize: OwnedThread.deepStack) {
            var bytes = [CChar](repeating: 0, count: 64)
            #if os(Linux)
            let file = open("/proc/thread-self/comm", O_RDONLY)
            if file >= 0 {
                _ = read(file, &bytes, 63)
                close(file)
            }
            #else
            _ = pthread_getname_np(pthread_self(), &bytes, bytes.count)
            #endif
            let read = String(decoding: bytes.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let elsewhere = pthread_equal(pthread_self(), caller) == 0
            flag.condition.withLock {
                flag.threadName = elsewhere ? read : "the caller's thread"
                flag.isSet = true
                flag.condition.broadcast()
            }
        }
        #expect(flag.wait(until: .now + .seconds(30)))
        #if os(Linux)
        #expect(flag.condition.withLock { flag.threadName } == kept)
        #else
        #expect(flag.condition.withLock { flag.threadName }.hasPrefix(kept))
        #endif
    }

    @Test("a signal ends a wait long before its deadline")
    func signalWakes() {
        let flag = Flag()
        let started = ContinuousClock.now
        OwnedThread.start(name: "lightning.test") {
            OwnedThread.sleep(seconds: 0.01)
            flag.condition.withLock {
                flag.isSet = true
                flag.condition.signal()
            }
        }
        #expect(flag.wait(until: .now + .seconds(60)))
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("with no signal, a wait ends at its deadline; a deadline passed ends it at once")
    func deadlineEnds() {
        let flag = Flag()
        let deadline = ContinuousClock.now + .milliseconds(50)
        #expect(!flag.wait(until: deadline))
        #expect(ContinuousClock.now >= deadline)
        let before = ContinuousClock.now
        flag.condition.withLock { flag.condition.wait(until: before - .seconds(1)) }
        #expect(ContinuousClock.now - before < .seconds(30))
    }

    @Test("one wait with no signal sleeps until its deadline, not less (a condition on the wrong clock would return at once)")
    func oneWaitSleeps() {
        let condition = ConditionLock()
        let deadline = ContinuousClock.now + .milliseconds(50)
        // Waits counted to the deadline: one, or a few should the system wake it spuriously;
        // thousands if each returned at once.
        var waits = 0
        condition.withLock {
            while ContinuousClock.now < deadline {
                condition.wait(until: deadline)
                waits += 1
            }
        }
        #expect((1...5).contains(waits))
    }

    @Test("a sleep lasts at least as long as asked; none for zero or less")
    func sleeps() {
        let start = ContinuousClock.now
        OwnedThread.sleep(seconds: 0.02)
        #expect(ContinuousClock.now - start >= .milliseconds(20))
        OwnedThread.sleep(seconds: 0)
        OwnedThread.sleep(seconds: -1)
    }
}
