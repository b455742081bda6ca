import LightningState

/// A delta as the loop captured it: edits, and the changed vars whose edits the writer finds
/// (on its thread, checkpoint by checkpoint in order, see ``CapturedVar``).
///
/// Checkpoints merged while the writer is behind keep their own captures, in order: each one's
/// vars are compared with the values the one before left.
struct CapturedChanges: Sendable {
    enum Item: Sendable {
        case edit(StateDelta.Edit)
        /// A changed var, at its path.
        case changed([StateString], any CapturedVar)
        /// A var the checkpoint holds whole (in an edit): its value is kept.
        case whole(any CapturedVar)
        /// A var the checkpoint holds whole, converted here and set at its path (after the edit
        /// that holds its `null`).
        case deferred(DeferredVar)
    }

    /// One capture's items per checkpoint merged here (one, unless merged).
    private(set) var captures: [[Item]] = [[]]

    init() {}

    /// Changes that are `delta`'s edits, and nothing to compare.
    init(_ delta: StateDelta) {
        captures = [delta.edits.map(Item.edit)]
    }

    /// The captures held: one, plus one per checkpoint merged in.
    var captureCount: Int { captures.count }

    /// Whether there is nothing to write.
    var isEmpty: Bool { captures.allSatisfy(\.isEmpty) }

    /// Appends an edit that sets the member at `path`.
    mutating func set(_ path: [StateString], to value: StateValue) {
        captures[captures.count - 1].append(.edit(.set(path: path, value: value)))
    }

    /// Appends an edit that removes the member at `path`.
    mutating func remove(_ path: [StateString]) {
        captures[captures.count - 1].append(.edit(.remove(path: path)))
    }

    /// Appends a changed var at `path`.
    mutating func changed(_ path: [StateString], _ value: any CapturedVar) {
        captures[captures.count - 1].append(.changed(path, value))
    }

    /// Records vars that this capture's edits hold whole: their values are kept with the others'.
    mutating func keep(_ wholes: [any CapturedVar]) {
        captures[captures.count - 1].append(contentsOf: wholes.map(Item.whole))
    }

    /// Records vars that this capture's edits hold by reference: they are converted and set after
    /// its other edits (each in a component set whole by one of them).
    mutating func fill(_ deferred: [DeferredVar]) {
        captures[captures.count - 1].append(contentsOf: deferred.map(Item.deferred))
    }

    /// Appends a later checkpoint's capture.
    mutating func append(contentsOf later: CapturedChanges) {
        captures.append(contentsOf: later.captures)
    }

    /// The delta: each changed var compared with the value kept, capture by capture, the kept
    /// values brought up to date as they are. Run where the checkpoints are written, one after
    /// another, in order.
    func resolve() -> StateDelta {
        var delta = StateDelta()
        for items in captures {
            // A var met again in the same capture (a component held in two places) had the same
            // value in both places: the edits found at the first apply at the second.
            var found: [ObjectIdentifier: (path: [StateString], edits: Range<Int>)] = [:]
            for item in items {
                switch item {
                case .edit(let edit):
                    delta.edits.append(edit)
                case .changed(let path, let value):
                    if let earlier = found[value.mirrorIdentity] {
                        for index in earlier.edits {
                            delta.edits.append(delta.edits[index].moved(from: earlier.path, to: path))
                        }
                    } else {
                        let start = delta.edits.count
                        value.appendChanges(at: path, into: &delta)
                        found[value.mirrorIdentity] = (path, start..<delta.edits.count)
                    }
                case .deferred(let deferred):
                    delta.set(deferred.path, to: deferred.value.wholeState)
                case .whole:
                    break
                }
            }
            // Values held whole are kept once the capture's changes are found against the ones before.
            for item in items {
                switch item {
                case .whole(let value): value.keep()
                case .deferred(let deferred): if deferred.keeps { deferred.value.keep() }
                case .edit, .changed: break
                }
            }
        }
        if captures.count > 1 { delta.fold() }
        return delta
    }
}
