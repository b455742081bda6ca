import Lightning
import LightningStore
import ServiceLifecycle

/// Runs a `LightningApp` as a swift-service-lifecycle `Service`, so that a server
/// (Hummingbird, Vapor, gRPC) runs it in its `ServiceGroup` beside its other services.
///
/// The group's graceful shutdown (SIGTERM, say, in `gracefulShutdownSignals`) stops the app
/// gracefully: the iteration in progress finishes, a final checkpoint is taken, the saves are
/// waited for, and ``run()`` returns. Cancelling the service's task does the same. Signals and
/// deadlines belong to the group: give it a `maximumGracefulShutdownDuration` no shorter than
/// the app's `CheckpointPolicy.stopTimeout`.
///
/// The app is made by `makeApp` when the service runs, and runs on a thread of its own: its
/// components belong to that thread. Other services talk to it through ``control``, which exists
/// before the app does:
///
/// ```swift
/// let service = LightningAppService(store: CheckpointStore(storageRoot: "/shared/trainer")) {
///     LightningApp(root: Root(), name: "trainer")
/// }
/// let routes = Routes(control: service.control)     // e.g. POST /checkpoint → control.checkpoint()
/// let group = ServiceGroup(services: [service, server], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public struct LightningAppService: Service {
    /// The handle that reaches the app from other services, tasks and threads; the app made by
    /// `makeApp` is given it.
    public let control: LightningAppControl
    private let store: CheckpointStore
    private let start: StartingPoint
    private let strict: Bool
    private let makeApp: @Sendable () throws -> LightningApp
    private let stopped: @Sendable (LightningApp) throws -> Void

    /// Creates the service; nothing runs until ``run()``.
    /// - Parameters:
    ///   - store: Where the app's checkpoints go.
    ///   - start: Where each run starts; by default the newest checkpoint when there is one, else
    ///     the initial state, so that the first boot and every later one use the same service.
    ///   - strict: Whether a checkpoint holding components or vars the code does not create fails.
    ///   - control: The control to give the app; by default a new one.
    ///   - makeApp: Makes the app (its root flow, name, policy and formats) when the service runs.
    ///   - stopped: Called with the app once its run returned normally (to report its final state).
    public init(
        store: CheckpointStore, from start: StartingPoint = .newestCheckpointIfAny, strict: Bool = true,
        control: LightningAppControl = LightningAppControl(),
        makeApp: @escaping @Sendable () throws -> LightningApp,
        stopped: @escaping @Sendable (LightningApp) throws -> Void = { _ in }
    ) {
        self.control = control
        self.store = store
        self.start = start
        self.strict = strict
        self.makeApp = makeApp
        self.stopped = stopped
    }

    /// Makes the app and runs it until it stops: on its own (a flow called `stop()`), on the
    /// group's graceful shutdown, or when the task is cancelled.
    /// - Throws: What `LightningApp.run(from:store:strict:)` throws.
    public func run() async throws {
        let app = try makeApp()
        app.control = control
        let control = self.control
        try await withGracefulShutdownHandler {
            try await app.run(from: start, store: store, strict: strict)
        } onGracefulShutdown: {
            control.requestStop()
        }
        try stopped(app)
    }
}
