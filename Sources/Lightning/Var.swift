import LightningState

/// Declares a component property as checkpointed state.
///
/// ```swift
/// final class Trainer: LightningWork {
///     @Var var epoch = 0                                // saved as "epoch"
///     @Var("learning_rate") var learningRate = 0.01     // saved as "learning_rate"
/// }
/// ```
/// Reading costs a key-path load; writing also marks the var and its component as changed (flag
/// writes), which is how checkpoints learn what changed: a delta sets only the vars written. Only ``LightningFlow`` and ``LightningWork``
/// subclasses may declare `@Var` properties.
@propertyWrapper
public final class Var<Value: StateConvertible> {
    // Accesses never overlap (the wrapper reads or writes the whole value at once), so the
    // dynamic exclusivity check, which would double the cost of a write, is left out.
    @usableFromInline @exclusivity(unchecked)
    var value: Value
    /// Whether the value was set since the last checkpoint captured it (a delta then sets this var alone).
    @usableFromInline @exclusivity(unchecked)
    var isChanged = false
    /// Whether the var's work has a parallel call in flight, whose thread has its own copy of the
    /// value. Set and cleared by the loop's thread only, before that thread starts and after it
    /// posted its outcome; kept in the box, beside the value, so that the common access tests a
    /// byte it loads anyway.
    @usableFromInline @exclusivity(unchecked)
    var inParallelCall = false
    let key: String?
    /// The key the var is saved under, set when its component first lists its vars.
    var savedKey: StateString?
    /// The var of the same component set before this one since the last capture (see
    /// `LightningComponent.lastChangedVar`).
    var previousChanged: (any AnyStateVar)?
    /// How the var's changes are captured, chosen by its first capture.
    private var capturer: VarCapturer<Value>?

    /// Declares a var saved under the property's name.
    public init(wrappedValue: Value) {
        value = wrappedValue
        key = nil
    }

    /// Declares a var saved under `key` (e.g. `"learning_rate"`) instead of the property's name.
    public init(wrappedValue: Value, _ key: String) {
        value = wrappedValue
        self.key = key
    }

    /// The value; setting it marks the component as changed for the next checkpoint.
    @available(*, unavailable, message: "@Var is only available on LightningFlow and LightningWork subclasses")
    public var wrappedValue: Value {
        get { fatalError("unreachable") }
        set { fatalError("unreachable") }
    }

    /// Reads and writes the value through the owning component, marking it changed on writes.
    ///
    /// Inlinable, so that in the app's module the key paths are resolved at compile time and an
    /// access costs a load and a test (and a write a store and a flag test; the first write after a
    /// checkpoint also records the var with its component). On a parallel work's own thread, the
    /// access goes to the work's copy of its vars instead (see ``LightningWork/publish(_:)``).
    @inlinable
    public static subscript<Owner: LightningComponent>(
        _enclosingInstance owner: Owner,
        wrapped wrappedKeyPath: ReferenceWritableKeyPath<Owner, Value>,
        storage storageKeyPath: ReferenceWritableKeyPath<Owner, Var<Value>>
    ) -> Value {
        get {
            let box = owner[keyPath: storageKeyPath]
            // A parallel work's own thread reads its own copy of the vars.
            if _slowPath(box.inParallelCall) { return parallelValue(of: box, owner) }
            return box.value
        }
        set {
            let box = owner[keyPath: storageKeyPath]
            if _slowPath(box.inParallelCall) { return setDuringParallelCall(newValue, of: box, owner) }
            box.value = newValue
            if !box.isChanged { owner.varChanged(box) }
        }
    }

    /// The value as the calling thread sees it, while the work's parallel call is in flight: its
    /// own copy on the work's thread, the loop's elsewhere.
    @usableFromInline
    static func parallelValue(of box: Var<Value>, _ owner: LightningComponent) -> Value {
        if let run = owner.parallelRun, run.isCurrentThread { return run.value(of: box) }
        return box.value
    }

    /// Sets the value while the work's parallel call is in flight: on the work's thread, its own
    /// copy, published; elsewhere, the loop's copy, as any write.
    @usableFromInline
    static func setDuringParallelCall(_ value: Value, of box: Var<Value>, _ owner: LightningComponent) {
        if let run = owner.parallelRun, run.isCurrentThread { return run.set(value, of: box) }
        box.value = value
        if !box.isChanged { owner.varChanged(box) }
    }
}

/// What the framework needs of a `@Var` without knowing its type.
protocol AnyStateVar: AnyObject {
    /// The key given in `@Var("key")`, if any.
    var key: String? { get }
    /// The key the var is saved under, once its component listed its vars.
    var savedKey: StateString? { get set }
    /// Whether the value was set since the last capture.
    var isChanged: Bool { get set }
    /// The var of the same component set before this one since the last capture.
    var previousChanged: (any AnyStateVar)? { get set }
    /// Whether the var's work has a parallel call in flight.
    var inParallelCall: Bool { get set }
    func checkpointState() throws(StateConversionError) -> StateValue
    /// The var's change for a delta: a scalar's state to set, or the value for the writer to
    /// compare with the one it kept (``CapturedVar``).
    func capturedChange() throws(StateConversionError) -> CapturedChange
    /// The var's whole state and, when `keeping`, what the writer keeps of it for the next delta;
    /// or, when `deferring` and the var is captured by reference, its value for the writer to convert.
    func capturedWhole(deferring: Bool, keeping: Bool) throws(StateConversionError) -> WholeCapture
    func load(_ state: StateValue) throws(StateConversionError)
    /// The value, for a parallel run's copy.
    var currentValue: Any { get }
    /// The state of a parallel run's copy of the value (on the run's thread).
    func parallelState(in run: ParallelRun) throws(StateConversionError) -> StateValue
}

/// A var's whole value, as a capture takes it.
enum WholeCapture {
    /// Its state, and what the writer keeps of it.
    case state(StateValue, kept: (any CapturedVar)?)
    /// Its value, which the writer converts.
    case deferred(any CapturedVar)
}

/// A var's change, as a delta's capture takes it.
enum CapturedChange {
    case state(StateValue)
    case value(any CapturedVar)
}

extension Var: AnyStateVar {
    func checkpointState() throws(StateConversionError) -> StateValue { try value.checkpointState() }

    private var chosenCapturer: VarCapturer<Value> {
        if let capturer { return capturer }
        let chosen = VarCapturer<Value>()
        capturer = chosen
        return chosen
    }

    func capturedChange() throws(StateConversionError) -> CapturedChange {
        switch chosenCapturer {
        case .whole: return .state(try value.checkpointState())
        case .diffed(let capture): return .value(capture(value))
        case .converted(let mirror): return .value(ConvertedVar(mirror: mirror, state: try value.checkpointState()))
        }
    }

    func capturedWhole(deferring: Bool, keeping: Bool) throws(StateConversionError) -> WholeCapture {
        switch chosenCapturer {
        case .whole:
            return .state(try value.checkpointState(), kept: nil)
        case .diffed(let capture):
            if deferring { return .deferred(capture(value)) }
            return .state(try value.checkpointState(), kept: keeping ? capture(value) : nil)
        case .converted(let mirror):
            let state = try value.checkpointState()
            return .state(state, kept: keeping ? ConvertedVar(mirror: mirror, state: state) : nil)
        }
    }

    func load(_ state: StateValue) throws(StateConversionError) {
        value = try Value(state: state)
    }

    var currentValue: Any { value }

    func parallelState(in run: ParallelRun) throws(StateConversionError) -> StateValue {
        try run.value(of: self).checkpointState()
    }
}
