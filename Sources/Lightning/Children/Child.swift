/// Declares a flow property that holds a child the flow replaces: a flow, a work, a structure,
/// or an optional of one.
///
/// ```swift
/// final class Root: LightningFlow {
///     let fixed = Counter()                      // a `let` child: read once, costs nothing after
///     @Child var current: Counter? = nil         // replaced in run(): each write is reported
///     override func run() throws {
///         if current == nil { current = Counter() }
///         try current?.call()
///     }
/// }
/// ```
/// A write through `@Child` tells the flow that its children changed, so the next iteration
/// boundary names and links the new child and the next checkpoint saves it; nothing is compared
/// per iteration. A plain optional `var` holding a child works too, at the cost of a reflection of
/// its flow after every iteration (about a microsecond); see the "Components and ownership"
/// article. Only ``LightningFlow`` subclasses may declare `@Child` properties.
@propertyWrapper
public struct Child<Value> {
    @usableFromInline
    var value: Value

    /// Declares a child property holding `wrappedValue` first.
    public init(wrappedValue: Value) {
        value = wrappedValue
    }

    /// The child; setting it tells the flow to attach what it now holds.
    @available(*, unavailable, message: "@Child is only available on LightningFlow subclasses")
    public var wrappedValue: Value {
        get { fatalError("unreachable") }
        set { fatalError("unreachable") }
    }

    /// Reads and writes the child through the owning flow, reporting writes.
    @inlinable
    public static subscript<Owner: LightningFlow>(
        _enclosingInstance owner: Owner,
        wrapped wrappedKeyPath: ReferenceWritableKeyPath<Owner, Value>,
        storage storageKeyPath: ReferenceWritableKeyPath<Owner, Child<Value>>
    ) -> Value {
        get { owner[keyPath: storageKeyPath].value }
        set {
            owner[keyPath: storageKeyPath].value = newValue
            owner.childPropertyReassigned()
        }
    }
}

/// What reflection needs of a `@Child` property without knowing its type.
protocol ChildProperty {
    /// The value held, boxed.
    var heldValue: Any { get }
}

extension Child: ChildProperty {
    var heldValue: Any { value }
}
