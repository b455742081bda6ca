import LightningState

extension LightningStructure {
    /// The structure's state, `{"works": …, "flows": …}`, and the full names of the flows below it.
    func state(recordingAsSaved: Bool = false) -> (state: StateValue, descendantFlows: [String]) {
        var works = StateObject()
        var flows = StateObject()
        var descendants: [String] = []
        for (key, component) in entries {
            if let work = component as? LightningWork {
                works[StateString(key)] = work.state()
                if recordingAsSaved { work.hasChanges = false }
            } else if let flow = component as? LightningFlow {
                let (childState, below) = flow.state(recordingAsSaved: recordingAsSaved)
                flows[StateString(key)] = childState
                descendants.append(flow.name)
                descendants.append(contentsOf: below)
            }
        }
        return (["works": .object(works), "flows": .object(flows)], descendants)
    }

    /// Applies a checkpointed structure state, as Lightning's `Dict`/`List.set_state`: the keys must
    /// be the structure's keys; works take their state, flows theirs recursively.
    func setState(_ state: StateValue, strict: Bool) throws(LightningError) {
        guard case .object(let works)? = state["works"], case .object(let flows)? = state["flows"] else {
            throw .malformed(name, "lacks an object \"works\" or \"flows\"")
        }
        let current = Dictionary(entries.map { ($0.key, $0.component) }, uniquingKeysWith: { first, _ in first })
        let checkpointKeys = Set(works.keys.map(\.displayString)).union(flows.keys.map(\.displayString))
        let unmatched = checkpointKeys.symmetricDifference(current.keys)
        if !unmatched.isEmpty {
            throw .structureMismatch(kind: kindName, name: name, keys: unmatched.sorted())
        }
        for (group, isWorks) in [(works, true), (flows, false)] {
            for (key, childState) in group {
                let childName = key.displayString
                let component = current[childName]!  // present: the key sets match
                guard (component is LightningWork) == isWorks else {
                    throw .malformed("\(name).\(childName)", "is a \(isWorks ? "work" : "flow") in the checkpoint but not in the app")
                }
                component.name = "\(name).\(childName)"
                if let work = component as? LightningWork {
                    try work.setState(childState, strict: strict)
                } else if let flow = component as? LightningFlow {
                    try flow.setState(childState, strict: strict)
                }
            }
        }
    }
}
