import LightningState

/// How a checkpoint learns what changed without walking the app.
///
/// Every attached component and structure keeps weak links to what holds it (a flow, by property,
/// or a structure, by key). The first change after a capture — a `@Var` write, a recorded call, a
/// structure edit, a flow's children reassigned — marks the node as needing a visit and tells its
/// holders, which mark themselves in turn, up to the root; a node already marked stops the climb.
/// A capture then follows the marks down from the root and visits nothing else, and clears them
/// only once the whole capture succeeded.
///
/// Two more marks climb the same links: a structure edit or a reassigned child property marks the
/// path as needing attachment (the loop names and links what is new there after the iteration),
/// and ``LightningFlow/stop()`` marks it as stopping.

/// A node of the tree that holds components: a flow (in its properties) or a structure (as entries).
protocol ComponentHolder: AnyObject {
    /// The stand-in that the links to this holder keep.
    var handle: HolderHandle { get }
    /// Called when `child`, held under `key`, needs a visit by the next capture for the first time
    /// since the last one; `stamp` is the link's (see ``HolderLink/stamp``).
    func childNeedsVisit(_ child: AnyObject, key: String, stamp: Int)
    /// Called when a child was edited or reassigned, or something below it was.
    func childNeedsAttachment()
    /// Called when a flow at or below a child asked the app to stop.
    func childStopped()
}

/// A holder's stand-in, which the links to it keep instead of a weak reference: the holder clears
/// it when it goes. A weakly referenced object moves its reference counts to a side table, and
/// then every retain, of which a capture makes several per flow it visits, costs a second cache
/// miss.
final class HolderHandle {
    /// The holder, set by its `init` and cleared by its `deinit`.
    unowned(unsafe) var holder: (any ComponentHolder)?
}

/// A link from a component or structure to one place that holds it; it does not keep the holder.
struct HolderLink {
    let handle: HolderHandle
    let key: String
    /// The holder's attachment when it linked the node (a structure's version, a flow's count of
    /// attachments): a link whose stamp is not the holder's current one is left from an entry or
    /// child since removed.
    var stamp: Int

    /// The holder, while it exists.
    var holder: (any ComponentHolder)? { handle.holder }
}

extension [HolderLink] {
    /// Adds the link to `holder` under `key`, dropping links to holders that are gone or no longer
    /// hold `node` (a component moved elsewhere), so that a node's links stay as few as its places.
    mutating func link(_ node: AnyObject, to holder: any ComponentHolder, key: String, stamp: Int = 0) {
        let handle = holder.handle
        if count == 1, self[0].handle === handle, self[0].key == key {
            // The common case: re-attached where it was.
            self[0].stamp = stamp
            return
        }
        removeAll { link in
            guard let other = link.holder else { return true }
            return !(link.handle === handle && link.key == key) && !other.stillHolds(node, key: link.key)
        }
        if let index = firstIndex(where: { $0.handle === handle && $0.key == key }) {
            self[index].stamp = stamp
        } else {
            append(HolderLink(handle: handle, key: key, stamp: stamp))
        }
    }

    /// Tells every holder that `node` needs a visit.
    func notify(_ node: AnyObject) {
        for link in self { link.holder?.childNeedsVisit(node, key: link.key, stamp: link.stamp) }
    }

    /// Tells every holder that something below needs attachment.
    func notifyAttachment() {
        for link in self { link.holder?.childNeedsAttachment() }
    }

    /// Tells every holder that a flow below asked to stop.
    func notifyStop() {
        for link in self { link.holder?.childStopped() }
    }
}

extension ComponentHolder {
    /// Whether this holder holds `node` under `key` as it was last attached.
    func stillHolds(_ node: AnyObject, key: String) -> Bool {
        if let flow = self as? LightningFlow {
            guard let children = flow.attached else { return false }
            return children.flows[key] === node || children.works[key] === node || children.structures[key] === node
        }
        if let structure = self as? LightningStructure {
            return structure.entry(forKey: key) === node
        }
        return false
    }
}

/// What a capture found, applied only once the whole capture succeeded: a capture that fails part
/// way leaves every mark in place (and the app's next checkpoint whole), and a component held in
/// two places is written in both.
struct CaptureLog {
    /// Whether anything is recorded: a capture that only reads the state (an export) records nothing.
    let isRecording: Bool
    /// Whether the vars captured whole are recorded, for the writer to keep (deltas will follow).
    let keepsVars: Bool
    /// Whether large vars are taken by reference, for the writer to convert (a recording
    /// capture, whose state goes to the writer; an export converts them in place).
    var defersVars: Bool { isRecording }
    /// The vars taken by reference, with the paths where the writer sets them.
    private(set) var deferredVars: [DeferredVar] = []
    /// The vars captured whole, which the writer keeps to compare their next changes with.
    private(set) var keptVars: [any CapturedVar] = []
    /// The components whose state was captured, and the flows and structures visited.
    private var components: [LightningComponent] = []
    private var flows: [LightningFlow] = []
    private var structures: [LightningStructure] = []
    /// The children each captured flow now has saved, with their layout.
    private var savedChildren: [ObjectIdentifier: (flow: LightningFlow, saved: SavedChildren)] = [:]

    init(recording: Bool, keepingVars: Bool = false) {
        isRecording = recording
        keepsVars = recording && keepingVars
    }

    mutating func keep(_ value: any CapturedVar) {
        keptVars.append(value)
    }

    mutating func deferWhole(_ path: [StateString], _ value: any CapturedVar) {
        deferredVars.append(DeferredVar(path: path, value: value, keeps: keepsVars))
    }

    mutating func captured(_ work: LightningWork) {
        if isRecording { components.append(work) }
    }

    /// Records a flow as captured; its asked children are cleared on commit too.
    mutating func capturedFlow(_ flow: LightningFlow) {
        guard isRecording else { return }
        components.append(flow)
        flows.append(flow)
    }

    mutating func visited(_ structure: LightningStructure) {
        if isRecording { structures.append(structure) }
    }

    mutating func save(_ children: SavedChildren, of flow: LightningFlow) {
        guard isRecording else { return }
        savedChildren[ObjectIdentifier(flow)] = (flow, children)
        components.append(flow)
        flows.append(flow)
    }

    /// The full names of the flows below `flow`, as this capture leaves them.
    func layout(of flow: LightningFlow) -> [String] {
        savedChildren[ObjectIdentifier(flow)]?.saved.layout ?? flow.savedChildren?.layout ?? []
    }

    /// Records everything as captured: clears the marks and keeps the saved children.
    func commit() {
        for (flow, saved) in savedChildren.values { flow.savedChildren = saved }
        for component in components { component.clearChanges() }
        for flow in flows { flow.askedChildren.removeAll(keepingCapacity: true) }
        for structure in structures {
            structure.capturedVersion = structure.version
            structure.needsVisit = false
            structure.changedEntries.removeAll(keepingCapacity: true)
        }
    }
}
