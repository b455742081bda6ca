import LightningState

/// Where a work's latest call is, as Lightning records it in the work's `calls`.
///
/// A checkpoint keeps the statuses Lightning writes: `pending` and `running` when a call starts,
/// then `succeeded` (alone, its timestamp whole seconds), `failed` (with the error as `message`
/// and `user_exception` as `reason`) or `stopped` (with the `reason`).
public struct WorkStatus: Sendable, Equatable, CustomStringConvertible {
    /// The stage of a call: Lightning's `WorkStageStatus`, by its name in the checkpoint.
    ///
    /// A struct with a static member per stage, so that a stage Lightning adds reads as itself
    /// (``rawValue``) rather than breaking a caller's `switch`.
    public struct Stage: Hashable, Sendable, CustomStringConvertible {
        /// The stage's name in the checkpoint: `running`.
        public let rawValue: String
        public var description: String { rawValue }

        /// A stage named `rawValue`.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// No call was made yet (no status is recorded then).
        public static let notStarted = Stage(rawValue: "not_started")
        /// Lightning's stage for a work's start action (not written here).
        public static let started = Stage(rawValue: "started")
        /// The call was asked for.
        public static let pending = Stage(rawValue: "pending")
        /// The call is running (or was, when a checkpoint was taken).
        public static let running = Stage(rawValue: "running")
        /// `run()` returned.
        public static let succeeded = Stage(rawValue: "succeeded")
        /// `run()` threw; the status holds the error.
        public static let failed = Stage(rawValue: "failed")
        /// The call was asked to stop and ended.
        public static let stopped = Stage(rawValue: "stopped")
    }

    /// The stage of the latest call; `notStarted` before the first.
    public let stage: Stage
    /// When the call reached this stage (Unix time), if recorded.
    public let timestamp: Double?
    /// The error of a failed call.
    public let message: String?
    /// Why the call failed or stopped: `user_exception`, `pending` (``LightningWork/stop()``),
    /// `sigterm_signal_handler` (the app stopped).
    public let reason: String?

    /// `running`, `failed: <message>`.
    public var description: String {
        message.map { "\(stage.rawValue): \($0)" } ?? stage.rawValue
    }

    static let notStarted = WorkStatus(stage: .notStarted, timestamp: nil, message: nil, reason: nil)

    /// The status of the latest call recorded in `calls`.
    init(latestIn calls: StateObject) {
        guard case .string(let hash)? = calls["latest_call_hash"],
            case .array(let statuses)? = calls[hash]?["statuses"],
            let last = statuses.last,
            let stageName = last["stage"]?.stringValue?.string
        else {
            self = .notStarted
            return
        }
        let timestamp: Double? = switch last["timestamp"] {
        case .int(let seconds)?: Double(seconds)
        case .float(let seconds)?: seconds
        default: nil
        }
        self.init(
            stage: Stage(rawValue: stageName), timestamp: timestamp,
            message: last["message"]?.stringValue?.string, reason: last["reason"]?.stringValue?.string)
    }

    init(stage: Stage, timestamp: Double?, message: String?, reason: String?) {
        self.stage = stage
        self.timestamp = timestamp
        self.message = message
        self.reason = reason
    }

    /// The status object Lightning writes: `stage`, `timestamp`, then `message` and `reason` when set.
    static func record(_ stage: Stage, at time: Double, message: String? = nil, reason: String? = nil) -> StateValue {
        var status: StateObject = ["stage": .string(StateString(stage.rawValue)), "timestamp": .float(time)]
        if let message { status["message"] = .string(StateString(message)) }
        if let reason { status["reason"] = .string(StateString(reason)) }
        return .object(status)
    }
}
