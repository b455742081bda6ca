#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parallel works an app's loop started and has not yet seen end, owned by the thread that
/// runs the app's loop; one per app, so that a call still running when a run ended (its stop's
/// wait ran out) is taken up again by the app's next run.
///
/// ``LightningWork/call()`` finds it through the thread it runs on (the loop's), so that a work
/// needs no link to its app; a work called outside an app's loop runs inline.
final class ParallelWorks {
    /// What the loop sleeps on; a call's end and the app's control signal it.
    let wakeup = LoopWakeup()
    /// The works whose calls are in flight, in the order they started.
    private(set) var running: [LightningWork] = []

    /// Whether a parallel work's call is in flight.
    var isEmpty: Bool { running.isEmpty }

    func started(_ work: LightningWork) {
        running.append(work)
    }

    /// Applies what the running works published since the last boundary, and records the calls
    /// that ended.
    func applyNews() throws(LightningError) {
        guard !running.isEmpty else { return }
        var ended = false
        for work in running {
            try work.applyParallelNews()
            ended = ended || work.parallelRun == nil
        }
        if ended { running.removeAll { $0.parallelRun == nil } }
    }

    /// Asks every running work to stop (``LightningWork/stop()``, with `reason`).
    func requestStop(reason: String) {
        for work in running { work.parallelRun?.requestStop(reason: reason) }
    }

    /// Applies news until every call ended or the deadline passed, asking `deadline` again at
    /// every wake (a second stop request brings it forward); returns whether all ended.
    func waitUntilEnded(deadline: () -> ContinuousClock.Instant) throws(LightningError) -> Bool {
        try applyNews()
        while !running.isEmpty, deadline() > .now {
            wakeup.wait(until: deadline())
            try applyNews()
        }
        return running.isEmpty
    }

    // MARK: - The loop's thread

    /// The works of the loop running on the calling thread, if one is.
    static var current: ParallelWorks? {
        guard let pointer = pthread_getspecific(threadKey) else { return nil }
        return Unmanaged<ParallelWorks>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Runs `body` with `works` as the calling thread's, then restores the previous ones.
    func whileCurrent<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(Self.threadKey)
        pthread_setspecific(Self.threadKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.threadKey, previous) }
        return try withExtendedLifetime(self) { try body() }
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()
}
