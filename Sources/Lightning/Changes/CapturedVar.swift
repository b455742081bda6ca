import LightningState

/// What the checkpoint writer keeps of one var: its value as of the last checkpoint handed over,
/// to compare the next one with. Set and read on the writer's thread (the loop's, when it writes
/// itself), one checkpoint at a time, in order; the lock makes that checkable.
final class VarMirror<Value: Sendable>: Sendable {
    private let last = LockedValue<Value?>(nil)

    /// The value kept, if any.
    var kept: Value? { last.withLock { $0 } }

    /// Keeps `value` in place of the one kept before.
    func keep(_ value: Value) {
        last.withLock { $0 = value }
    }
}

/// A var's value as a checkpoint captured it, handed to the writer: the writer compares it with
/// the value it kept and writes the difference, then keeps it.
///
/// A component held in two places is captured in both; each place is compared with the value
/// kept from the checkpoint before, and the value is kept once the whole checkpoint is resolved
/// (see ``CapturedChanges/resolve()``).
protocol CapturedVar: Sendable {
    /// Appends to `delta` the edits from the value kept to this one, at `path` (the whole value
    /// when none is kept).
    func appendChanges(at path: [StateString], into delta: inout StateDelta)
    /// Keeps this value, to compare the next checkpoint's with.
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

/// A value compared in Swift terms on the writer's thread (``StateDiffable``).
struct DiffedVar<Value: StateDiffable>: CapturedVar {
    let mirror: VarMirror<Value>
    let value: Value

    func appendChanges(at path: [StateString], into delta: inout StateDelta) {
        if let old = mirror.kept {
            value.appendStateChanges(from: old, at: path, into: &delta)
        } else {
            delta.set(path, to: value.stateValue)
        }
    }

    func keep() { mirror.keep(value) }

    var wholeState: StateValue { value.stateValue }
}

/// A value converted on the loop (a type without ``StateDiffable``), compared as state.
struct ConvertedVar: CapturedVar {
    let mirror: VarMirror<StateValue>
    let state: StateValue

    func appendChanges(at path: [StateString], into delta: inout StateDelta) {
        if let old = mirror.kept {
            delta.appendChanges(from: old, to: state, at: path)
        } else {
            delta.set(path, to: state)
        }
    }

    func keep() { mirror.keep(state) }

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
