import LightningState
import OrderedCollections

/// A flow: the coordinating component of an app. It holds `@Var` state, child flows, works and
/// structures, and its ``run()`` is called once per iteration of the app's loop.
///
/// ```swift
/// final class Root: LightningFlow {
///     let w = Counter()                                  // a child work, found without registration
///     override func run() throws { try w.call() }
///     override func shouldSaveCheckpoint() -> Bool { true }
/// }
/// ```
/// Children are the stored properties that hold a ``LightningFlow``, a ``LightningWork`` (also
/// optional ones, set later in ``run()``) or a ``LightningList``/``LightningDict``; their keys are
/// the property names. They are found by reflection each time the app names, saves or loads the tree.
open class LightningFlow: LightningComponent {
    /// Set by ``stop()``; the app ends after the current iteration.
    private(set) var stopRequested = false

    /// The children and layout as the last checkpoint captured them; `nil` before the first.
    var savedChildren: SavedChildren?

    /// The labels of the properties that can hold children, found on the first reflection.
    private var componentProperties: Set<String>?

    /// Creates a flow; `_layout` and `_paths` start empty.
    public init() {
        super.init(privateVars: ["_layout": [], "_paths": [:]])
    }

    /// One step of the app; the app calls the root flow's `run()` in a loop. Override it.
    open func run() throws {}

    /// Whether the app should save a checkpoint after this iteration. The app asks the root flow
    /// after every iteration; the default is `false`.
    open func shouldSaveCheckpoint() -> Bool { false }

    /// Ends the app after the current iteration (whose checkpoint has stage `stopping`).
    public final func stop() {
        stopRequested = true
    }

    /// Loads this flow's state and its children's from a checkpoint, as Lightning's
    /// `load_state_dict(flow_state, children_states, strict)`.
    ///
    /// Override it to re-create children that ``run()`` creates dynamically, or to migrate state,
    /// then call `super`. The base implementation applies the vars and calls, then each child
    /// state: a child flow loads through its own `loadStateDict`, a child work takes its state,
    /// and a child the code has not created fails with
    /// `The component <name> wasn't instantiated for the component <full name>` when `strict`
    /// (it is skipped otherwise). Structures load last; their keys must match the checkpoint's.
    /// - Parameters:
    ///   - flowState: This flow's state, with ``ComponentState/metadata`` of the checkpoint.
    ///   - childrenStates: The states of the direct child flows and works, by attribute name.
    ///   - strict: Whether checkpoint components and vars the code lacks are errors.
    open func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
        try applyOwnState(flowState.state, strict: strict)
        let current = children()
        for (childName, childState) in childrenStates where !childName.contains(".") {
            if let flow = current.flows[childName] {
                flow.name = "\(name).\(childName)"
                try flow.loadStateDict(flowState: childState, childrenStates: childState.children, strict: strict)
            } else if let work = current.works[childName] {
                work.name = "\(name).\(childName)"
                try work.setState(childState.state, strict: strict)
            } else if strict {
                throw LightningError.notInstantiated(childName, parent: name)
            }
        }
        try applyStructures(flowState.state, children: current, strict: strict)
    }

    // MARK: - The tree

    /// The direct children, found by reflection, in declaration order.
    ///
    /// Only the properties whose declared type can hold a component (a flow, a work, an optional
    /// of one, a structure) are looked at; which those are is worked out once per flow.
    final func children() -> FlowChildren {
        if componentProperties == nil {
            var labels = Set<String>()
            forEachSubclassMirror { mirror in
                for child in mirror.children where Self.canHoldComponent(type(of: child.value)) {
                    if let label = child.label { labels.insert(label) }
                }
            }
            componentProperties = labels
        }
        let candidates = componentProperties!
        var levels: [FlowChildren] = []
        forEachSubclassMirror { mirror in
            var level = FlowChildren()
            for child in mirror.children {
                guard let label = child.label, candidates.contains(label) else { continue }
                if let flow = child.value as? LightningFlow {
                    level.flows[label] = flow
                } else if let work = child.value as? LightningWork {
                    level.works[label] = work
                } else if let structure = child.value as? LightningStructure {
                    level.structures[label] = structure
                }
            }
            levels.append(level)
        }
        return levels.reversed().reduce(into: FlowChildren()) { all, level in
            all.flows.merge(level.flows) { first, _ in first }
            all.works.merge(level.works) { first, _ in first }
            all.structures.merge(level.structures) { first, _ in first }
        }
    }

    /// Whether a property of this type can hold a child: a component or structure class, or an
    /// optional of one.
    private static func canHoldComponent(_ type: Any.Type) -> Bool {
        if let optional = type as? any OptionalMarker.Type { return canHoldComponent(optional.wrappedType) }
        return type is LightningComponent.Type || type is LightningStructure.Type
    }

    /// Names every component below this flow and reports whether any flow asked to stop.
    ///
    /// The app calls it after every iteration; a structure whose entries and name did not change
    /// since it was last named is only searched for flows.
    final func attachDescendants() -> Bool {
        var stop = stopRequested
        let current = children()
        for (key, flow) in current.flows {
            flow.rename("\(name).\(key)")
            stop = flow.attachDescendants() || stop
        }
        for (key, work) in current.works { work.rename("\(name).\(key)") }
        for (key, structure) in current.structures {
            let structureName = "\(name).\(key)"
            if structure.name != structureName { structure.name = structureName }
            let renaming = structure.namedAs.map { $0.prefix != structureName || $0.version != structure.version } ?? true
            structure.forEachEntry { childKey, component in
                if renaming { component.name = "\(structureName).\(childKey)" }
                if let flow = component as? LightningFlow { stop = flow.attachDescendants() || stop }
            }
            structure.namedAs = (structureName, structure.version)
        }
        return stop
    }

    /// The flow's state, and the full names of all flows below it (for `_layout`).
    ///
    /// With `recordingAsSaved`, every component below is recorded as captured by a checkpoint:
    /// changed flags are cleared and flows remember their children, for the next delta.
    final func state(recordingAsSaved: Bool = false) throws(LightningError) -> (state: StateValue, descendantFlows: [String]) {
        let current = children()
        var descendants: [String] = []
        var flows = StateObject()
        for (key, flow) in current.flows {
            let (childState, below) = try flow.state(recordingAsSaved: recordingAsSaved)
            flows[StateString(key)] = childState
            descendants.append(flow.name)
            descendants.append(contentsOf: below)
        }
        var works = StateObject()
        for (key, work) in current.works {
            works[StateString(key)] = try work.state()
            if recordingAsSaved { work.hasChanges = false }
        }
        var structures = StateObject()
        for (key, structure) in current.structures {
            let (structureState, below) = try structure.state(recordingAsSaved: recordingAsSaved)
            structures[StateString(key)] = structureState
            descendants.append(contentsOf: below)
        }
        privateVars["_layout"] = Self.layout(descendants)
        let state: StateValue = [
            "vars": .object(try varsState()), "calls": .object(calls), "flows": .object(flows),
            "works": .object(works), "structures": .object(structures), "changes": [:],
        ]
        if recordingAsSaved {
            savedChildren = SavedChildren(current, layout: descendants)
            hasChanges = false
        }
        return (state, descendants)
    }

    /// Applies a flow state and, recursively, its children's, as Lightning's `set_state(recurse=True)`
    /// (used for flows held in structures, which cannot re-create children themselves).
    final func setState(_ state: StateValue, strict: Bool) throws(LightningError) {
        try applyOwnState(state, strict: strict)
        let current = children()
        for (childName, childState) in ChildrenStates(flowState: state) {
            if let flow = current.flows[childName] {
                flow.name = "\(name).\(childName)"
                try flow.setState(childState.state, strict: strict)
            } else if let work = current.works[childName] {
                work.name = "\(name).\(childName)"
                try work.setState(childState.state, strict: strict)
            } else if strict {
                throw .notInstantiated(childName, parent: name)
            }
        }
        try applyStructures(state, children: current, strict: strict)
    }

    private func applyOwnState(_ state: StateValue, strict: Bool) throws(LightningError) {
        for key in ComponentKind.flow.requiredKeys {
            guard case .object? = state[key] else { throw .malformed(name, "lacks an object \"\(key.displayString)\"") }
        }
        try applyVars(state["vars"]!.objectValue!, strict: strict)
        mergeCalls(state["calls"]!.objectValue!)
    }

    private func applyStructures(_ state: StateValue, children current: FlowChildren, strict: Bool) throws(LightningError) {
        for (key, structureState) in state["structures"]?.objectValue ?? [:] {
            guard let structure = current.structures[key.displayString] else {
                if strict { throw .notInstantiated(key.displayString, parent: name) }
                continue
            }
            structure.name = "\(name).\(key.displayString)"
            try structure.setState(structureState, strict: strict)
        }
    }
}

/// A flow's direct children by attribute name.
struct FlowChildren {
    var flows: OrderedDictionary<String, LightningFlow> = [:]
    var works: OrderedDictionary<String, LightningWork> = [:]
    var structures: OrderedDictionary<String, LightningStructure> = [:]
}

/// Lets reflection see through optionals: `Counter?` can hold a child.
private protocol OptionalMarker {
    static var wrappedType: Any.Type { get }
}

extension Optional: OptionalMarker {
    static var wrappedType: Any.Type { Wrapped.self }
}
