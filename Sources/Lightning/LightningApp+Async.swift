import LightningStore

extension LightningApp {
    /// Runs the app like ``run(from:store:strict:)-4p8hm``, on a thread of its own, and returns when it
    /// ends: for apps embedded in services (Hummingbird, Vapor, gRPC, a swift-service-lifecycle
    /// `ServiceGroup`).
    ///
    /// The loop blocks and does blocking I/O, so it never runs on Swift's cooperative thread pool.
    /// While it runs, the app and its components belong to that thread: the calling task is
    /// suspended, and other tasks talk to the app through ``control``. Cancelling the calling task
    /// stops the app gracefully, as ``LightningAppControl/requestStop(timeout:)`` does (final
    /// checkpoint, saves finished); cancelling it while a stop is already under way (a service
    /// group's graceful shutdown that ran out of time) ends the stop's wait, as
    /// ``LightningAppControl/stopNow()`` does.
    ///
    /// ```swift
    /// let app = LightningApp(root: Root(), name: "trainer")
    /// let control = app.control
    /// try await app.run(from: .newestCheckpointIfAny, store: CheckpointStore(storageRoot: "/shared/trainer"))
    /// ```
    /// - Throws: As ``run(from:store:strict:)-4p8hm``.
    public func run(from start: StartingPoint, store: CheckpointStore, strict: Bool = true) async throws {
        let control = self.control
        let app = LoopThreadHandOver(self)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                OwnedThread.start(name: "app-loop", stackSize: OwnedThread.deepStack) {
                    do {
                        try app.take().run(from: start, store: store, strict: strict)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancel: {
            // A stop already under way (a service group's graceful shutdown) that is now cancelled
            // has run out of time: end its wait.
            if control.isStopRequested { control.stopNow() } else { control.requestStop() }
        }
    }
}

/// Hands the app to the loop's thread.
///
// reason: the app is not Sendable, and is handed over exactly once: the task that calls the async
// `run` stays suspended until the loop's thread is done with it, and the compiler's region checks
// keep any other task from holding it meanwhile (a caller on an actor cannot pass actor-isolated
// state to the nonisolated `run`).
private final class LoopThreadHandOver: @unchecked Sendable {
    private var app: LightningApp?

    init(_ app: LightningApp) { self.app = app }

    func take() -> LightningApp {
        defer { app = nil }
        return app!
    }
}
