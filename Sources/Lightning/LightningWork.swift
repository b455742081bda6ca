import LightningState

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A unit of work in an app: state in `@Var` properties and a ``run()`` that does the work.
///
/// ```swift
/// final class Counter: LightningWork {
///     @Var var counter = 0
///     override func run() throws { counter += 1 }
/// }
/// ```
/// Flows run a work with ``call()``, which records the call in the work's `calls` as Lightning
/// does (`latest_call_hash`, and per call hash its `statuses` and `ret`). Works run in-process, in
/// the app's loop. A work cannot hold other components.
open class LightningWork: LightningComponent {
    /// Creates a work with Lightning's private vars set to local values: host `127.0.0.1`, no
    /// port, no URL, the default `cpu-small` cloud compute.
    public init() {
        super.init(privateVars: Self.localPrivateVars)
    }

    /// What the work does; override it.
    open func run() throws {}

    /// Runs ``run()`` and records the call: on success the call hash's statuses become one
    /// `succeeded` status, on failure `pending`, `running` and `failed` with the error, which is
    /// then rethrown.
    public final func call() throws {
        let hash = StateString(Self.callHash(for: "run"))
        let started = Self.now()
        calls["latest_call_hash"] = .string(hash)
        do {
            try run()
        } catch {
            let failed = Self.now()
            calls[hash] = [
                "statuses": [
                    ["stage": "pending", "timestamp": .float(started)],
                    ["stage": "running", "timestamp": .float(started)],
                    ["stage": "failed", "timestamp": .float(failed), "message": .string(StateString("\(error)")), "reason": "user_exception"],
                ],
            ]
            markChanged()
            throw error
        }
        calls[hash] = ["statuses": [["stage": "succeeded", "timestamp": .int(Int64(Self.now()))]], "ret": .null]
        markChanged()
    }

    /// The work's state: `{"vars": …, "calls": …, "changes": {}}`.
    final func state() throws(LightningError) -> StateValue {
        ["vars": .object(try varsState()), "calls": .object(calls), "changes": [:]]
    }

    /// Applies a checkpointed work state.
    final func setState(_ state: StateValue, strict: Bool) throws(LightningError) {
        guard case .object(let vars)? = state["vars"], case .object(let checkpointCalls)? = state["calls"] else {
            throw .malformed(name, "lacks \"vars\" or \"calls\"")
        }
        try applyVars(vars, strict: strict)
        mergeCalls(checkpointCalls)
    }

    /// A seven-hex-digit hash of a call, in the form of Lightning's call hashes (FNV-1a of the method name).
    static func callHash(for method: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in method.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash >> 36, radix: 16)
        return String(repeating: "0", count: max(0, 7 - hex.count)) + hex
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The private vars Lightning 2.3.2 writes for every work, with local values.
    static let localPrivateVars: StateObject = [
        "_host": "127.0.0.1",
        "_port": .null,
        "_url": "",
        "_future_url": "",
        "_internal_ip": "127.0.0.1",
        "_public_ip": "",
        "_restarting": false,
        "_cloud_compute": [
            "type": "__cloud_compute__", "name": "cpu-small", "disk_size": 0, "idle_timeout": .null, "shm_size": 0,
            "mounts": .null, "colocation_group_id": .null, "interruptible": false, "_internal_id": "default",
        ],
        "_display_name": "",
        "_paths": [:],
    ]
}
