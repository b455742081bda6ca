import LightningState
import OrderedCollections

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

    /// The call in flight on a parallel work's own thread (always `nil` for a flow); set and
    /// cleared by the loop's thread only, before the work's thread starts and after it posted its
    /// outcome, so that the work's thread reads it without a race.
    /// (A `@Var` access tests its box's `inParallelCall` first, and reads this only then.)
    @usableFromInline
    final var parallelRun: ParallelRun? {
        didSet {
            for (_, box) in stateVars { box.inParallelCall = parallelRun != nil }
        }
    }

    /// Whether the next capture must visit this component: its own state or, for a flow, its
    /// children or something below them changed since the last capture (see `ChangeTracking`).
    var needsVisit = false

    /// The places that hold this component, told when it first needs a visit after a capture.
    var holders: [HolderLink] = []

    /// Lightning's private vars (`_layout`, `_paths`, `_host`, …), kept as the checkpoint gave them.
    var privateVars: StateObject {
        didSet {
            varsKeys = nil
            privateVarsChanged = true
        }
    }

    /// Whether the private vars changed since the last capture (a delta then sets `vars` whole).
    var privateVarsChanged = false

    /// The keys of `vars` — the private vars', then the declared vars' — as last built; `nil` until
    /// built again after the private vars changed.
    private var varsKeys: [StateString]?

    /// `calls`, as Lightning records them.
    var calls: StateObject = [:] {
        didSet { callsChanged = true }
    }

    /// Whether a call was recorded since the last capture (a delta then sets `calls`).
    var callsChanged = false

    /// The last `@Var` set since the last capture, the start of a list of those set (newest
    /// first) threaded through the vars themselves, so that recording a set allocates nothing and
    /// a delta reads the vars set alone, not every var of the component.
    private var lastChangedVar: (any AnyStateVar)?

    /// The `@Var` properties, found once by reflection.
    private var cachedStateVars: [(key: StateString, box: any AnyStateVar)]?

    init(privateVars: StateObject) {
        self.privateVars = privateVars
    }

    /// Sets the full name unless it is already `newName`; returns whether it changed.
    @discardableResult
    final func rename(_ newName: String) -> Bool {
        guard name != newName else { return false }
        name = newName
        return true
    }

    /// Marks the component as changed; `@Var` setters call it. Only the first change after a
    /// capture does more than test a flag: it tells the holders, up to the root.
    @usableFromInline
    final func markChanged() {
        if !hasChanges {
            hasChanges = true
            noteVisitNeeded()
        }
    }

    /// Records the first set of `box` since the last capture and marks the component changed;
    /// `@Var` setters call it.
    @usableFromInline
    final func varChanged<Value>(_ box: Var<Value>) {
        noteSet(box)
    }

    /// Records the first set of `box` since the last capture and marks the component changed.
    private func noteSet(_ box: any AnyStateVar) {
        box.isChanged = true
        box.previousChanged = lastChangedVar
        lastChangedVar = box
        markChanged()
    }

    /// Sets vars from a parallel work's publication, by saved key, marking each as set.
    final func applyPublished(_ vars: some Sequence<(key: StateString, value: StateValue)>) throws(LightningError) {
        let declared = stateVarsByKey
        for (key, value) in vars {
            guard let box = declared[key] else { continue }
            do {
                try box.load(value)
            } catch {
                throw .badVar(key.displayString, component: name, error)
            }
            if !box.isChanged { noteSet(box) }
        }
    }

    /// The `@Var` properties by saved key (the first, when two share one), found once.
    private var stateVarsByKey: [StateString: any AnyStateVar] {
        if let cachedStateVarsByKey { return cachedStateVarsByKey }
        let found = Dictionary(stateVars.map { ($0.key, $0.box) }, uniquingKeysWith: { first, _ in first })
        cachedStateVarsByKey = found
        return found
    }

    private var cachedStateVarsByKey: [StateString: any AnyStateVar]?

    /// Marks the component for the next capture's visit and tells its holders, once per capture.
    final func noteVisitNeeded() {
        if !needsVisit {
            needsVisit = true
            holders.notify(self)
        }
    }

    /// The `@Var` properties of the subclasses, in declaration order (base classes first).
    final var stateVars: [(key: StateString, box: any AnyStateVar)] {
        if let cachedStateVars { return cachedStateVars }
        var levels: [[(key: StateString, box: any AnyStateVar)]] = []
        forEachSubclassMirror { mirror in
            levels.append(mirror.children.compactMap { child -> (key: StateString, box: any AnyStateVar)? in
                guard let box = child.value as? any AnyStateVar, let label = child.label else { return nil }
                let propertyName = label.hasPrefix("_") ? String(label.dropFirst()) : label
                let key = StateString(box.key ?? propertyName)
                box.savedKey = key
                return (key, box)
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
    /// A recording `log` takes the vars the writer converts (large values, captured by reference:
    /// a `null` stands in their place, filled at `path`'s `vars` by the writer) and, when it keeps
    /// vars, what the writer keeps of the others.
    final func varsState(at path: [StateString], log: inout CaptureLog) throws(LightningError) -> StateObject {
        let declared = stateVars
        var values: [StateValue] = []
        values.reserveCapacity(privateVars.count + declared.count)
        values.append(contentsOf: privateVars.values)
        for (key, box) in declared {
            do {
                switch try box.capturedWhole(deferring: log.defersVars, keeping: log.keepsVars) {
                case .state(let state, let kept):
                    values.append(state)
                    if let kept { log.keep(kept) }
                case .deferred(let value):
                    values.append(.null)
                    log.deferWhole(path.appending("vars", key), value)
                }
            } catch {
                throw .unsavableVar(key.displayString, component: name, error)
            }
        }
        if varsKeys == nil {
            var keys = privateVars.keys
            for (key, _) in declared { keys.append(key) }
            // A declared var named like a private one replaces it in place: no fixed key list then.
            varsKeys = keys.count == values.count ? keys.elements : nil
        }
        if let varsKeys {
            // Built without hashing or comparing keys: they are known to be distinct.
            return StateObject(uncheckedUniqueKeys: varsKeys, values: values)
        }
        var vars = privateVars
        for (index, (key, _)) in declared.enumerated() { vars[key] = values[privateVars.count + index] }
        return vars
    }

    /// Appends to `delta`, for this component at `path` (or, for a work, at its holder's `path`
    /// then `child`, its group and key, so that the work's own path is never built), what changed
    /// in its own state since the last capture: each var set (or `vars` whole when a private var
    /// changed), and `calls` when a call was recorded.
    final func captureOwnChanges(at path: [StateString], child: (group: StateString, key: StateString)? = nil, into delta: inout CapturedChanges, log: inout CaptureLog) throws(LightningError) {
        func below(_ member: StateString, _ subkey: StateString? = nil) -> [StateString] {
            if let child { return path.appending(child.group, child.key, member, subkey) }
            return path.appending(member, subkey)
        }
        if privateVarsChanged {
            let componentPath = child.map { path.appending($0.group, $0.key) } ?? path
            delta.set(below("vars"), to: .object(try varsState(at: componentPath, log: &log)))
        } else if lastChangedVar != nil {
            // The vars set are named once the component's vars were listed (by its first capture).
            if cachedStateVars == nil { _ = stateVars }
            var next = lastChangedVar
            while let box = next {
                next = box.previousChanged
                guard let varKey = box.savedKey else { continue }  // not a var of this component's class
                do {
                    switch try box.capturedChange() {
                    case .state(let state): delta.set(below("vars", varKey), to: state)
                    case .value(let value): delta.changed(below("vars", varKey), value)
                    }
                } catch {
                    throw .unsavableVar(varKey.displayString, component: name, error)
                }
            }
        }
        if callsChanged { delta.set(below("calls"), to: .object(calls)) }
    }

    /// Records the component as captured: no change is left to save.
    final func clearChanges() {
        while let box = lastChangedVar {
            box.isChanged = false
            lastChangedVar = box.previousChanged
            box.previousChanged = nil
        }
        hasChanges = false
        needsVisit = false
        privateVarsChanged = false
        callsChanged = false
    }

    /// Applies `vars` from a checkpoint, in file order.
    ///
    /// Underscore-prefixed names are Lightning's private vars and are kept verbatim. A name that
    /// no `@Var` declares fails when `strict`, and is skipped otherwise.
    final func applyVars(_ vars: StateObject, strict: Bool) throws(LightningError) {
        let declared = stateVarsByKey
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
        markChanged()
    }

    /// Merges `calls` from a checkpoint into the recorded calls, as Lightning does.
    final func mergeCalls(_ checkpointCalls: StateObject) {
        for (key, value) in checkpointCalls { calls[key] = value }
    }
}
