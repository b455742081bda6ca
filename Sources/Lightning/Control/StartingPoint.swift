/// Where a run of an app starts: the code's initial state, a checkpoint, or the newest
/// checkpoint when the storage holds one (a service's first boot and every boot after it).
///
/// ```swift
/// try app.run(from: .newestCheckpointIfAny, store: store)     // --resume
/// try app.run(from: .checkpoint("latest"), store: store)      // --checkpoint latest
/// ```
public struct StartingPoint: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case initialState
        case checkpoint(String)
        case newestIfAny
    }

    let kind: Kind

    /// The state the code creates: no checkpoint is read.
    public static let initialState = StartingPoint(kind: .initialState)

    /// The newest checkpoint in the storage, or the code's initial state when it holds none; the
    /// app logs which (`resumed from …` or `no checkpoint in …: starting from the initial state`).
    /// A damaged newest checkpoint is an error, as with `latest`: it is never passed over silently.
    public static let newestCheckpointIfAny = StartingPoint(kind: .newestIfAny)

    /// A checkpoint as `--checkpoint` takes it: a file path, a checkpoint name in the storage,
    /// `latest` (which fails when there is none), or `latest-valid` (the newest that loads).
    public static func checkpoint(_ value: String) -> StartingPoint { StartingPoint(kind: .checkpoint(value)) }

    /// `initial state`, `checkpoint latest`, `newest checkpoint if any`.
    public var description: String {
        switch kind {
        case .initialState: "initial state"
        case .checkpoint(let value): "checkpoint \(value)"
        case .newestIfAny: "newest checkpoint if any"
        }
    }
}
