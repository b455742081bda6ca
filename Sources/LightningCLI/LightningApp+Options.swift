import ArgumentParser
import Lightning
import LightningStore

extension LightningApp {
    /// Runs the app as its command line asks (`--checkpoint` or `--resume`, `--storage`, including
    /// `s3://` addresses, the policy flags, `--stop-timeout` and `--non-strict`), stopping
    /// gracefully on SIGTERM and SIGINT and checkpointing on SIGUSR1; a failure is printed as one
    /// line on standard error (a flow's or work's own error as `The app failed: <error>`).
    ///
    /// Exit codes, as `ExitCode` thrown: 0 (returns) when the app stopped with its newest state
    /// durable; 1 when it could not start, failed or could not save; 2 when a stop was cut short
    /// (`--stop-timeout` ran out, or a second SIGTERM or SIGINT) before the newest state was
    /// durable. Call ``LightningLogging/bootstrap()`` first for the framework's one-line messages,
    /// or bootstrap your own logging backend.
    /// - Parameters:
    ///   - options: The parsed app options.
    ///   - handlingSignals: Whether to handle SIGTERM, SIGINT and SIGUSR1 as above; pass `false`
    ///     when the program handles signals itself, and call `LightningApp.control` from its handlers.
    public func run(_ options: LightningAppOptions, handlingSignals: Bool = true) throws {
        if let level = options.logLevel { logger.logLevel = level }
        // The flags given override what the code set; the others leave it.
        checkpointFormats = options.checkpointFormat
        if let every = options.checkpointEvery { policy.everyIterations = every }
        if let interval = options.checkpointInterval { policy.everySeconds = interval }
        if let keepLast = options.keepLast { policy.keepLast = keepLast }
        if let keepEvery = options.keepEvery { policy.keepEvery = keepEvery }
        if let stopTimeout = options.stopTimeout { policy.stopTimeout = stopTimeout }
        if let chain = options.maxDeltaChain { policy.maxDeltaChain = chain }
        if let whenBehind = options.whenBehind { policy.whenBehind = whenBehind }
        let signals = handlingSignals ? StopSignals(control: control, stopTimeout: policy.stopTimeout) : nil
        defer { signals?.remove() }
        do {
            let store: CheckpointStore
            do {
                store = try StorageAddress.store(explicit: options.storage)
            } catch {
                throw LightningError.store(error)
            }
            try run(from: options.startingPoint, store: store, strict: !options.nonStrict)
        } catch let error as LightningError {
            Console.writeErrorLine(error.description)
            throw error.code == .stopTimedOut ? StopSignals.cutShort : ExitCode.failure
        } catch {
            Console.writeErrorLine("The app failed: \(error)")
            throw ExitCode.failure
        }
    }
}
