/// What changed between two checkpoint states: the components added and removed (by full name), and
/// the vars added, removed or changed in the components both hold.
///
/// Call ``CheckpointLayout/validate(_:)`` on both states first; what lacks the layout is not compared.
public struct CheckpointDiff: Sendable, Hashable {
    /// One var that differs.
    public struct VarChange: Sendable, Hashable {
        /// The component's full name, e.g. `root.w`.
        public let component: String
        /// The var's key, e.g. `counter`.
        public let key: String
        /// The value before; `nil` when the var was added.
        public let old: StateValue?
        /// The value after; `nil` when the var was removed.
        public let new: StateValue?
    }

    /// Components only the second state holds, in its order.
    public let addedComponents: [ComponentEntry]
    /// Components only the first state holds, in its order.
    public let removedComponents: [ComponentEntry]
    /// Vars that differ in components both states hold, in the second state's order.
    public let changedVars: [VarChange]

    /// Whether the two states hold the same components and vars (calls are not compared).
    public var isEmpty: Bool { addedComponents.isEmpty && removedComponents.isEmpty && changedVars.isEmpty }

    /// Compares `old` with `new`.
    public init(from old: StateValue, to new: StateValue) {
        let before = CheckpointLayout.components(of: old)
        let after = CheckpointLayout.components(of: new)
        let beforeByName = Dictionary(before.map { ($0.fullName, $0) }, uniquingKeysWith: { first, _ in first })
        let afterNames = Set(after.map(\.fullName))
        addedComponents = after.filter { beforeByName[$0.fullName] == nil }
        removedComponents = before.filter { !afterNames.contains($0.fullName) }
        var changes: [VarChange] = []
        for component in after {
            guard let earlier = beforeByName[component.fullName] else { continue }
            let oldVars = earlier.state["vars"]?.objectValue ?? [:]
            let newVars = component.state["vars"]?.objectValue ?? [:]
            for (key, value) in newVars where oldVars[key] != value {
                changes.append(VarChange(component: component.fullName, key: key.displayString, old: oldVars[key], new: value))
            }
            for (key, value) in oldVars where newVars[key] == nil {
                changes.append(VarChange(component: component.fullName, key: key.displayString, old: value, new: nil))
            }
        }
        changedVars = changes
    }
}
