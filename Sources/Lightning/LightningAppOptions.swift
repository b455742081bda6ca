import ArgumentParser
import LightningStore

/// The command-line options every app built on the framework accepts. Include them in the app's
/// command with `@OptionGroup var lightning: LightningAppOptions` and pass them to
/// ``LightningApp/run(_:)``.
public struct LightningAppOptions: ParsableArguments {
    /// The checkpoint to start from: a file path, a checkpoint name in the storage, or `latest`.
    @Option(help: ArgumentHelp(
        "Start from a checkpoint: a file path, a checkpoint name in <storage>/checkpoints (with or without .json), or 'latest'.",
        valueName: "checkpoint"))
    public var checkpoint: String?

    /// The shared storage root; checkpoints go to `<storage>/checkpoints`.
    @Option(help: "The shared storage root (default: $STORAGE_ROOT_DIR, else ./.storage).")
    public var storage: String?

    /// Which files a checkpoint writes.
    @Option(help: "Checkpoint files to write: 'binary' (.lsnap, compact and fast), 'json' (the documented JSON), or 'both'.")
    public var checkpointFormat: CheckpointStore.SaveFormats = .binary

    /// Skip checkpoint components and vars that the code does not create, instead of failing.
    @Flag(help: "Skip checkpoint components and vars the code does not create, instead of failing.")
    public var nonStrict = false

    public init() {}

    static let failure = ExitCode.failure
}

extension CheckpointStore.SaveFormats: ExpressibleByArgument {}
