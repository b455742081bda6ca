import LightningCodecs
import LightningState
import OrderedCollections

/// What a flow held when the last checkpoint captured it: enough to tell, at the next capture,
/// which children were added, removed or replaced without looking at unchanged components' vars.
struct SavedChildren {
    var flows: OrderedDictionary<String, LightningFlow> = [:]
    var works: OrderedDictionary<String, LightningWork> = [:]
    var structures: OrderedDictionary<String, SavedStructure> = [:]
    var layout: [String] = []
}

/// A structure as a checkpoint captured it.
struct SavedStructure {
    let structure: LightningStructure
    let version: Int
    let entries: [(key: String, component: LightningComponent)]

    init(_ structure: LightningStructure) {
        self.structure = structure
        version = structure.version
        entries = structure.entries
    }
}

/// Whether `current` keys are not `saved` keys minus the removed ones plus the added ones at the
/// end — the order a delta's removes and sets produce. A child removed and re-created ahead of a
/// kept one, for instance, changes the order, and its group is then written whole.
func orderChanged(saved: some Collection<String>, current: some Collection<String>) -> Bool {
    let currentSet = Set(current)
    let savedSet = Set(saved)
    let expected = saved.filter(currentSet.contains) + current.filter { !savedSet.contains($0) }
    return !expected.elementsEqual(current)
}

extension LightningFlow {
    /// Appends to `delta` what changed at and below this flow since the last capture, and records
    /// the flow's children and layout as captured.
    ///
    /// Changed works are set whole; a flow whose own vars or calls changed sets its `vars` and
    /// `calls`; added children are set whole, removed ones removed. Unchanged components cost a
    /// flag check (and a flow a reflection of its properties); their vars are not touched.
    /// - Returns: The full names of the flows below, for `_layout`.
    func captureChanges(path: [StateString], into delta: inout StateDelta) throws(LightningError) -> [String] {
        guard let previous = savedChildren else {
            // Never captured: the whole subtree is new.
            let (state, below) = try state(recordingAsSaved: true)
            delta.set(path, to: state)
            return below
        }
        let current = children()
        if orderChanged(saved: previous.flows.keys, current: current.flows.keys)
            || orderChanged(saved: previous.works.keys, current: current.works.keys)
            || orderChanged(saved: previous.structures.keys, current: current.structures.keys)
        {
            // Rare: write the whole flow rather than a delta that would reorder its members.
            let (state, below) = try state(recordingAsSaved: true)
            delta.set(path, to: state)
            return below
        }
        var descendants: [String] = []
        for (key, flow) in current.flows {
            let childPath = path + ["flows", StateString(key)]
            descendants.append(flow.name)
            if previous.flows[key] === flow {
                descendants += try flow.captureChanges(path: childPath, into: &delta)
            } else {
                let (state, below) = try flow.state(recordingAsSaved: true)
                delta.set(childPath, to: state)
                descendants += below
            }
        }
        for key in previous.flows.keys where current.flows[key] == nil { delta.remove(path + ["flows", StateString(key)]) }
        for (key, work) in current.works {
            if previous.works[key] !== work || work.hasChanges {
                delta.set(path + ["works", StateString(key)], to: try work.state())
                work.hasChanges = false
            }
        }
        for key in previous.works.keys where current.works[key] == nil { delta.remove(path + ["works", StateString(key)]) }
        for (key, structure) in current.structures {
            let structurePath = path + ["structures", StateString(key)]
            guard let saved = previous.structures[key], saved.structure === structure else {
                let (state, below) = try structure.state(recordingAsSaved: true)
                delta.set(structurePath, to: state)
                descendants += below
                continue
            }
            if saved.version == structure.version {
                // Same entries in the same order: only changed works and the flows' own changes.
                try structure.forEachEntry { (key, component) throws(LightningError) in
                    if let work = component as? LightningWork {
                        if work.hasChanges {
                            delta.set(structurePath + ["works", StateString(key)], to: try work.state())
                            work.hasChanges = false
                        }
                    } else if let flow = component as? LightningFlow {
                        descendants.append(flow.name)
                        descendants += try flow.captureChanges(path: structurePath + ["flows", StateString(key)], into: &delta)
                    }
                }
            } else {
                descendants += try structure.captureChanges(path: structurePath, saved: saved.entries, into: &delta)
            }
        }
        for key in previous.structures.keys where current.structures[key] == nil { delta.remove(path + ["structures", StateString(key)]) }

        if hasChanges || descendants != previous.layout {
            privateVars["_layout"] = Self.layout(descendants)
            delta.set(path + ["vars"], to: .object(try varsState()))
            delta.set(path + ["calls"], to: .object(calls))
        }
        savedChildren = SavedChildren(current, layout: descendants, previous: previous)
        hasChanges = false
        return descendants
    }

    /// `_layout`: one `{"name", "content"}` entry per flow below.
    static func layout(_ descendants: [String]) -> StateValue {
        .array(descendants.map { ["name": .string(StateString($0)), "content": .string(StateString($0))] })
    }
}

extension SavedChildren {
    /// Records `children`, reusing `previous`'s record of each structure that did not change.
    init(_ children: FlowChildren, layout: [String], previous: SavedChildren? = nil) {
        flows = children.flows
        works = children.works
        structures = OrderedDictionary(uniqueKeysWithValues: children.structures.map { key, structure in
            (key, previous?.structures[key].flatMap { $0.structure === structure && $0.version == structure.version ? $0 : nil } ?? SavedStructure(structure))
        })
        self.layout = layout
    }
}

extension LightningStructure {
    /// Appends to `delta` what changed in this structure's entries since they were `saved`.
    func captureChanges(path: [StateString], saved savedEntries: [(key: String, component: LightningComponent)], into delta: inout StateDelta) throws(LightningError) -> [String] {
        try checkKeys()
        let current = entries
        func keys(_ list: [(key: String, component: LightningComponent)], works: Bool) -> [String] {
            list.filter { ($0.component is LightningWork) == works }.map(\.key)
        }
        if orderChanged(saved: keys(savedEntries, works: true), current: keys(current, works: true))
            || orderChanged(saved: keys(savedEntries, works: false), current: keys(current, works: false))
        {
            let (state, below) = try state(recordingAsSaved: true)
            delta.set(path, to: state)
            return below
        }
        let saved = Dictionary(savedEntries.map { ($0.key, $0.component) }, uniquingKeysWith: { first, _ in first })
        var descendants: [String] = []
        var present = Set<String>()
        for (key, component) in current {
            present.insert(key)
            let isSame = saved[key] === component
            if let old = saved[key], (old is LightningWork) != (component is LightningWork) {
                // The key changed kind: it leaves the other group.
                delta.remove(path + [old is LightningWork ? "works" : "flows", StateString(key)])
            }
            if let work = component as? LightningWork {
                if !isSame || work.hasChanges {
                    delta.set(path + ["works", StateString(key)], to: try work.state())
                    work.hasChanges = false
                }
            } else if let flow = component as? LightningFlow {
                descendants.append(flow.name)
                let childPath = path + ["flows", StateString(key)]
                if isSame {
                    descendants += try flow.captureChanges(path: childPath, into: &delta)
                } else {
                    let (state, below) = try flow.state(recordingAsSaved: true)
                    delta.set(childPath, to: state)
                    descendants += below
                }
            }
        }
        for (key, component) in savedEntries where !present.contains(key) {
            delta.remove(path + [component is LightningWork ? "works" : "flows", StateString(key)])
        }
        return descendants
    }
}
