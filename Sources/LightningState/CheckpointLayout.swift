/// The layout of a Lightning app checkpoint: the root flow's state plus `app_state`.
///
/// ```json
/// {"vars": {...}, "calls": {...}, "flows": {...}, "works": {...}, "structures": {...},
///  "changes": {}, "app_state": {"stage": "running"}}
/// ```
/// Every flow has `vars/calls/flows/works/structures/changes`, every work `vars/calls/changes`,
/// every structure `works/flows`. Keys beyond these are allowed, as Python ignores them.
public enum CheckpointLayout {
    /// The top-level key of the app stage.
    public static let appStateKey: StateString = "app_state"

    /// Checks that `state` is a checkpoint with Lightning's layout.
    /// - Throws: ``CheckpointLayoutError`` for the first problem, in file order.
    public static func validate(_ state: StateValue) throws(CheckpointLayoutError) {
        let root = try members(of: state, at: "root")
        try validateComponent(root, kind: .flow, path: "root")
        guard let appState = root[appStateKey] else {
            throw CheckpointLayoutError(path: "root", problem: "missing \"app_state\"")
        }
        let appMembers = try members(of: appState, at: "app_state")
        guard let stage = appMembers["stage"] else {
            throw CheckpointLayoutError(path: "app_state", problem: "missing \"stage\"")
        }
        let known = AppStage.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let text) = stage, let name = text.string, AppStage(rawValue: name) != nil else {
            throw CheckpointLayoutError(path: "app_state.stage", problem: "\(describe(stage)) is not a known stage (\(known))")
        }
    }

    /// Every component of a checkpoint, depth first in file order: flows, then works, then structures
    /// and their children.
    ///
    /// Call ``validate(_:)`` first; nodes without the layout are skipped.
    public static func components(of state: StateValue) -> [ComponentEntry] {
        var entries: [ComponentEntry] = []
        collect(state, kind: .flow, fullName: "root", into: &entries)
        return entries
    }

    private static func collect(_ state: StateValue, kind: ComponentKind, fullName: String, into entries: inout [ComponentEntry]) {
        entries.append(ComponentEntry(fullName: fullName, kind: kind, state: state))
        switch kind {
        case .work:
            return
        case .flow:
            for (name, child) in state["flows"]?.objectValue ?? [:] {
                collect(child, kind: .flow, fullName: "\(fullName).\(name.displayString)", into: &entries)
            }
            for (name, child) in state["works"]?.objectValue ?? [:] {
                collect(child, kind: .work, fullName: "\(fullName).\(name.displayString)", into: &entries)
            }
            for (name, child) in state["structures"]?.objectValue ?? [:] {
                collect(child, kind: .structure, fullName: "\(fullName).\(name.displayString)", into: &entries)
            }
        case .structure:
            for (name, child) in state["works"]?.objectValue ?? [:] {
                collect(child, kind: .work, fullName: "\(fullName).\(name.displayString)", into: &entries)
            }
            for (name, child) in state["flows"]?.objectValue ?? [:] {
                collect(child, kind: .flow, fullName: "\(fullName).\(name.displayString)", into: &entries)
            }
        }
    }

    private static func validateComponent(_ members: StateObject, kind: ComponentKind, path: String) throws(CheckpointLayoutError) {
        for key in kind.requiredKeys {
            guard let value = members[key] else {
                throw CheckpointLayoutError(path: path, problem: "missing \"\(key.displayString)\"")
            }
            guard case .object(let children) = value else {
                throw CheckpointLayoutError(path: path, problem: "\"\(key.displayString)\" is \(article(value.kindName)), expected an object")
            }
            let childKind: ComponentKind
            switch (kind, key) {
            case (.flow, "flows"), (.structure, "flows"): childKind = .flow
            case (.flow, "works"), (.structure, "works"): childKind = .work
            case (.flow, "structures"): childKind = .structure
            default: continue
            }
            for (name, child) in children {
                let childPath = "\(path).\(key.displayString).\(name.displayString)"
                try validateComponent(try self.members(of: child, at: childPath), kind: childKind, path: childPath)
            }
        }
    }

    private static func members(of value: StateValue, at path: String) throws(CheckpointLayoutError) -> StateObject {
        guard case .object(let members) = value else {
            throw CheckpointLayoutError(path: path, problem: "is \(article(value.kindName)), expected an object")
        }
        return members
    }

    private static func article(_ kind: String) -> String {
        ["a", "e", "i", "o", "u"].contains(kind.first.map(String.init) ?? "") ? "an \(kind)" : "a \(kind)"
    }

    private static func describe(_ value: StateValue) -> String {
        if case .string(let text) = value { return "\"\(text.displayString)\"" }
        return article(value.kindName)
    }
}

/// One component found in a checkpoint by ``CheckpointLayout/components(of:)``.
public struct ComponentEntry: Sendable, Hashable {
    /// The Lightning full name: `root`, `root.flow_level_1`, `root.components_dict.dynamic_work_1`.
    public let fullName: String
    /// Flow, work or structure.
    public let kind: ComponentKind
    /// The component's state, children included.
    public let state: StateValue

    /// The number of entries in `vars` (0 for a structure).
    public var varCount: Int { state["vars"]?.objectValue?.count ?? 0 }
}
