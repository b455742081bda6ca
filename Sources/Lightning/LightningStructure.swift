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
    func forEachEntry(_ body: (String, LightningComponent) -> Void) { fatalError("subclass responsibility") }
}
