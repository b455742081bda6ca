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

    /// The children with their keys, in order.
    var entries: [(key: String, component: LightningComponent)] { fatalError("subclass responsibility") }
}
