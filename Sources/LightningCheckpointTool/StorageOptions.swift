import ArgumentParser
import LightningCLI
import LightningState
import LightningStore

/// The `--storage` option and checkpoint resolution shared by the subcommands.
struct StorageOptions: ParsableArguments {
    @Option(help: "The shared storage: a folder, or s3://BUCKET[/PREFIX] (default: $STORAGE_ROOT_DIR, else ./.storage).")
    var storage: String?

    /// The store the options name; a malformed address or missing S3 credentials is one line and exit 1.
    func store() throws -> CheckpointStore {
        try reportingFailures { () throws(CheckpointStoreError) in try StorageAddress.store(explicit: storage) }
    }

    /// Resolves and reads a checkpoint, turning every failure into a one-line error and exit 1;
    /// for `latest-valid`, each damaged checkpoint passed over is reported on standard error.
    func load(_ value: String, validate: Bool = true) throws -> (location: CheckpointLocation, state: StateValue) {
        let store = try store()
        let loaded = try reportingFailures { () throws(CheckpointStoreError) in try store.loadCheckpoint(value, validate: validate) }
        for damaged in loaded.skipped { printError("skipped a damaged checkpoint: \(damaged)") }
        return (loaded.location, loaded.state)
    }
}

/// Runs `body`; a ``CheckpointStoreError`` becomes one line on standard error and exit code 1.
func reportingFailures<T>(_ body: () throws(CheckpointStoreError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError(error.description)
        throw ExitCode.failure
    }
}
