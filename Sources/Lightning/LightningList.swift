/// A list of works or flows held by a flow, like Lightning's `structures.List`.
///
/// ```swift
/// let workers = LightningList<Counter>()
/// workers.append(Counter())          // root.workers.0
/// ```
/// Each item's key is its index when it was appended (`"0"`, `"1"`, …), and stays its key.
public final class LightningList<Element: LightningComponent>: LightningStructure, RandomAccessCollection {
    private var items: [(key: String, component: Element)] = []
    private var nextIndex = 0

    /// Creates a list holding `elements`.
    public init(_ elements: [Element] = []) {
        super.init()
        elements.forEach(append)
    }

    /// Appends a work or flow; its key is the next index.
    public func append(_ element: Element) {
        items.append((String(nextIndex), element))
        nextIndex += 1
        version += 1
    }

    /// Removes and returns the item at `position`; the other items keep their keys.
    @discardableResult
    public func remove(at position: Int) -> Element {
        version += 1
        return items.remove(at: position).component
    }

    public var startIndex: Int { items.startIndex }
    public var endIndex: Int { items.endIndex }
    public subscript(position: Int) -> Element { items[position].component }

    override var kindName: String { "List" }
    override var entries: [(key: String, component: LightningComponent)] { items.map { ($0.key, $0.component) } }
    override func forEachEntry(_ body: (String, LightningComponent) -> Void) {
        for item in items { body(item.key, item.component) }
    }
}
