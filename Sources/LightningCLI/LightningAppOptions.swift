import ArgumentParser
import Lightning
import LightningStore
import Logging

/// The command-line options every app built on the framework accepts. Include them in the app's
/// command with `@OptionGroup var lightning: LightningAppOptions` and pass them to
/// `LightningApp.run(_:)`.
public struct LightningAppOptions: ParsableArguments {
    /// The checkpoint to start from: a file path, a checkpoint name in the storage, or `latest`.
    @Option(help: ArgumentHelp(
        "Start from a checkpoint: a file path, a checkpoint name in <storage>/checkpoints (with or without .json or .lsnap), 'latest' (fails when there is none), or 'latest-valid' (the newest that loads, skipping damaged ones).",
        valueName: "checkpoint"))
    public var checkpoint: String?

    /// Start from the newest checkpoint when the storage holds one, else from the initial state.
    @Flag(help: "Start from the newest checkpoint when the storage holds one, else from the app's initial state, saying which (for services, whose command line is the same on the first boot and every later one).")
    public var resume = false

    /// Where the run starts: `--resume`, `--checkpoint`, or the initial state.
    public var startingPoint: StartingPoint {
        if resume { return .newestCheckpointIfAny }
        return checkpoint.map(StartingPoint.checkpoint) ?? .initialState
    }

    /// The shared storage root; checkpoints go to `<storage>/checkpoints`.
    @Option(help: "The shared storage: a folder, or s3://BUCKET[/PREFIX] (default: $STORAGE_ROOT_DIR, else ./.storage).")
    public var storage: String?

    /// Which files a checkpoint writes.
    @Option(help: "Checkpoint files to write: 'binary' (.lsnap, compact and fast), 'json' (the documented JSON), or 'both'.")
    public var checkpointFormat: CheckpointStore.SaveFormats = .binary

    /// Save every this many iterations, besides the app's own `shouldSaveCheckpoint()`.
    @Option(help: "Also save a checkpoint every N iterations.")
    public var checkpointEvery: Int?

    /// Save when this many seconds passed since the last save.
    @Option(help: "Also save a checkpoint when this many seconds have passed since the last one.")
    public var checkpointInterval: Double?

    /// Keep only the newest this many checkpoints.
    @Option(help: "Keep only the newest N checkpoints (and the snapshots their deltas need); default: keep all.")
    public var keepLast: Int?

    /// Also keep the first checkpoint of every such period.
    @Option(help: ArgumentHelp(
        "Also keep the first checkpoint of every period of this many seconds (by the time in its name), beside the newest --keep-last; alone, keep one per period and the newest.",
        valueName: "seconds"))
    public var keepEvery: Double?

    /// How long a stop asked for by SIGTERM or SIGINT may take.
    @Option(help: ArgumentHelp(
        "How long a stop asked for by SIGTERM or SIGINT may take, the iteration in progress included, before the app gives up waiting for its saves and exits 2 naming the newest durable checkpoint (default: the app's policy, 25 unless its code says otherwise).",
        valueName: "seconds"))
    public var stopTimeout: Double?

    /// The longest chain of deltas before a full snapshot.
    @Option(help: "Write a full binary snapshot after this many deltas (default 16; 0: every checkpoint is full).")
    public var maxDeltaChain: Int?

    /// What to do when checkpoints are taken faster than the storage writes them.
    @Option(help: ArgumentHelp(
        "When the storage falls behind: 'wait' (the default: the loop waits, every checkpoint is written) or 'merge' (the loop goes on; waiting checkpoints merge into one file, so some requested checkpoints never exist).",
        valueName: "wait|merge"))
    public var whenBehind: CheckpointPolicy.WhenBehind?

    /// The least severe log messages printed (with ``OneLineLogHandler``, the handler
    /// ``LightningLogging/bootstrap()`` installs): `debug` shows every save with its size and time.
    @Option(help: ArgumentHelp(
        "The least severe messages to log: trace, debug (every save and load, with sizes and times), info (also retries), notice (the default: resumes, clean-ups, warnings, errors), warning, error or critical. Default: $LIGHTNING_LOG_LEVEL, else notice.",
        valueName: "level"))
    public var logLevel: Logger.Level?

    /// Skip checkpoint components and vars that the code does not create, instead of failing.
    @Flag(help: "Skip checkpoint components and vars the code does not create, instead of failing.")
    public var nonStrict = false

    /// Creates the options with their defaults (ArgumentParser fills them from the command line).
    public init() {}

    /// Refuses values no policy can use (`--keep-last 0`), as ArgumentParser errors.
    public mutating func validate() throws {
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1, not \(checkpointEvery)") }
        if let checkpointInterval, !(checkpointInterval > 0) { throw ValidationError("--checkpoint-interval must be above 0, not \(checkpointInterval)") }
        if let keepLast, keepLast < 1 { throw ValidationError("--keep-last must be at least 1, not \(keepLast)") }
        if let keepEvery, !(keepEvery > 0) || !keepEvery.isFinite { throw ValidationError("--keep-every must be a number of seconds above 0, not \(keepEvery)") }
        if let stopTimeout, !(stopTimeout >= 0) || !stopTimeout.isFinite { throw ValidationError("--stop-timeout must be 0 or more seconds, not \(stopTimeout)") }
        if resume, let checkpoint { throw ValidationError("--resume and --checkpoint \(checkpoint) both say where to start: give one") }
        if let maxDeltaChain, maxDeltaChain < 0 { throw ValidationError("--max-delta-chain must be 0 or more, not \(maxDeltaChain)") }
    }
}

extension CheckpointStore.SaveFormats: ExpressibleByArgument {}
extension CheckpointPolicy.WhenBehind: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {
    /// A level from its name, in any case: `debug`, `NOTICE`.
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
