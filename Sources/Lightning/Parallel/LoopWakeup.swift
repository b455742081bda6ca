import LightningStore

/// What the loop sleeps on between iterations while parallel works run: a publication, a finished
/// call or a control request wakes it; otherwise it sleeps until a deadline.
///
/// Signals do not pile up: one signal, however many came while the loop was busy, ends one wait.
final class LoopWakeup: Sendable {
    private let condition = ConditionLock()
    // reason: `signalled` is read and written only with `condition` locked.
    private nonisolated(unsafe) var signalled = false

    /// Wakes the loop, or makes its next wait return at once.
    func signal() {
        condition.lock()
        signalled = true
        condition.signal()
        condition.unlock()
    }

    /// Sleeps until a signal or `deadline`, whichever comes first; returns whether a signal came.
    @discardableResult
    func wait(until deadline: ContinuousClock.Instant) -> Bool {
        condition.lock()
        defer {
            signalled = false
            condition.unlock()
        }
        while !signalled {
            guard deadline > .now else { return false }
            condition.wait(until: deadline)
        }
        return true
    }
}
