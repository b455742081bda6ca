import OrderedCollections

/// A dictionary of works or flows held by a flow, like Lightning's `structures.Dict`.
///
/// ```swift
/// let registry = LightningDict<LightningComponent>()
/// registry["trainer"] = Trainer()     // root.registry.trainer
/// ```
/// Keys keep insertion order and may not contain `.`.
public final class LightningDict<Element: LightningComponent>: LightningStructure {
    private var storage: OrderedDictionary<String, Element> = [:]

    /// Creates an empty dictionary.
    public override init() {
        super.init()
    }

    /// The item for `key`; assigning `nil` removes it.
    ///
    /// A key containing `.` is refused (`precondition`), as Lightning refuses it.
    public subscript(key: String) -> Element? {
        get { storage[key] }
        set {
            precondition(!key.contains("."), "The provided name \(key) contains . which is forbidden.")
            storage[key] = newValue
            version += 1
        }
    }

    /// The keys, in insertion order.
    public var keys: [String] { Array(storage.keys) }

    /// The number of items.
    public var count: Int { storage.count }

    override var kindName: String { "Dict" }
    override var entries: [(key: String, component: LightningComponent)] { storage.map { ($0.key, $0.value) } }
    override func forEachEntry(_ body: (String, LightningComponent) -> Void) {
        for (key, value) in storage { body(key, value) }
    }
}
