import LightningCodecs
import LightningState
import OrderedCollections

/// What a flow held when the last checkpoint captured it: enough to tell, at the next capture,
/// which children were added, removed or replaced without looking at unchanged components' vars.
///
/// A class, so that a capture visiting a flow reads it in place instead of copying its dictionaries.
final class SavedChildren {
    /// The attachment the record was made from: while the flow's is this very one, its children
    /// are those recorded.
    let attachment: FlowChildren?
    let flows: OrderedDictionary<String, LightningFlow>
    let works: OrderedDictionary<String, LightningWork>
    let structures: OrderedDictionary<String, SavedStructure>
    let layout: [String]

    init(attachment: FlowChildren?, flows: OrderedDictionary<String, LightningFlow>, works: OrderedDictionary<String, LightningWork>, structures: OrderedDictionary<String, SavedStructure>, layout: [String]) {
        self.attachment = attachment
        self.flows = flows
        self.works = works
        self.structures = structures
        self.layout = layout
    }
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
    if saved.elementsEqual(current) { return false }
    let currentSet = Set(current)
    let savedSet = Set(saved)
    let expected = saved.filter(currentSet.contains) + current.filter { !savedSet.contains($0) }
    return !expected.elementsEqual(current)
}

extension LightningFlow {
    /// Appends to `delta` what changed at and below this flow since the last capture, and records
    /// in `log` what the capture saw.
    ///
    /// Only what was marked as needing a visit is looked at: a changed component sets the vars
    /// written and, if a call was recorded, its `calls` (a flow whose `_layout` changed sets its
    /// `vars` whole); added children are set whole, removed ones removed. The caller visits a flow
    /// only when it is marked. While the flow's children are those the last capture saved (no
    /// child property was reassigned since), only the children that asked are visited, so that a
    /// flow holding many children costs what changed below it; after a reassignment, every child
    /// is compared with the saved ones.
    /// - Returns: Whether the full names of the flows below changed since the last capture (then
    ///   the flow holding this one rewrites its `_layout`); the names are in `log`.
    func captureChanges(path: [StateString], into delta: inout CapturedChanges, log: inout CaptureLog) throws(LightningError) -> Bool {
        guard let previous = savedChildren, let current = attached else {
            // Never captured: write the whole flow.
            return try captureWhole(at: path, into: &delta, log: &log)
        }
        // Whether the children changed (then the saved record is rebuilt), and whether the flows
        // below may have (then the layout is recomputed and compared).
        var structural = false
        var layoutMoved = false
        if childrenAreSaved {
            // The children are those saved: visit the ones that asked.
            for (key, child) in askedChildren {
                if let flow = child as? LightningFlow {
                    if flow.needsVisit {
                        layoutMoved = try flow.captureChanges(path: path.appending("flows", StateString(key)), into: &delta, log: &log) || layoutMoved
                    }
                } else if let work = child as? LightningWork {
                    if work.hasChanges {
                        try work.captureOwnChanges(at: path, child: ("works", StateString(key)), into: &delta, log: &log)
                        log.captured(work)
                    }
                } else if let structure = child as? LightningStructure, structure.needsVisit {
                    let structurePath = path.appending("structures", StateString(key))
                    if structure.isAsCaptured {
                        // Not edited since the last capture: no need to read the saved record.
                        layoutMoved = try structure.captureAskedEntries(path: structurePath, into: &delta, log: &log) || layoutMoved
                    } else if let saved = previous.structures[key] {
                        layoutMoved = try structure.captureChanges(path: structurePath, saved: saved, into: &delta, log: &log) || layoutMoved
                        structural = structural || saved.version != structure.version
                    }
                }
            }
        } else {
            guard !orderChanged(saved: previous.flows.keys, current: current.flows.keys),
                !orderChanged(saved: previous.works.keys, current: current.works.keys),
                !orderChanged(saved: previous.structures.keys, current: current.structures.keys)
            else {
                // Children reordered (rare): write the whole flow.
                return try captureWhole(at: path, into: &delta, log: &log)
            }
            // Reattached: the record is rebuilt, so that the next capture recognises the children.
            structural = true
            try captureChildren(current, saved: previous, path: path, into: &delta, log: &log, layoutMoved: &layoutMoved)
        }

        // The record is read only when something below moved (most captures leave it alone).
        let descendants = layoutMoved ? Self.descendants(of: current, log: log) : nil
        let layoutChanged = descendants.map { $0 != previous.layout } ?? false
        // `_layout` is rebuilt only when the flows below changed; it stays in the private vars.
        if layoutChanged, let descendants { privateVars["_layout"] = Self.layout(descendants) }
        if hasChanges || layoutChanged { try captureOwnChanges(at: path, into: &delta, log: &log) }
        if structural || layoutChanged {
            log.save(SavedChildren(current, layout: descendants ?? previous.layout, previous: previous), of: self)
        } else {
            log.capturedFlow(self)
        }
        return layoutChanged
    }

    /// Compares the children reattached since the last capture with the `saved` ones: added
    /// children are set whole, removed ones removed, kept ones visited when marked.
    private func captureChildren(_ current: FlowChildren, saved previous: SavedChildren, path: [StateString], into delta: inout CapturedChanges, log: inout CaptureLog, layoutMoved: inout Bool) throws(LightningError) {
        for (key, flow) in current.flows {
            if previous.flows[key] !== flow {
                try flow.captureWhole(at: path.appending("flows", StateString(key)), into: &delta, log: &log)
                layoutMoved = true
            } else if flow.needsVisit {
                layoutMoved = try flow.captureChanges(path: path.appending("flows", StateString(key)), into: &delta, log: &log) || layoutMoved
            }
        }
        for key in previous.flows.keys where current.flows[key] == nil {
            delta.remove(path.appending("flows", StateString(key)))
            layoutMoved = true
        }
        for (key, work) in current.works where previous.works[key] !== work || work.hasChanges {
            if previous.works[key] === work {
                try work.captureOwnChanges(at: path, child: ("works", StateString(key)), into: &delta, log: &log)
            } else {
                let workPath = path.appending("works", StateString(key))
                delta.set(workPath, to: try work.state(at: workPath, log: &log))
            }
            log.captured(work)
        }
        for key in previous.works.keys where current.works[key] == nil {
            delta.remove(path.appending("works", StateString(key)))
        }
        for (key, structure) in current.structures {
            if let saved = previous.structures[key], saved.structure === structure {
                if structure.needsVisit {
                    layoutMoved = try structure.captureChanges(path: path.appending("structures", StateString(key)), saved: saved, into: &delta, log: &log) || layoutMoved
                }
            } else {
                let structurePath = path.appending("structures", StateString(key))
                let (state, _) = try structure.state(at: structurePath, log: &log)
                delta.set(structurePath, to: state)
                layoutMoved = true
            }
        }
        for key in previous.structures.keys where current.structures[key] == nil {
            delta.remove(path.appending("structures", StateString(key)))
            layoutMoved = true
        }
    }

    /// Sets this flow's whole state at `path` (a new child, one never captured, or one whose
    /// children were reordered), recording it in `log`.
    /// - Returns: Whether the full names of the flows below differ from the saved ones.
    @discardableResult
    func captureWhole(at path: [StateString], into delta: inout CapturedChanges, log: inout CaptureLog) throws(LightningError) -> Bool {
        let (state, below) = try state(at: path, log: &log)
        delta.set(path, to: state)
        return below != savedChildren?.layout
    }

    /// The full names of the flows below `children`, as the capture recorded in `log` leaves them.
    static func descendants(of children: FlowChildren, log: CaptureLog) -> [String] {
        var names: [String] = []
        for flow in children.flows.values {
            names.append(flow.name)
            names += log.layout(of: flow)
        }
        for structure in children.structures.values {
            for flow in structure.attachedFlows {
                names.append(flow.name)
                names += log.layout(of: flow)
            }
        }
        return names
    }

    /// `_layout`: one `{"name", "content"}` entry per flow below.
    static func layout(_ descendants: [String]) -> StateValue {
        .array(descendants.map { ["name": .string(StateString($0)), "content": .string(StateString($0))] })
    }
}

extension SavedChildren {
    /// Records `children`, reusing `previous`'s record of each structure that was not edited.
    convenience init(_ children: FlowChildren, layout: [String], previous: SavedChildren? = nil) {
        let structures = OrderedDictionary(uniqueKeysWithValues: children.structures.map { key, structure in
            (key, previous?.structures[key].flatMap { $0.structure === structure && $0.version == structure.version ? $0 : nil } ?? SavedStructure(structure))
        })
        self.init(attachment: children, flows: children.flows, works: children.works, structures: structures, layout: layout)
    }
}

extension LightningStructure {
    /// Appends to `delta` what changed in this structure's entries since they were `saved`, and
    /// returns whether the flows below may have changed (then the holder recomputes its layout).
    ///
    /// An unedited structure visits only the entries that asked; an edited one compares its
    /// entries with the saved ones.
    func captureChanges(path: [StateString], saved: SavedStructure, into delta: inout CapturedChanges, log: inout CaptureLog) throws(LightningError) -> Bool {
        guard saved.version == version else {
            try checkKeys()
            log.visited(self)
            return try captureEdits(path: path, saved: saved.entries, into: &delta, log: &log)
        }
        return try captureAskedEntries(path: path, into: &delta, log: &log)
    }

    /// Whether the entries are those the last capture of the structure committed (no edit since);
    /// a holder's saved record of them then says the same.
    var isAsCaptured: Bool { capturedVersion == version }

    /// Appends to `delta` what changed in the entries that asked for a visit, in an unedited
    /// structure; returns whether the flows below may have changed.
    func captureAskedEntries(path: [StateString], into delta: inout CapturedChanges, log: inout CaptureLog) throws(LightningError) -> Bool {
        try checkKeys()
        log.visited(self)
        var layoutMoved = false
        for (key, component) in changedEntries {
            if let work = component as? LightningWork {
                if work.hasChanges {
                    try work.captureOwnChanges(at: path, child: ("works", StateString(key)), into: &delta, log: &log)
                    log.captured(work)
                }
            } else if let flow = component as? LightningFlow, flow.needsVisit {
                layoutMoved = try flow.captureChanges(path: path.appending("flows", StateString(key)), into: &delta, log: &log) || layoutMoved
            }
        }
        return layoutMoved
    }

    /// Appends to `delta` the differences between the entries now and the `saved` ones.
    private func captureEdits(path: [StateString], saved savedEntries: [(key: String, component: LightningComponent)], into delta: inout CapturedChanges, log: inout CaptureLog) throws(LightningError) -> Bool {
        let current = entries
        func keys(_ list: [(key: String, component: LightningComponent)], works: Bool) -> [String] {
            list.filter { ($0.component is LightningWork) == works }.map(\.key)
        }
        if orderChanged(saved: keys(savedEntries, works: true), current: keys(current, works: true))
            || orderChanged(saved: keys(savedEntries, works: false), current: keys(current, works: false))
        {
            let (state, _) = try state(at: path, log: &log)
            delta.set(path, to: state)
            return true
        }
        let saved = Dictionary(savedEntries.map { ($0.key, $0.component) }, uniquingKeysWith: { first, _ in first })
        var present = Set<String>()
        for (key, component) in current {
            present.insert(key)
            let isSame = saved[key] === component
            if let old = saved[key], (old is LightningWork) != (component is LightningWork) {
                // The key changed kind: it leaves the other group.
                delta.remove(path.appending(old is LightningWork ? "works" : "flows", StateString(key)))
            }
            if let work = component as? LightningWork {
                if !isSame {
                    let workPath = path.appending("works", StateString(key))
                    delta.set(workPath, to: try work.state(at: workPath, log: &log))
                    log.captured(work)
                } else if work.hasChanges {
                    try work.captureOwnChanges(at: path, child: ("works", StateString(key)), into: &delta, log: &log)
                    log.captured(work)
                }
            } else if let flow = component as? LightningFlow {
                let childPath = path.appending("flows", StateString(key))
                if !isSame {
                    try flow.captureWhole(at: childPath, into: &delta, log: &log)
                } else if flow.needsVisit {
                    _ = try flow.captureChanges(path: childPath, into: &delta, log: &log)
                }
            }
        }
        for (key, component) in savedEntries where !present.contains(key) {
            delta.remove(path.appending(component is LightningWork ? "works" : "flows", StateString(key)))
        }
        return true
    }
}
