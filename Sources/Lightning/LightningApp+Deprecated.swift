import LightningStore

/// What the app kept before ``LightningApp/statistics`` bounded it, and the save that bypassed
/// the loop; kept so that code written against them says what to use instead.
extension LightningApp {
    /// The newest checkpoint files of the last run (at most ``CheckpointStatistics/recentCheckpointLimit``).
    @available(*, deprecated, renamed: "statistics.recentCheckpoints", message: "a bounded window now: statistics.recentCheckpoints, with totals in statistics")
    public var savedCheckpoints: [CheckpointInfo] { statistics.recentCheckpoints }

    /// The newest pauses of the last run, in seconds.
    @available(*, deprecated, renamed: "statistics.pauses.recentSeconds", message: "a bounded window now: statistics.pauses.recentSeconds, with count, total and maximum beside it")
    public var checkpointPauses: [Double] { statistics.pauses.recentSeconds }

    /// The newest waits for room in the writer's queue, in seconds.
    @available(*, deprecated, renamed: "statistics.queueWaits.recentSeconds", message: "a bounded window now: statistics.queueWaits.recentSeconds")
    public var checkpointQueueWaits: [Double] { statistics.queueWaits.recentSeconds }

    /// The newest failed saves of the last run.
    @available(*, deprecated, renamed: "statistics.recentErrors", message: "a bounded window now: statistics.recentErrors, with statistics.failedSaves")
    public var checkpointErrors: [CheckpointStoreError] { statistics.recentErrors }

    /// Saved the whole state at once, outside the loop's change tracking, which lost the next
    /// delta's changes.
    @available(*, unavailable, message: "ask the app's control instead: control.requestCheckpoint(), or `try await control.checkpoint()` for the name once durable; the loop takes it at its next iteration boundary")
    public func save(to store: CheckpointStore) throws -> [CheckpointInfo] {
        fatalError("unavailable")
    }
}
