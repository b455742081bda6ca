import LightningState
import LightningStore

/// The checkpointed state of one component, as ``LightningFlow/loadStateDict(flowState:childrenStates:strict:)``
/// receives it, with typed access to its vars for migrations.
///
/// ```swift
/// override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
///     var children = childrenStates
///     if flowState.metadata?.schemaVersion ?? 0 < 2 {
///         children["trainer"]?.renameVar("lr", to: "learning_rate")
///     }
///     trainer = Trainer(epochs: try children["trainer"]?.value(of: "epochs", as: Int.self) ?? 10)
///     try super.loadStateDict(flowState: flowState, childrenStates: children, strict: strict)
/// }
/// ```
public struct ComponentState {
    /// The whole state node: `vars`, `calls`, `changes` and, for a flow, `flows`, `works`, `structures`.
    public var state: StateValue
    /// The metadata of the checkpoint being loaded, if it has any (files written by Python have none).
    public let metadata: CheckpointMetadata?

    /// Wraps a component's state node.
    public init(state: StateValue, metadata: CheckpointMetadata? = nil) {
        self.state = state
        self.metadata = metadata
    }

    /// The names of the vars, in checkpoint order.
    public var varNames: [String] {
        (state["vars"]?.objectValue?.keys).map { $0.map(\.displayString) } ?? []
    }

    /// The var `key` converted to `type`, or `nil` when the checkpoint has no such var.
    /// - Throws: ``StateConversionError`` when the var holds another kind of value.
    public func value<T: StateConvertible>(of key: String, as type: T.Type = T.self) throws(StateConversionError) -> T? {
        guard let raw = state["vars"]?[StateString(key)] else { return nil }
        return try T(state: raw)
    }

    /// Sets the var `key` (adding it when missing).
    public mutating func setValue(_ value: some StateConvertible, of key: String) {
        updateVars { $0[StateString(key)] = value.stateValue }
    }

    /// Removes the var `key`, if present.
    public mutating func removeValue(of key: String) {
        updateVars { $0.removeValue(forKey: StateString(key)) }
    }

    /// Renames the var `old` to `new`, keeping its value and position.
    public mutating func renameVar(_ old: String, to new: String) {
        updateVars { vars in
            guard let index = vars.index(forKey: StateString(old)) else { return }
            let value = vars.values[index]
            vars.remove(at: index)
            vars.updateValue(value, forKey: StateString(new), insertingAt: min(index, vars.count))
        }
    }

    /// The states of the child flows and works held directly by this flow (`{**flows, **works}`).
    public var children: ChildrenStates {
        ChildrenStates(flowState: state, metadata: metadata)
    }

    /// The entries of this flow's structure `name` (a ``LightningList`` or ``LightningDict``
    /// property) as the checkpoint holds them, by key, works and flows together; `nil` when the
    /// checkpoint has no such structure. Its ``ChildrenStates/names`` are the keys to re-create:
    ///
    /// ```swift
    /// for key in flowState.structure("workers")?.names ?? [] { workers[key] = Worker() }
    /// ```
    public func structure(_ name: String) -> ChildrenStates? {
        guard let node = state["structures"]?[StateString(name)], node.objectValue != nil else { return nil }
        return ChildrenStates(flowState: node, metadata: metadata)
    }

    private mutating func updateVars(_ body: (inout StateObject) -> Void) {
        guard case .object(var members) = state else { return }
        var vars = members["vars"]?.objectValue ?? [:]
        body(&vars)
        members["vars"] = .object(vars)
        state = .object(members)
    }
}

/// The states of a flow's direct children by attribute name, flows first, then works.
public struct ChildrenStates: Sequence {
    private var entries: [(name: String, state: ComponentState)]

    /// The children of the flow state `flowState`: `{**flowState["flows"], **flowState["works"]}`.
    public init(flowState: StateValue, metadata: CheckpointMetadata? = nil) {
        var entries: [(name: String, state: ComponentState)] = []
        for group in ["flows", "works"] as [StateString] {
            for (name, child) in flowState[group]?.objectValue ?? [:] {
                let key = name.displayString
                let value = ComponentState(state: child, metadata: metadata)
                if let existing = entries.firstIndex(where: { $0.name == key }) {
                    entries[existing].state = value
                } else {
                    entries.append((key, value))
                }
            }
        }
        self.entries = entries
    }

    /// The names of the children, in order.
    public var names: [String] { entries.map(\.name) }

    /// The state of the child `name`; set it to migrate, or to `nil` to drop the child.
    public subscript(name: String) -> ComponentState? {
        get { entries.first { $0.name == name }?.state }
        set {
            let index = entries.firstIndex { $0.name == name }
            switch (index, newValue) {
            case (let index?, let value?): entries[index].state = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append((name, value))
            case (nil, nil): break
            }
        }
    }

    /// The children in the checkpoint's order, each with its name.
    public func makeIterator() -> some IteratorProtocol<(name: String, state: ComponentState)> {
        entries.makeIterator()
    }
}
