import LightningCodecs
import LightningState

/// What a flow held when the last checkpoint captured it: enough to tell, at the next capture,
/// which children were added, removed or replaced without looking at unchanged components' vars.
struct SavedChildren {
    var flows: [String: LightningFlow] = [:]
    var works: [String: LightningWork] = [:]
    var structures: [String: (structure: LightningStructure, entries: [String: LightningComponent])] = [:]
    var layout: [String] = []
}

extension LightningFlow {
    /// Appends to `delta` what changed at and below this flow since the last capture, and records
    /// the flow's children and layout as captured.
    ///
    /// Changed works are set whole; a flow whose own vars or calls changed sets its `vars` and
    /// `calls`; added children are set whole, removed ones removed. Unchanged components cost a
    /// flag check (and a flow a reflection of its properties); their vars are not touched.
    /// - Returns: The full names of the flows below, for `_layout`.
    func captureChanges(path: [StateString], into delta: inout StateDelta) -> [String] {
        guard let previous = savedChildren else {
            // Never captured: the whole subtree is new.
            let (state, below) = state(recordingAsSaved: true)
            delta.set(path, to: state)
            return below
        }
        let current = children()
        var descendants: [String] = []
        for (key, flow) in current.flows {
            let childPath = path + ["flows", StateString(key)]
            descendants.append(flow.name)
            if previous.flows[key] === flow {
                descendants += flow.captureChanges(path: childPath, into: &delta)
            } else {
                let (state, below) = flow.state(recordingAsSaved: true)
                delta.set(childPath, to: state)
                descendants += below
            }
        }
        for key in previous.flows.keys where current.flows[key] == nil { delta.remove(path + ["flows", StateString(key)]) }
        for (key, work) in current.works {
            if previous.works[key] !== work || work.hasChanges {
                delta.set(path + ["works", StateString(key)], to: work.state())
                work.hasChanges = false
            }
        }
        for key in previous.works.keys where current.works[key] == nil { delta.remove(path + ["works", StateString(key)]) }
        for (key, structure) in current.structures {
            let structurePath = path + ["structures", StateString(key)]
            guard let saved = previous.structures[key], saved.structure === structure else {
                let (state, below) = structure.state(recordingAsSaved: true)
                delta.set(structurePath, to: state)
                descendants += below
                continue
            }
            descendants += structure.captureChanges(path: structurePath, saved: saved.entries, into: &delta)
        }
        for key in previous.structures.keys where current.structures[key] == nil { delta.remove(path + ["structures", StateString(key)]) }

        if hasChanges || descendants != previous.layout {
            privateVars["_layout"] = Self.layout(descendants)
            delta.set(path + ["vars"], to: .object(varsState()))
            delta.set(path + ["calls"], to: .object(calls))
        }
        savedChildren = SavedChildren(current, layout: descendants)
        hasChanges = false
        return descendants
    }

    /// `_layout`: one `{"name", "content"}` entry per flow below.
    static func layout(_ descendants: [String]) -> StateValue {
        .array(descendants.map { ["name": .string(StateString($0)), "content": .string(StateString($0))] })
    }
}

extension SavedChildren {
    init(_ children: FlowChildren, layout: [String]) {
        flows = Dictionary(uniqueKeysWithValues: children.flows.map { ($0.key, $0.value) })
        works = Dictionary(uniqueKeysWithValues: children.works.map { ($0.key, $0.value) })
        structures = Dictionary(uniqueKeysWithValues: children.structures.map { key, structure in
            (key, (structure, Dictionary(structure.entries.map { ($0.key, $0.component) }, uniquingKeysWith: { first, _ in first })))
        })
        self.layout = layout
    }
}

extension LightningStructure {
    /// Appends to `delta` what changed in this structure's entries since they were `saved`.
    func captureChanges(path: [StateString], saved: [String: LightningComponent], into delta: inout StateDelta) -> [String] {
        var descendants: [String] = []
        var present = Set<String>()
        for (key, component) in entries {
            present.insert(key)
            let isSame = saved[key] === component
            if let work = component as? LightningWork {
                if !isSame || work.hasChanges {
                    delta.set(path + ["works", StateString(key)], to: work.state())
                    work.hasChanges = false
                }
            } else if let flow = component as? LightningFlow {
                descendants.append(flow.name)
                let childPath = path + ["flows", StateString(key)]
                if isSame {
                    descendants += flow.captureChanges(path: childPath, into: &delta)
                } else {
                    let (state, below) = flow.state(recordingAsSaved: true)
                    delta.set(childPath, to: state)
                    descendants += below
                }
            }
        }
        for (key, component) in saved where !present.contains(key) {
            delta.remove(path + [component is LightningWork ? "works" : "flows", StateString(key)])
        }
        return descendants
    }
}
