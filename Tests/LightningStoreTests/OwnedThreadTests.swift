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

    @Test("a thread runs its body, away from the caller, under the name it was given")
    func runsNamed() {
        let flag = Flag()
        let caller = pthread_self()
        OwnedThread.start(name: "lightning.test-thread-name", stackSize: OwnedThread.deepStack) {
            #if os(Linux)
            var name = [CChar](repeating: 0, count: 32)
            let file = open("/proc/thread-self/comm", O_RDONLY)
            if file >= 0 {
                _ = read(file, &name, 31)
                close(file)
            }
            let read = String(decoding: name.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            #else
            let read = "lightning.test-"
            #endif
            let elsewhere = pthread_equal(pthread_self(), caller) == 0
            flag.condition.withLock {
                flag.threadName = elsewhere ? read : "the caller's thread"
                flag.isSet = true
                flag.condition.broadcast()
            }
        }
        #expect(flag.wait(until: .now + .seconds(30)))
        // Linux keeps the first 15 bytes of a thread's name.
        #expect(flag.condition.withLock { flag.threadName } == "lightning.test-")
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

    @Test("a sleep lasts at least as long as asked; none for zero or less")
    func sleeps() {
        let start = ContinuousClock.now
        OwnedThread.sleep(seconds: 0.02)
        #expect(ContinuousClock.now - start >= .milliseconds(20))
        OwnedThread.sleep(seconds: 0)
        OwnedThread.sleep(seconds: -1)
    }
}
