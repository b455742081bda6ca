import ArgumentParser
import Lightning
import LightningStore

extension LightningApp {
    /// Runs the app as its command line asks (`--checkpoint`, `--storage`, including `s3://`
    /// addresses, the policy flags and `--non-strict`); a failure is printed as one line on
    /// standard error (a flow's or work's own error as `The app failed: <error>`) and becomes
    /// `ExitCode.failure`. Call ``LightningLogging/bootstrap()`` first for the framework's
    /// one-line messages, or bootstrap your own logging backend.
    public func run(_ options: LightningAppOptions) throws {
        if let level = options.logLevel { logger.logLevel = level }
        do {
            checkpointFormats = options.checkpointFormat
            policy.everyIterations = options.checkpointEvery
            policy.everySeconds = options.checkpointInterval
            policy.keepLast = options.keepLast
            if let chain = options.maxDeltaChain { policy.maxDeltaChain = chain }
            if let whenBehind = options.whenBehind { policy.whenBehind = whenBehind }
            let store: CheckpointStore
            do {
                store = try StorageAddress.store(explicit: options.storage)
            } catch {
                throw LightningError.store(error)
            }
            try run(checkpoint: options.checkpoint, store: store, strict: !options.nonStrict)
        } catch let error as LightningError {
            Console.writeErrorLine(error.description)
            throw ExitCode.failure
        } catch {
            Console.writeErrorLine("The app failed: \(error)")
            throw ExitCode.failure
        }
    }
}
