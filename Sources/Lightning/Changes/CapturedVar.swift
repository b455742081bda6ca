import LightningState

/// What the checkpoint writer keeps of one var: its value as of the last checkpoint handed over,
/// to compare the next one with. Read and changed on the writer's thread (the loop's, when it
/// writes itself), one checkpoint at a time, in order; the lock makes that checkable.
final class VarMirror<Value: Sendable>: Sendable {
    private let last = LockedValue<Value?>(nil)

    /// Calls `body` with the value kept (nil before any), which it may change in place.
    func update<Result>(_ body: (inout Value?) -> Result) -> Result {
        last.withLock { kept in body(&kept) }
    }
}

/// A var's value as a checkpoint captured it, handed to the writer: the writer compares it with
/// the value it kept, writes the difference, and brings the kept value up to date.
///
/// A component held in two places is captured in both; both places held the same value at the
/// checkpoint before, so the edits found for the first apply at the second too (see
/// ``CapturedChanges/resolve()``).
protocol CapturedVar: Sendable {
    /// The kept value's identity: one per var.
    var mirrorIdentity: ObjectIdentifier { get }
    /// Appends to `delta` the edits from the value kept to this one, at `path` (the whole value
    /// when none is kept), and keeps this one.
    func appendChanges(at path: [StateString], into delta: inout StateDelta)
    /// Keeps this value, to compare the next checkpoint's with: the checkpoint holds it whole.
    func keep()
    /// The whole value's state.
    var wholeState: StateValue { get }
}

/// A var a capture took whole by reference: a `null` stands in its place at `path` until the
/// writer converts it (``fill(_:)``), so that the loop's pause does not grow with its size.
struct DeferredVar: Sendable {
    let path: [StateString]
    let value: any CapturedVar
    /// Whether the writer keeps the value to compare the next checkpoint's with (deltas follow).
    let keeps: Bool

    /// Sets the converted values at their paths in `state`.
    static func fill(_ deferred: [DeferredVar], in state: inout StateValue) throws(StateDeltaError) {
        guard !deferred.isEmpty else { return }
        try StateDelta(edits: deferred.map { .set(path: $0.path, value: $0.value.wholeState) }).apply(to: &state)
    }
}

/// A value compared in Swift terms on the writer's thread (``StateDiffable``); the writer keeps
/// a copy of its own, changed in place by each difference, so that the app's var and the kept value
/// share no storage once the checkpoint is resolved (a `StateValue` tree aside: an app never
/// changes one in place).
struct DiffedVar<Value: StateDiffable>: CapturedVar {
    let mirror: VarMirror<Value>
    let value: Value

    var mirrorIdentity: ObjectIdentifier { ObjectIdentifier(mirror) }

    func appendChanges(at path: [StateString], into delta: inout StateDelta) {
        mirror.update { kept in
            guard var old = kept else {
                delta.set(path, to: value.stateValue)
                kept = value.ownCopy()
                return
            }
            kept = nil  // so that `old` is the storage's only reference, changed in place
            old.absorb(value, at: path, into: &delta)
            kept = old
        }
    }

    func keep() { mirror.update { $0 = value.ownCopy() } }

    var wholeState: StateValue { value.stateValue }
}

/// A value converted on the loop (a type without ``StateDiffable``), compared as state.
struct ConvertedVar: CapturedVar {
    let mirror: VarMirror<StateValue>
    let state: StateValue

    var mirrorIdentity: ObjectIdentifier { ObjectIdentifier(mirror) }

    func appendChanges(at path: [StateString], into delta: inout StateDelta) {
        mirror.update { kept in
            if let old = kept {
                delta.appendChanges(from: old, to: state, at: path)
            } else {
                delta.set(path, to: state)
            }
            kept = state
        }
    }

    func keep() { mirror.update { $0 = state } }

    var wholeState: StateValue { state }
}

/// How a var of a given type is captured, chosen at its first capture.
enum VarCapturer<Value: StateConvertible> {
    /// Set whole: a scalar.
    case whole
    /// Compared on the writer's thread in Swift terms.
    case diffed((Value) -> any CapturedVar)
    /// Converted on the loop, compared as state on the writer's thread.
    case converted(VarMirror<StateValue>)

    init() {
        if let diffable = Value.self as? any StateDiffable.Type {
            self = diffable.isCompared ? .diffed(Self.diffing(diffable)) : .whole
        } else {
            self = .converted(VarMirror())
        }
    }

    /// Captures of `Value`, which is `Diffable`, through one mirror.
    private static func diffing<Diffable: StateDiffable>(_: Diffable.Type) -> (Value) -> any CapturedVar {
        let mirror = VarMirror<Diffable>()
        // `Value` is `Diffable` (the metatype's cast said so): the bit cast is of a type to itself.
        return { value in DiffedVar(mirror: mirror, value: unsafeBitCast(value, to: Diffable.self)) }
    }
}
