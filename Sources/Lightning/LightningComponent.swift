import LightningState

/// The common base of ``LightningFlow`` and ``LightningWork``: a full name, declared `@Var` state,
/// recorded calls, and a changed flag.
///
/// Subclass ``LightningFlow`` or ``LightningWork``, not this class.
open class LightningComponent {
    /// The full name: `root`, `root.flow_level_1`, `root.components_dict.dynamic_work_1`, `root.items.0`.
    ///
    /// A component gets its name when its parent is saved or loaded; until then it is `root`.
    public internal(set) var name = "root"

    /// Whether state changed since the last checkpoint captured it.
    public internal(set) var hasChanges = true

    /// Lightning's private vars (`_layout`, `_paths`, `_host`, …), kept as the checkpoint gave them.
    var privateVars: StateObject

    /// `calls`, as Lightning records them.
    var calls: StateObject = [:]

    /// The `@Var` properties, found once by reflection.
    private var cachedStateVars: [(key: StateString, box: any AnyStateVar)]?

    init(privateVars: StateObject) {
        self.privateVars = privateVars
    }

    /// Sets the full name unless it is already `newName`.
    final func rename(_ newName: String) {
        if name != newName { name = newName }
    }

    /// Marks the component as changed; `@Var` setters call it.
    @usableFromInline
    final func markChanged() {
        hasChanges = true
    }

    /// The `@Var` properties of the subclasses, in declaration order (base classes first).
    final var stateVars: [(key: StateString, box: any AnyStateVar)] {
        if let cachedStateVars { return cachedStateVars }
        var levels: [[(key: StateString, box: any AnyStateVar)]] = []
        forEachSubclassMirror { mirror in
            levels.append(mirror.children.compactMap { child -> (key: StateString, box: any AnyStateVar)? in
                guard let box = child.value as? any AnyStateVar, let label = child.label else { return nil }
                let propertyName = label.hasPrefix("_") ? String(label.dropFirst()) : label
                return (StateString(box.key ?? propertyName), box)
            })
        }
        let found = levels.reversed().flatMap { $0 }
        cachedStateVars = found
        return found
    }

    /// Calls `body` with the mirror of each class from the dynamic type up to, not including, the framework's classes.
    final func forEachSubclassMirror(_ body: (Mirror) -> Void) {
        var mirror: Mirror? = Mirror(reflecting: self)
        while let current = mirror,
            current.subjectType != LightningFlow.self, current.subjectType != LightningWork.self,
            current.subjectType != LightningComponent.self
        {
            body(current)
            mirror = current.superclassMirror
        }
    }

    /// The `vars` object: private vars, then declared vars.
    /// - Throws: ``LightningError`` naming the var whose value has no faithful state.
    final func varsState() throws(LightningError) -> StateObject {
        var vars = privateVars
        for (key, box) in stateVars {
            do {
                vars[key] = try box.checkpointState()
            } catch {
                throw .unsavableVar(key.displayString, component: name, error)
            }
        }
        return vars
    }

    /// Applies `vars` from a checkpoint, in file order.
    ///
    /// Underscore-prefixed names are Lightning's private vars and are kept verbatim. A name that
    /// no `@Var` declares fails when `strict`, and is skipped otherwise.
    final func applyVars(_ vars: StateObject, strict: Bool) throws(LightningError) {
        let declared = Dictionary(stateVars.map { ($0.key, $0.box) }, uniquingKeysWith: { first, _ in first })
        for (key, value) in vars {
            if let box = declared[key] {
                do {
                    try box.load(value)
                } catch {
                    throw .badVar(key.displayString, component: name, error)
                }
            } else if key.withWTF8({ $0.first == UInt8(ascii: "_") }) {
                privateVars[key] = value
            } else if strict {
                throw .undeclaredVar(key.displayString, component: name, type: "\(type(of: self))")
            }
        }
        hasChanges = true
    }

    /// Merges `calls` from a checkpoint into the recorded calls, as Lightning does.
    final func mergeCalls(_ checkpointCalls: StateObject) {
        for (key, value) in checkpointCalls { calls[key] = value }
    }
}
