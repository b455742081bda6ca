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
/// the property names. They are found by reflection when a flow is first attached, and again
/// after an iteration that replaced one: a `@Child` property reports its writes, a plain optional
/// one is compared after each iteration, a `let` one cannot change (see ``Child``).
open class LightningFlow: LightningComponent {
    /// Set by ``stop()`` on this flow or a flow below it (it climbs the holders): the app ends
    /// after the current iteration when the root's is set.
    private(set) var stopInSubtree = false

    /// Whether the next attachment must look below this flow: a child property was reassigned, or
    /// a structure below was edited.
    var needsAttachment = false

    /// The children and layout as the last checkpoint captured them; `nil` before the first.
    var savedChildren: SavedChildren? {
        didSet { childrenAreSaved = savedChildren.map { $0.attachment != nil && $0.attachment === attached } ?? false }
    }
    /// Whether the children attached now are those of `savedChildren` (no child property was
    /// reassigned since): kept in the flow, so that a capture can tell without reading the record.
    private(set) var childrenAreSaved = false

    /// The children as last attached (named and linked).
    private(set) var attached: FlowChildren?
    /// Whether a child property was written since the last attachment (a `@Child` write, or a
    /// watched optional found changed): the next attachment reflects the flow again.
    private(set) var childrenReassigned = false
    /// Counts the attachments: the children's links are stamped with it, so that a child since
    /// dropped (whose link is older) is not taken for one held now.
    private var attachment = 0
    /// The children that asked for a visit since the last capture, held now under these keys, in
    /// the order they asked: while the children are those the capture saved, it visits only these.
    var askedChildren: [(key: String, child: AnyObject)] = []

    /// The stand-in its children's links keep.
    let handle = HolderHandle()

    /// Creates a flow; `_layout` and `_paths` start empty.
    public init() {
        super.init(privateVars: ["_layout": [], "_paths": [:]])
        handle.holder = self
    }

    deinit {
        handle.holder = nil
    }

    /// One step of the app; the app calls the root flow's `run()` in a loop. Override it.
    open func run() throws {}

    /// Whether the app should save a checkpoint after this iteration. The app asks the root flow
    /// after every iteration; the default is `false`.
    open func shouldSaveCheckpoint() -> Bool { false }

    /// Ends the app after the current iteration (whose checkpoint has stage `stopping`).
    public final func stop() {
        noteStop()
    }

    /// Marks this flow as stopping and tells its holders, once.
    final func noteStop() {
        if !stopInSubtree {
            stopInSubtree = true
            holders.notifyStop()
        }
    }

    /// Records that a child property was written; `@Child` setters call it.
    @usableFromInline
    final func childPropertyReassigned() {
        childrenReassigned = true
        noteAttachmentNeeded()
    }

    /// Marks this flow as needing attachment and tells its holders, once per attachment.
    final func noteAttachmentNeeded() {
        if !needsAttachment {
            needsAttachment = true
            holders.notifyAttachment()
        }
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

    /// The direct children, found by reflection, in declaration order, with what the watch needs
    /// to know of the properties that hold them.
    ///
    /// A property can hold a child when its value is a flow, a work, a structure, or an optional
    /// of one, plain or in a `@Child` wrapper (whose reflected label is `_name`).
    final func children() -> FlowChildren {
        var levels: [FlowChildren] = []
        forEachSubclassMirror { mirror in
            let level = FlowChildren()
            for child in mirror.children {
                guard var label = child.label else { continue }
                // A `lazy var`'s storage is reflected under a compiler-made name.
                if label.hasPrefix(Self.lazyStoragePrefix) { label.removeFirst(Self.lazyStoragePrefix.count) }
                var value = child.value
                var reports = false
                if let wrapper = value as? any ChildProperty {
                    value = wrapper.heldValue
                    label = String(label.dropFirst())
                    reports = true
                }
                let type = Swift.type(of: value)
                guard Self.canHoldComponent(type) else { continue }
                if !reports {
                    if type is any OptionalMarker.Type { level.watchedLabels.insert(label) } else { level.fixedPlainLabels.insert(label) }
                }
                if let flow = value as? LightningFlow {
                    level.flows[label] = flow
                } else if let work = value as? LightningWork {
                    level.works[label] = work
                } else if let structure = value as? LightningStructure {
                    level.structures[label] = structure
                }
            }
            levels.append(level)
        }
        return levels.reversed().reduce(into: FlowChildren()) { all, level in
            all.flows.merge(level.flows) { first, _ in first }
            all.works.merge(level.works) { first, _ in first }
            all.structures.merge(level.structures) { first, _ in first }
            all.watchedLabels.formUnion(level.watchedLabels)
            all.fixedPlainLabels.formUnion(level.fixedPlainLabels)
        }
    }

    /// The prefix reflection gives the storage of a `lazy var`: `$__lazy_storage_$_name`.
    private static let lazyStoragePrefix = "$__lazy_storage_$_"

    /// Whether a watched optional property holds something other than what was attached under its name.
    final func watchedPropertiesChanged() -> Bool {
        guard let attached else { return true }
        return propertiesChanged(attached.watchedLabels, attached)
    }

    /// Whether a plain non-optional child property holds something other than what was attached —
    /// a `var` child replaced, which nothing watches; marks the flow for attachment when it does.
    final func unreportedReassignments() -> Bool {
        guard let attached, !attached.fixedPlainLabels.isEmpty, !childrenReassigned else { return false }
        let changed = propertiesChanged(attached.fixedPlainLabels, attached)
        if changed { childPropertyReassigned() }
        return changed
    }

    /// Whether a property named in `labels` holds something other than the child attached under its name.
    private func propertiesChanged(_ labels: Set<String>, _ attached: FlowChildren) -> Bool {
        var changed = false
        forEachSubclassMirror { mirror in
            for child in mirror.children where !changed {
                guard var label = child.label else { continue }
                if label.hasPrefix(Self.lazyStoragePrefix) { label.removeFirst(Self.lazyStoragePrefix.count) }
                guard labels.contains(label) else { continue }
                let now: AnyObject? = (child.value as? LightningComponent) ?? (child.value as? LightningStructure)
                changed = now !== attached.child(forKey: label)
            }
        }
        return changed
    }

    /// Whether a property of this type can hold a child: a component or structure class, or an
    /// optional of one.
    static func canHoldComponent(_ type: Any.Type) -> Bool {
        if let optional = type as? any OptionalMarker.Type { return canHoldComponent(optional.wrappedType) }
        return type is LightningComponent.Type || type is LightningStructure.Type
    }

    /// Brings the attachment of this flow's subtree up to date after an iteration, following the
    /// marks: a flow whose child properties were reassigned (or that was never attached) is
    /// reflected again, and its children are named, linked to it, and it is marked for the next
    /// capture; below, only marked, renamed or new flows and structures are looked at.
    /// - Parameter renaming: Whether this flow's name changed since its children were named.
    /// - Returns: Whether anything was attached anew (then the slot watch list is rebuilt).
    final func refreshAttachments(renaming: Bool) -> Bool {
        needsAttachment = false
        var renaming = renaming
        var changed = false
        if attached == nil || childrenReassigned {
            childrenReassigned = false
            let current = children()
            attached = current
            attachment += 1
            childrenAreSaved = false
            for (key, flow) in current.flows { link(flow, key: key) }
            for (key, work) in current.works { work.holders.link(work, to: self, key: key, stamp: attachment) }
            for (key, structure) in current.structures {
                structure.holders.link(structure, to: self, key: key, stamp: attachment)
                if structure.stopInSubtree { noteStop() }
            }
            noteVisitNeeded()
            renaming = true
            changed = true
        }
        guard let current = attached else { return changed }
        for (key, flow) in current.flows {
            let renamed = renaming && flow.rename("\(name).\(key)")
            if renamed || flow.needsAttachment || flow.attached == nil {
                changed = flow.refreshAttachments(renaming: renamed) || changed
            }
        }
        if renaming {
            for (key, work) in current.works { work.rename("\(name).\(key)") }
        }
        for (key, structure) in current.structures {
            let renamed = renaming && structure.rename("\(name).\(key)")
            if renamed || structure.needsAttachment || structure.attachedAs == nil {
                changed = structure.refreshAttachments(renaming: renamed) || changed
            }
        }
        return changed
    }

    /// Links a child flow to this flow, taking over a stop it asked for before it was attached.
    private func link(_ flow: LightningFlow, key: String) {
        flow.holders.link(flow, to: self, key: key, stamp: attachment)
        if flow.stopInSubtree { noteStop() }
    }

    /// Calls `body` with this flow and every flow attached below it.
    final func forEachAttachedFlow(_ body: (LightningFlow) -> Void) {
        body(self)
        guard let current = attached else { return }
        for flow in current.flows.values { flow.forEachAttachedFlow(body) }
        for structure in current.structures.values {
            for flow in structure.attachedFlows { flow.forEachAttachedFlow(body) }
        }
    }

    /// The flow's state, and the full names of all flows below it (for `_layout`).
    ///
    /// A recording capture reads the children as last attached (the loop attached them just
    /// before) and records every component below in `log`, for the next delta; a read-only one
    /// (an export) reflects them afresh, independently of change tracking.
    /// - Parameter path: Where the flow's state goes in the checkpoint (vars whose conversion the
    ///   writer does are recorded in `log` by their paths).
    final func state(at path: [StateString], log: inout CaptureLog) throws(LightningError) -> (state: StateValue, descendantFlows: [String]) {
        let current = log.isRecording ? attached ?? children() : children()
        var descendants: [String] = []
        var flows = StateObject()
        for (key, flow) in current.flows {
            let name = StateString(key)
            let (childState, below) = try flow.state(at: log.defersVars ? path.appending("flows", name) : [], log: &log)
            flows[name] = childState
            descendants.append(flow.name)
            descendants.append(contentsOf: below)
        }
        var works = StateObject()
        for (key, work) in current.works {
            let name = StateString(key)
            works[name] = try work.state(at: log.defersVars ? path.appending("works", name) : [], log: &log)
            log.captured(work)
        }
        var structures = StateObject()
        for (key, structure) in current.structures {
            let name = StateString(key)
            let (structureState, below) = try structure.state(at: log.defersVars ? path.appending("structures", name) : [], log: &log)
            structures[name] = structureState
            descendants.append(contentsOf: below)
        }
        // Set only when it differs: setting it marks the private vars changed, and the next delta
        // would write `vars` whole (an export, which reads the state, must not cause that).
        let layout = Self.layout(descendants)
        if privateVars["_layout"] != layout { privateVars["_layout"] = layout }
        let state: StateValue = [
            "vars": .object(try varsState(at: path, log: &log)), "calls": .object(calls), "flows": .object(flows),
            "works": .object(works), "structures": .object(structures), "changes": [:],
        ]
        log.save(SavedChildren(current, layout: descendants), of: self)
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

extension LightningFlow: ComponentHolder {
    func childNeedsVisit(_ child: AnyObject, key: String, stamp: Int) {
        if stamp == attachment { askedChildren.append((key, child)) }
        noteVisitNeeded()
    }

    func childNeedsAttachment() {
        noteAttachmentNeeded()
    }

    func childStopped() {
        noteStop()
    }
}

/// A flow's direct children by attribute name; a class, so that it is read in place.
final class FlowChildren {
    var flows: OrderedDictionary<String, LightningFlow> = [:]
    var works: OrderedDictionary<String, LightningWork> = [:]
    var structures: OrderedDictionary<String, LightningStructure> = [:]
    /// The plain optional properties that can hold a child, compared after each iteration.
    var watchedLabels: Set<String> = []
    /// The plain non-optional properties that can hold a child (most are `let`; compared before
    /// checkpoints, see `ChildWatch`).
    var fixedPlainLabels: Set<String> = []

    /// The child held under `key`, of whichever kind.
    func child(forKey key: String) -> AnyObject? {
        flows[key] ?? works[key] ?? structures[key]
    }
}

/// Lets reflection see through optionals: `Counter?` can hold a child.
protocol OptionalMarker {
    static var wrappedType: Any.Type { get }
}

extension Optional: OptionalMarker {
    static var wrappedType: Any.Type { Wrapped.self }
}
