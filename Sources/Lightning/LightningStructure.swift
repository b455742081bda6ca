import LightningState

/// The common base of ``LightningList`` and ``LightningDict``: a named collection of works and flows.
///
/// A structure's state is `{"works": {key: …}, "flows": {key: …}}`; its children's full names are
/// `<structure name>.<key>`.
public class LightningStructure {
    /// The full name, e.g. `root.items`.
    public internal(set) var name = "root"

    init() {
        handle.holder = self
    }

    deinit {
        handle.holder = nil
    }

    /// The Lightning name of the structure type, `List` or `Dict`, for messages.
    var kindName: String { fatalError("subclass responsibility") }

    /// Counts changes to the set or order of entries, so that naming and change capture can skip
    /// an unchanged structure without comparing its entries. An edit marks the structure for the
    /// next capture's visit.
    var version = 0 {
        didSet {
            noteVisitNeeded()
            noteAttachmentNeeded()
        }
    }

    /// The name and version of the entries as last attached (named and linked), and the flows
    /// among them, which each iteration looks at for reassigned children.
    var attachedAs: (name: String, version: Int)?
    var attachedFlows: [LightningFlow] = []

    /// The version of the entries the last committed capture saw; `nil` before one (see
    /// `isAsCaptured`).
    var capturedVersion: Int?

    /// Whether the next capture must visit the structure: an edit, or an entry that needs a visit.
    var needsVisit = false
    /// Whether the next attachment must look at the entries: an edit, or one below.
    var needsAttachment = false
    /// Whether a flow among the entries, or below them, asked the app to stop.
    var stopInSubtree = false
    /// The entries that needed a visit since the last capture, by key, in the order they asked;
    /// each is one the structure holds under its key, as long as it is not edited.
    var changedEntries: [(key: String, component: LightningComponent)] = []
    /// The flows that hold this structure.
    var holders: [HolderLink] = []
    /// The stand-in its entries' links keep.
    let handle = HolderHandle()

    /// The children with their keys, in order.
    var entries: [(key: String, component: LightningComponent)] { fatalError("subclass responsibility") }

    /// Calls `body` with each child and its key, in order, without building an array.
    func forEachEntry<E: Error>(_ body: (String, LightningComponent) throws(E) -> Void) throws(E) { fatalError("subclass responsibility") }

    /// The entry under `key`, if any.
    func entry(forKey key: String) -> LightningComponent? { fatalError("subclass responsibility") }

    /// Throws when an entry's key could not be saved (a `LightningDict` key holding `.`).
    func checkKeys() throws(LightningError) {}

    /// Makes the entries exactly `restored` (keys with the components to hold), as a checkpoint
    /// restore decides them: entries not in it are dropped, new ones are added.
    func replaceEntries(_ restored: [(key: String, component: LightningComponent)]) { fatalError("subclass responsibility") }

    /// A new entry for `key`, made by the structure's element factory from the entry's checkpoint
    /// state; `nil` when the structure has no factory.
    func makeEntry(key: String, state: ComponentState) throws(LightningError) -> LightningComponent? { fatalError("subclass responsibility") }
}

extension LightningStructure: ComponentHolder {
    func childNeedsVisit(_ child: AnyObject, key: String, stamp: Int) {
        // A link stamped with an older version is left from an entry since removed; an edit not yet
        // attached sends the next capture to compare every entry anyway.
        if stamp == attachedAs?.version, let component = child as? LightningComponent {
            changedEntries.append((key, component))
        }
        noteVisitNeeded()
    }

    func childNeedsAttachment() {
        noteAttachmentNeeded()
    }

    func childStopped() {
        if !stopInSubtree {
            stopInSubtree = true
            holders.notifyStop()
        }
    }

    /// Marks the structure for the next capture's visit and tells its holders, once per capture.
    final func noteVisitNeeded() {
        if !needsVisit {
            needsVisit = true
            holders.notify(self)
        }
    }

    /// Marks the structure as needing attachment and tells its holders, once per attachment.
    final func noteAttachmentNeeded() {
        if !needsAttachment {
            needsAttachment = true
            holders.notifyAttachment()
        }
    }
}

/// The element factory of a ``LightningList`` or ``LightningDict``: makes the entry that a checkpoint
/// holds under `key`, before the entry's state is loaded into it. The checkpoint state is given so
/// that a structure holding several types can tell which to make.
public typealias ElementFactory<Element> = (_ key: String, _ state: ComponentState) throws -> Element

extension LightningStructure {
    /// Calls `factory`, turning its failure into a ``LightningError`` naming the entry.
    func callFactory<Element>(_ factory: ElementFactory<Element>, key: String, state: ComponentState) throws(LightningError) -> Element {
        do {
            return try factory(key, state)
        } catch let error as LightningError {
            throw error
        } catch {
            throw LightningError("The \(kindName) \(name) could not re-create its entry \(key): \(error)", underlying: error)
        }
    }
}
