
/// Changes to a state tree: the payload of an incremental (delta) snapshot.
///
/// An edit addresses a node by the keys that lead to it from the top (`["flows", "a", "works",
/// "w"]`) and sets or removes it; edits apply in order. A checkpoint's delta sets the states of the
/// components that changed, the `vars` and `calls` of flows that changed, and adds or removes
/// children, so its size follows what changed, not the size of the app.
///
/// ```swift
/// var delta = StateDelta()
/// delta.set(["works", "w", "vars", "counter"], to: 4)
/// try delta.apply(to: &state)
/// ```
public struct StateDelta: Sendable, Hashable {
    /// One change.
    public enum Edit: Sendable, Hashable {
        /// Sets the member at `path` (inserting it last when missing); its parent must be an object.
        case set(path: [StateString], value: StateValue)
        /// Removes the member at `path`, which must exist.
        case remove(path: [StateString])

        /// The path the edit addresses.
        public var path: [StateString] {
            switch self {
            case .set(let path, _), .remove(let path): return path
            }
        }
    }

    /// The edits, in the order they apply.
    public var edits: [Edit]

    /// Creates a delta of `edits`, applied in order.
    public init(edits: [Edit] = []) {
        self.edits = edits
    }

    /// Appends an edit that sets the member at `path`.
    public mutating func set(_ path: [StateString], to value: StateValue) {
        edits.append(.set(path: path, value: value))
    }

    /// Appends an edit that removes the member at `path`.
    public mutating func remove(_ path: [StateString]) {
        edits.append(.remove(path: path))
    }

    /// Appends the edits of `later`, which then win over this delta's.
    public mutating func append(contentsOf later: StateDelta) {
        edits.append(contentsOf: later.edits)
    }

    /// Appends the edits of `later` and drops what they make moot, so that a delta merged with one
    /// after another (a checkpoint carried over a failed save, or merged while the storage is
    /// behind) grows with the paths changed, not with the number of deltas merged.
    ///
    /// The result applies to any state exactly as appending would, member order included. An
    /// edit is dropped when a later one sets or removes a node above it; a `set` followed, with
    /// nothing removing that node in between, by another `set` of the same node keeps its place
    /// and takes the later value.
    /// - Complexity: O(*n* × *d*) for *n* edits of at most *d* keys.
    public mutating func merge(_ later: StateDelta) {
        edits.append(contentsOf: later.edits)
        fold()
    }

    /// Drops the edits that later ones make moot (see ``merge(_:)``).
    public mutating func fold() {
        guard edits.count > 1 else { return }
        // Walk backwards: what a later edit replaces or removes wholesale covers everything below it.
        var covering = Set<ArraySlice<StateString>>()
        var shallowest = Int.max  // no covering path is shorter: a quick test for the common case
        var laterAtPath: [[StateString]: Int] = [:]  // the kept edit nearest after, at each exact path
        var keep = [Bool](repeating: true, count: edits.count)
        var values: [Int: StateValue] = [:]  // a later set's value moved into an earlier set
        for index in edits.indices.reversed() {
            let path = edits[index].path
            if path.count > shallowest {
                var covered = false
                for depth in shallowest..<path.count where covering.contains(path[..<depth]) {
                    covered = true
                    break
                }
                if covered {
                    keep[index] = false
                    continue
                }
            }
            if case .set = edits[index], let later = laterAtPath[path], case .set(_, let value) = edits[later] {
                // set, …, set of the same node: the earlier keeps its place with the later value.
                values[index] = values.removeValue(forKey: later) ?? value
                keep[later] = false
            }
            laterAtPath[path] = index
            covering.insert(path[...])
            shallowest = min(shallowest, path.count)
        }
        var folded: [Edit] = []
        folded.reserveCapacity(keep.count(where: { $0 }))
        for (index, edit) in edits.enumerated() where keep[index] {
            if let value = values[index] { folded.append(.set(path: edit.path, value: value)) } else { folded.append(edit) }
        }
        edits = folded
    }

    /// Applies the edits, in order, to `state`.
    /// - Throws: ``StateDeltaError`` naming the edit whose path does not lead to an object member.
    public func apply(to state: inout StateValue) throws(StateDeltaError) {
        for (index, edit) in edits.enumerated() {
            guard !edit.path.isEmpty else {
                if case .set(_, let value) = edit { state = value; continue }
                throw StateDeltaError(index: index, path: edit.path, problem: "cannot remove the whole state")
            }
            switch edit {
            case .set(let path, let value):
                try state.updateMember(at: path[...], index: index, fullPath: path) { (member: inout StateValue?) throws(StateDeltaError) in member = value }
            case .remove(let path):
                try state.updateMember(at: path[...], index: index, fullPath: path) { (member: inout StateValue?) throws(StateDeltaError) in
                    guard member != nil else { throw StateDeltaError(index: index, path: path, problem: "no such member to remove") }
                    member = nil
                }
            }
        }
    }
}

/// A delta edit that does not fit the state it is applied to.
public struct StateDeltaError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The position of the edit in the delta.
    public let index: Int
    /// The edit's path.
    public let path: [StateString]
    /// What is wrong.
    public let problem: String

    /// The one-line message: `edit 3 at flows.a.vars.x: the parent is not an object`.
    public var description: String {
        "edit \(index) at \(path.map(\.displayString).joined(separator: ".")): \(problem)"
    }
}

extension StateValue {
    /// Calls `body` with the member at `path` (nil when missing), in place: the containers on the
    /// way are mutated without copying when uniquely referenced.
    fileprivate mutating func updateMember(
        at path: ArraySlice<StateString>, index: Int, fullPath: [StateString],
        _ body: (inout StateValue?) throws(StateDeltaError) -> Void
    ) throws(StateDeltaError) {
        guard case .object(var members) = self else {
            throw StateDeltaError(index: index, path: fullPath, problem: "\(fullPath.count - path.count == 0 ? "the state" : "the parent") is not an object")
        }
        self = .null  // release this reference so that `members` is unique
        defer { self = .object(members) }
        let key = path.first!
        if path.count == 1 {
            var member = members[key]
            try body(&member)
            if let member { members[key] = member } else { members.removeValue(forKey: key) }
            return
        }
        guard let position = members.index(forKey: key) else {
            throw StateDeltaError(index: index, path: fullPath, problem: "no member \"\(key.displayString)\" on the way")
        }
        try members.values[position].updateMember(at: path.dropFirst(), index: index, fullPath: fullPath, body)
    }
}
