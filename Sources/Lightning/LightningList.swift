/// A list of works or flows held by a flow, like Lightning's `structures.List`.
///
/// ```swift
/// let workers = LightningList<Counter>(makeElement: { _, _ in Counter() })
/// workers.append(Counter())          // root.workers.0
/// ```
/// Each item's key is a number given when it is appended (`"0"`, `"1"`, …) and stays its key: the
/// number after the largest key the list holds. So removing the last item frees its key for the
/// next append, and a list restored from a checkpoint continues exactly as the one that saved it.
///
/// With `makeElement`, restoring a checkpoint re-creates the items the checkpoint holds and the
/// list lacks (items appended after the app started), and drops those it does not hold: a list
/// whose items come and go restores without a hand-written ``LightningFlow/loadStateDict(flowState:childrenStates:strict:)``.
public final class LightningList<Element: LightningComponent>: LightningStructure, RandomAccessCollection {
    private var items: [(key: String, component: Element)] = []
    private let makeElement: ElementFactory<Element>?

    /// Creates a list holding `elements`.
    /// - Parameters:
    ///   - elements: The first items, keyed `0`, `1`, … in order.
    ///   - makeElement: Makes an item for a key when a checkpoint restores one the list lacks.
    public init(_ elements: [Element] = [], makeElement: ElementFactory<Element>? = nil) {
        self.makeElement = makeElement
        super.init()
        elements.forEach(append)
    }

    /// Appends a work or flow; its key is the number after the largest key held.
    public func append(_ element: Element) {
        let next = items.last.flatMap { Int($0.key) }.map { $0 + 1 } ?? 0
        items.append((String(next), element))
        version += 1
    }

    /// Removes and returns the item at `position`; the other items keep their keys.
    @discardableResult
    public func remove(at position: Int) -> Element {
        version += 1
        return items.remove(at: position).component
    }

    /// The position of the first item.
    public var startIndex: Int { items.startIndex }
    /// The position after the last item.
    public var endIndex: Int { items.endIndex }
    /// The item at `position`.
    public subscript(position: Int) -> Element { items[position].component }

    /// The items' keys, in order.
    public var keys: [String] { items.map(\.key) }

    override var kindName: String { "List" }
    override var entries: [(key: String, component: LightningComponent)] { items.map { ($0.key, $0.component) } }
    override func forEachEntry<E: Error>(_ body: (String, LightningComponent) throws(E) -> Void) throws(E) {
        for item in items { try body(item.key, item.component) }
    }

    override func entry(forKey key: String) -> LightningComponent? {
        // Numeric keys ascend in the list's order: search by number.
        guard let wanted = Int(key) else { return items.first { $0.key == key }?.component }
        var low = 0
        var high = items.count
        while low < high {
            let middle = (low + high) / 2
            let found = Int(items[middle].key) ?? .max
            if found == wanted { return items[middle].key == key ? items[middle].component : nil }
            if found < wanted { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    override func replaceEntries(_ restored: [(key: String, component: LightningComponent)]) {
        // Keys are the order of appending: keep the list in key order.
        items = restored.compactMap { entry in (entry.component as? Element).map { (entry.key, $0) } }
            .sorted { (Int($0.key) ?? .max, $0.key) < (Int($1.key) ?? .max, $1.key) }
        version += 1
    }

    override func makeEntry(key: String, state: ComponentState) throws(LightningError) -> LightningComponent? {
        guard let makeElement else { return nil }
        guard let index = Int(key), index >= 0, String(index) == key else {
            throw .malformed("\(name).\(key)", "has a key that is not a list index")
        }
        return try callFactory(makeElement, key: key, state: state)
    }
}
