import LightningStore
import LightningState

/// A parallel work's side of the loop: its call on a thread of its own, its publications, its stop.
extension LightningWork {
    /// Asks the running call to stop (Lightning's `stop()`): its next ``publish(_:)`` publishes
    /// and then throws, ``isStopRequested`` turns true, and once ``run()`` returns or throws the
    /// call is recorded `stopped` (reason `pending`). The work's thread is never interrupted.
    /// Does nothing when no call runs.
    public final func stop() {
        parallelRun?.requestStop(reason: "pending")
    }

    /// On the work's thread: whether the loop asked the running call to stop (the work's
    /// ``stop()``, or the app stopping). `false` elsewhere.
    public final var isStopRequested: Bool {
        guard let run = parallelRun, run.isCurrentThread else { return false }
        return run.isStopRequested
    }

    /// Publishes the vars `updates` writes as one change: the flow, and every checkpoint, sees all
    /// of them or none.
    ///
    /// On a parallel work's thread a plain `@Var` write is published on its own, at once; writes
    /// inside `publish` wait for its end (blocks nest: the outermost one publishes). After
    /// publishing, it throws ``LightningError/Code/workStopped`` when the call was asked to stop,
    /// so that a `run()` that publishes its progress ends there with it saved. Elsewhere (the loop,
    /// a work that is not parallel) it runs `updates`.
    /// - Throws: What `updates` throws (nothing it wrote is published then), or `workStopped`.
    public final func publish(_ updates: () throws -> Void) throws {
        guard let run = parallelRun, run.isCurrentThread else { return try updates() }
        try run.publishing(updates)
    }

    /// Starts a parallel call: statuses `pending` and `running`, the run on a thread of its own.
    func start(hash: StateString, at time: Double, in works: ParallelWorks) {
        calls["latest_call_hash"] = .string(hash)
        calls[hash] = ["statuses": [WorkStatus.record(.pending, at: time), WorkStatus.record(.running, at: time)]]
        markChanged()
        let run = ParallelRun(workName: name, vars: stateVars, wakeup: works.wakeup)
        parallelRun = run
        works.started(self)
        let work = WorkHandOver(self)
        // Named by the end of the work's name, which tells works apart in `top -H` (Linux keeps 15 bytes).
        OwnedThread.start(name: "w \(name.suffix(13))", stackSize: OwnedThread.deepStack) { run.execute(work.work) }
    }

    /// Applies what the running call published, and records its end (on the loop's thread, at an
    /// iteration boundary).
    final func applyParallelNews() throws(LightningError) {
        guard let run = parallelRun, let news = run.takeNews() else { return }
        if let outcome = news.outcome {
            parallelRun = nil
            recordEnd(outcome)
        }
        try applyPublished(news.vars.elements)
    }

    /// Appends the status a parallel call ended with to the latest call's statuses.
    private func recordEnd(_ outcome: ParallelRun.Outcome) {
        guard case .string(let hash)? = calls["latest_call_hash"] else { return }
        let time = Self.now()
        var statuses = calls[hash]?["statuses"]?.arrayValue ?? []
        switch outcome {
        case .succeeded:
            calls[hash] = Self.succeeded(at: time)
        case .failed(let message):
            statuses.append(WorkStatus.record(.failed, at: time, message: message, reason: "user_exception"))
            calls[hash] = ["statuses": .array(statuses)]
        case .stopped(let reason):
            statuses.append(WorkStatus.record(.stopped, at: time, reason: reason))
            calls[hash] = ["statuses": .array(statuses)]
        }
        markChanged()
    }
}

/// Hands a parallel work to its thread.
///
// reason: the work belongs to the loop's thread, and its thread calls only `run()` on it, whose
// contract (see `run()` and the "Parallel works" article) is to touch the work's `@Var`
// properties — routed to the run's own copy (`ParallelRun`) —, its `let` properties, `publish` and
// `isStopRequested`, which read only the run. The framework's other fields of the work (its name,
// calls, marks and links) are the loop thread's: `run()` reading them (its `name`, `callStatus`)
// would race with the loop, and debug builds trap on `callStatus` there.
private final class WorkHandOver: @unchecked Sendable {
    let work: LightningWork
    init(_ work: LightningWork) { self.work = work }
}
