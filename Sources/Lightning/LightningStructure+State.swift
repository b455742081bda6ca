import LightningState

extension LightningStructure {
    /// Sets the full name unless it is already `newName`; returns whether it changed.
    func rename(_ newName: String) -> Bool {
        guard name != newName else { return false }
        name = newName
        return true
    }

    /// Brings the attachment of the entries up to date after an iteration: after an edit (or a
    /// new name) every entry is named and linked to the structure; otherwise only the marked
    /// flows among them are looked at.
    /// - Returns: Whether anything was attached anew.
    func refreshAttachments(renaming: Bool) -> Bool {
        needsAttachment = false
        var changed = false
        var renamedFlows = Set<ObjectIdentifier>()
        if renaming || attachedAs?.version != version || attachedAs?.name != name {
            var flows: [LightningFlow] = []
            forEachEntry { key, component in
                component.holders.link(component, to: self, key: key, stamp: version)
                let renamed = component.rename("\(name).\(key)")
                if let flow = component as? LightningFlow {
                    flows.append(flow)
                    if renamed { renamedFlows.insert(ObjectIdentifier(flow)) }
                    if flow.stopInSubtree { childStopped() }
                }
            }
            attachedFlows = flows
            attachedAs = (name, version)
            changed = true
        }
        for flow in attachedFlows {
            let renamed = renamedFlows.contains(ObjectIdentifier(flow))
            if renamed || flow.needsAttachment || flow.attached == nil {
                changed = flow.refreshAttachments(renaming: renamed) || changed
            }
        }
        return changed
    }

    /// The structure's state, `{"works": …, "flows": …}`, and the full names of the flows below it.
    ///
    /// Every component below is recorded in `log` as captured, if it records, for the next delta.
    /// - Parameter path: Where the structure's state goes in the checkpoint.
    func state(at path: [StateString], log: inout CaptureLog) throws(LightningError) -> (state: StateValue, descendantFlows: [String]) {
        try checkKeys()
        var works = StateObject()
        var flows = StateObject()
        var descendants: [String] = []
        try forEachEntry { (key, component) throws(LightningError) in
            if let work = component as? LightningWork {
                let name = StateString(key)
                works[name] = try work.state(at: log.defersVars ? path.appending("works", name) : [], log: &log)
                log.captured(work)
            } else if let flow = component as? LightningFlow {
                let name = StateString(key)
                let (childState, below) = try flow.state(at: log.defersVars ? path.appending("flows", name) : [], log: &log)
                flows[name] = childState
                descendants.append(flow.name)
                descendants.append(contentsOf: below)
            }
        }
        log.visited(self)
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
