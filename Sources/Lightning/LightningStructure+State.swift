import LightningState

extension LightningStructure {
    /// The structure's state, `{"works": …, "flows": …}`, and the full names of the flows below it.
    func state(recordingAsSaved: Bool = false) throws(LightningError) -> (state: StateValue, descendantFlows: [String]) {
        try checkKeys()
        var works = StateObject()
        var flows = StateObject()
        var descendants: [String] = []
        for (key, component) in entries {
            if let work = component as? LightningWork {
                works[StateString(key)] = try work.state()
                if recordingAsSaved { work.hasChanges = false }
            } else if let flow = component as? LightningFlow {
                let (childState, below) = try flow.state(recordingAsSaved: recordingAsSaved)
                flows[StateString(key)] = childState
                descendants.append(flow.name)
                descendants.append(contentsOf: below)
            }
        }
        return (["works": .object(works), "flows": .object(flows)], descendants)
    }

    /// Applies a checkpointed structure state, as Lightning's `Dict`/`List.set_state`: works take
    /// their state, flows theirs recursively.
    ///
    /// The structure ends up holding exactly the checkpoint's entries: entries it holds that the
    /// checkpoint does not are dropped; entries the checkpoint holds that it lacks are made by its
    /// element factory. Without a factory such an entry fails when `strict` (with Lightning's
    /// message) and is skipped otherwise.
    func setState(_ state: StateValue, strict: Bool) throws(LightningError) {
        guard case .object(let works)? = state["works"], case .object(let flows)? = state["flows"] else {
            throw .malformed(name, "lacks an object \"works\" or \"flows\"")
        }
        let current = entries
        let byKey = Dictionary(current.map { ($0.key, $0.component) }, uniquingKeysWith: { first, _ in first })
        var restored: [String: LightningComponent] = [:]
        var added: [String] = []
        var unmatched: [String] = []
        for (group, isWorks) in [(works, true), (flows, false)] {
            for (key, childState) in group {
                let childName = key.displayString
                var component = byKey[childName].flatMap { ($0 is LightningWork) == isWorks ? $0 : nil }
                if component == nil, let made = try makeEntry(key: childName, state: ComponentState(state: childState)) {
                    guard (made is LightningWork) == isWorks else {
                        throw .malformed("\(name).\(childName)", "is a \(isWorks ? "work" : "flow") in the checkpoint, but the element factory made a \(isWorks ? "flow" : "work")")
                    }
                    component = made
                    added.append(childName)
                }
                guard let component else {
                    if byKey[childName] != nil {
                        throw .malformed("\(name).\(childName)", "is a \(isWorks ? "work" : "flow") in the checkpoint but not in the app")
                    }
                    if strict { unmatched.append(childName) }
                    continue
                }
                component.name = "\(name).\(childName)"
                if let work = component as? LightningWork {
                    try work.setState(childState, strict: strict)
                } else if let flow = component as? LightningFlow {
                    try flow.setState(childState, strict: strict)
                }
                restored[childName] = component
            }
        }
        if !unmatched.isEmpty {
            throw .structureMismatch(kind: kindName, name: name, keys: unmatched.sorted())
        }
        // Kept entries keep their order; re-created ones follow in the checkpoint's order.
        let kept = current.compactMap { entry in restored[entry.key].map { (key: entry.key, component: $0) } }
        let keptKeys = Set(kept.map(\.key))
        let new = added.filter { !keptKeys.contains($0) }.map { (key: $0, component: restored[$0]!) }
        replaceEntries(kept + new)
    }
}
