import Logging

/// A swift-log handler for command-line tools and apps: each message is one line on standard
/// error, as the tools have always printed them; at `debug` and `trace` the metadata follows as
/// `key=value` pairs, sorted by key.
public struct OneLineLogHandler: LogHandler {
    /// The least severe level written.
    public var logLevel: Logger.Level
    /// Metadata written with every message (at `debug` and `trace`).
    public var metadata: Logger.Metadata = [:]
    private let write: @Sendable (String) -> Void

    /// Creates a handler that writes lines of `logLevel` and above to standard error.
    public init(logLevel: Logger.Level = .notice) {
        self.init(logLevel: logLevel, write: { Console.writeErrorLine($0) })
    }

    /// Creates a handler that hands each line to `write` (for tests).
    package init(logLevel: Logger.Level, write: @escaping @Sendable (String) -> Void) {
        self.logLevel = logLevel
        self.write = write
    }

    /// One key of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event's message as one line, with the metadata at `debug` and `trace`.
    public func log(event: LogEvent) {
        guard logLevel <= .debug else { return write("\(event.message)") }
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let pairs = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        write("\(event.message)\(pairs)")
    }
}

/// Sets up swift-log for a command-line program built on the framework.
public enum LightningLogging {
    /// The level of the one-line handler when `LIGHTNING_LOG_LEVEL` does not name one: `notice`,
    /// so that a resume, clean-ups, warnings and errors are printed, but not every save.
    public static let defaultLevel = Logger.Level.notice

    /// Bootstraps `LoggingSystem` with ``OneLineLogHandler`` at the level that
    /// `LIGHTNING_LOG_LEVEL` names (`trace` … `critical`), else ``defaultLevel``. Call it once, at
    /// the start of `main`; later calls do nothing. A program with its own logging backend
    /// bootstraps that instead, and the framework logs through it.
    public static func bootstrap() {
        _ = bootstrapped
    }

    private static let bootstrapped: Void = {
        let chosen = level(named: StorageAddress.processEnvironment["LIGHTNING_LOG_LEVEL"]) ?? defaultLevel
        LoggingSystem.bootstrap { _ in OneLineLogHandler(logLevel: chosen) }
    }()

    /// The level a name stands for, in any case; `nil` for none.
    package static func level(named name: String?) -> Logger.Level? {
        name.flatMap { Logger.Level(rawValue: $0.lowercased()) }
    }
}
