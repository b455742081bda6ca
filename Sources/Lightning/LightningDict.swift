import OrderedCollections

/// A dictionary of works or flows held by a flow, like Lightning's `structures.Dict`.
///
/// ```swift
/// let registry = LightningDict<LightningWork>(makeElement: { key, _ -> LightningWork in
///     key.hasPrefix("eval") ? Evaluator() : Trainer()
/// })
/// registry["trainer"] = Trainer()     // root.registry.trainer
/// ```
/// Keys keep insertion order. A key may not contain `.` (it would split the full name): Lightning
/// refuses it, and so does the next checkpoint, which fails with Lightning's message
/// `The provided name a.b contains . which is forbidden.` instead of saving.
///
/// With `makeElement`, restoring a checkpoint re-creates the entries it holds that the dictionary
/// lacks, and drops those it does not hold.
public final class LightningDict<Element: LightningComponent>: LightningStructure {
    private var storage: OrderedDictionary<String, Element> = [:]
    private let makeElement: ElementFactory<Element>?
    /// A key holding `.` that the dictionary holds, which the next checkpoint refuses.
    private var forbiddenKey: String?

    /// Creates an empty dictionary.
    /// - Parameter makeElement: Makes an entry for a key when a checkpoint restores one the dictionary lacks.
    public init(makeElement: ElementFactory<Element>? = nil) {
        self.makeElement = makeElement
        super.init()
    }

    /// The item for `key`; assigning `nil` removes it.
    public subscript(key: String) -> Element? {
        get { storage[key] }
        set {
            storage[key] = newValue
            version += 1
            // Only an assignment to a dotted key can change the answer; others cost nothing here.
            if key.contains(".") { forbiddenKey = storage.keys.first { $0.contains(".") } }
        }
    }

    /// The keys, in insertion order.
    public var keys: [String] { Array(storage.keys) }

    /// The number of items.
    public var count: Int { storage.count }

    override var kindName: String { "Dict" }
    override var entries: [(key: String, component: LightningComponent)] { storage.map { ($0.key, $0.value) } }
    override func forEachEntry<E: Error>(_ body: (String, LightningComponent) throws(E) -> Void) throws(E) {
        for (key, value) in storage { try body(key, value) }
    }

    override func entry(forKey key: String) -> LightningComponent? { storage[key] }

    override func checkKeys() throws(LightningError) {
        if let forbiddenKey { throw .forbiddenKey(forbiddenKey) }
    }

    override func replaceEntries(_ restored: [(key: String, component: LightningComponent)]) {
        storage = OrderedDictionary(restored.compactMap { entry in (entry.component as? Element).map { (entry.key, $0) } }, uniquingKeysWith: { first, _ in first })
        forbiddenKey = storage.keys.first { $0.contains(".") }
        version += 1
    }

    override func makeEntry(key: String, state: ComponentState) throws(LightningError) -> LightningComponent? {
        guard let makeElement else { return nil }
        guard !key.contains(".") else { throw .forbiddenKey(key) }
        return try callFactory(makeElement, key: key, state: state)
    }
}
