/// The three kinds of node in a Lightning app's component tree.
public enum ComponentKind: String, Sendable, Hashable, CaseIterable {
    /// A `LightningFlow`: vars, calls, child flows, works and structures.
    case flow
    /// A `LightningWork`: vars and calls, no children.
    case work
    /// A `List` or `Dict` structure holding works and flows.
    case structure

    /// The keys a state of this kind must have, in the order Lightning writes them.
    public var requiredKeys: [StateString] {
        switch self {
        case .flow: return ["vars", "calls", "flows", "works", "structures", "changes"]
        case .work: return ["vars", "calls", "changes"]
        case .structure: return ["works", "flows"]
        }
    }
}
