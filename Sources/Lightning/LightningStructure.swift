import LightningState

/// The common base of ``LightningList`` and ``LightningDict``: a named collection of works and flows.
///
/// A structure's state is `{"works": {key: …}, "flows": {key: …}}`; its children's full names are
/// `<structure name>.<key>`.
public class LightningStructure {
    /// The full name, e.g. `root.items`.
    public internal(set) var name = "root"

    init() {}

    /// The Lightning name of the structure type, `List` or `Dict`, for messages.
    var kindName: String { fatalError("subclass responsibility") }

    /// Counts changes to the set or order of entries, so that naming and change capture can skip
    /// an unchanged structure without comparing its entries.
    var version = 0

    /// The prefix and version of the last naming of the entries.
    var namedAs: (prefix: String, version: Int)?

    /// The children with their keys, in order.
    var entries: [(key: String, component: LightningComponent)] { fatalError("subclass responsibility") }

    /// Calls `body` with each child and its key, in order, without building an array.
    func forEachEntry<E: Error>(_ body: (String, LightningComponent) throws(E) -> Void) throws(E) { fatalError("subclass responsibility") }

    /// Throws when an entry's key could not be saved (a `LightningDict` key holding `.`).
    func checkKeys() throws(LightningError) {}

    /// Makes the entries exactly `restored` (keys with the components to hold), as a checkpoint
    /// restore decides them: entries not in it are dropped, new ones are added.
    func replaceEntries(_ restored: [(key: String, component: LightningComponent)]) { fatalError("subclass responsibility") }

    /// A new entry for `key`, made by the structure's element factory from the entry's checkpoint
    /// state; `nil` when the structure has no factory.
    func makeEntry(key: String, state: ComponentState) throws(LightningError) -> LightningComponent? { fatalError("subclass responsibility") }
}

/// The element factory of a ``LightningList`` or ``LightningDict``: makes the entry that a checkpoint
/// holds under `key`, before the entry's state is loaded into it. The checkpoint state is given so
/// that a structure holding several types can tell which to make.
public typealias ElementFactory<Element> = (_ key: String, _ state: ComponentState) throws -> Element

extension LightningStructure {
    /// Calls `factory`, turning its failure into a ``LightningError`` naming the entry.
    func callFactory<Element>(_ factory: ElementFactory<Element>, key: String, state: ComponentState) throws(LightningError) -> Element {
        do {
            return try factory(key, state)
        } catch let error as LightningError {
            throw error
        } catch {
            throw LightningError("The \(kindName) \(name) could not re-create its entry \(key): \(error)", underlying: error)
        }
    }
}
