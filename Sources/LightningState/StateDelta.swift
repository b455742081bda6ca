
/// Changes to a state tree: the payload of an incremental (delta) snapshot.
///
/// An edit addresses a node by the keys that lead to it from the top (`["flows", "a", "works",
/// "w"]`) and sets, inserts or removes it, or appends to or splices the array (or appends to the
/// string) there; edits apply in order. A checkpoint's delta sets the vars that changed — or only
/// what changed inside them: the elements appended to a growing history, the entries of a large
/// table that changed — adds or removes children, so its size follows what changed, not the size
/// of the app.
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
        /// Inserts the member at `path`, which must not exist, at `position` among its parent's
        /// members (`0` first; the parent's member count appends it last, as ``set(path:value:)``).
        case insert(path: [StateString], position: Int, value: StateValue)
        /// Appends to the member at `path`: the elements of `tail` when both are arrays, its text
        /// when both are strings.
        case append(path: [StateString], tail: StateValue)
        /// Replaces the elements `range` of the array at `path` with `elements` (fewer, more, or none).
        case splice(path: [StateString], range: Range<Int>, elements: [StateValue])

        /// The path the edit addresses.
        public var path: [StateString] {
            switch self {
            case .set(let path, _), .remove(let path), .insert(let path, _, _), .append(let path, _), .splice(let path, _, _): return path
            }
        }

        /// Whether the edit replaces or removes the node at its path wholesale (so that it makes
        /// earlier edits below that node moot).
        var replacesNode: Bool {
            switch self {
            case .set, .remove, .insert: return true
            case .append, .splice: return false
            }
        }

        /// The same edit at the same place below `newBase` as it is below `base`, a prefix of its path.
        package func moved(from base: [StateString], to newBase: [StateString]) -> Edit {
            let path = newBase + self.path.dropFirst(base.count)
            switch self {
            case .set(_, let value): return .set(path: path, value: value)
            case .remove: return .remove(path: path)
            case .insert(_, let position, let value): return .insert(path: path, position: position, value: value)
            case .append(_, let tail): return .append(path: path, tail: tail)
            case .splice(_, let range, let elements): return .splice(path: path, range: range, elements: elements)
            }
        }

        /// The edit with `value` in place of its own, for a `set` or an `insert`.
        func withValue(_ value: StateValue) -> Edit {
            switch self {
            case .set(let path, _): return .set(path: path, value: value)
            case .insert(let path, let position, _): return .insert(path: path, position: position, value: value)
            default: return self
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
        var values: [Int: StateValue] = [:]  // a later set's value moved into an earlier set or insert
        for index in edits.indices.reversed() {
            let edit = edits[index]
            let path = edit.path
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
            let later = laterAtPath[path].map { edits[$0] }
            switch (edit, later) {
            case (.set, .set(_, let value)?), (.insert, .set(_, let value)?):
                // set or insert, …, set of the same node: the earlier keeps its place with the later value.
                let laterIndex = laterAtPath[path]!
                values[index] = values.removeValue(forKey: laterIndex) ?? value
                keep[laterIndex] = false
            case (.append, let later?) where later.replacesNode, (.splice, let later?) where later.replacesNode:
                // Changes inside a node that a later edit replaces or removes.
                keep[index] = false
                continue
            default:
                break
            }
            laterAtPath[path] = index
            if edit.replacesNode {
                covering.insert(path[...])
                shallowest = min(shallowest, path.count)
            }
        }
        var folded: [Edit] = []
        folded.reserveCapacity(keep.count(where: { $0 }))
        for (index, edit) in edits.enumerated() where keep[index] {
            if let value = values[index] { folded.append(edit.withValue(value)) } else { folded.append(edit) }
        }
        edits = folded
    }

    /// Applies the edits, in order, to `state`.
    ///
    /// An edit that does not fit changes nothing; the edits before it stay applied.
    /// - Throws: ``StateDeltaError`` naming the edit whose path does not lead to an object member,
    ///   or whose member is not what the edit changes.
    public func apply(to state: inout StateValue) throws(StateDeltaError) {
        for (index, edit) in edits.enumerated() {
            try edit.apply(to: &state, index: index)
        }
    }
}

extension StateDelta.Edit {
    /// Applies the edit, the `index`-th of its delta, to `state`.
    fileprivate func apply(to state: inout StateValue, index: Int) throws(StateDeltaError) {
        func failure(_ problem: String) -> StateDeltaError { StateDeltaError(index: index, path: path, problem: problem) }
        guard !path.isEmpty else {
            if case .set(_, let value) = self { state = value; return }
            throw failure("cannot \(verb) the whole state")
        }
        try state.updateMember(at: path[...], index: index, fullPath: path) { (member: inout StateValue?, siblings: Int) throws(StateDeltaError) -> Int? in
            switch self {
            case .set(_, let value):
                member = value
            case .remove:
                guard member != nil else { throw failure("no such member to remove") }
                member = nil
            case .insert(_, let position, let value):
                guard member == nil else { throw failure("the member to insert exists") }
                guard position >= 0, position <= siblings else {
                    throw failure("position \(position) is outside the parent's \(siblings) member\(siblings == 1 ? "" : "s")")
                }
                member = value
                return position
            case .append(_, let tail):
                // Bound from `member` alone, not from a tuple holding it (which would keep a second
                // reference), and `member` emptied: `elements` is then the storage's only reference,
                // and grows in place instead of being copied for every delta.
                if case .array(let more) = tail, case .array(var elements)? = member {
                    member = nil
                    elements.append(contentsOf: more)
                    member = .array(elements)
                    return nil
                }
                switch (member, tail) {
                case (.string(let text)?, .string(let more)):
                    var bytes = text.withWTF8 { Array($0) }
                    more.withWTF8 { bytes.append(contentsOf: $0) }
                    guard let joined = StateString(wtf8: bytes) else {
                        throw failure("the text appended would join a lone high surrogate to a low one")
                    }
                    member = .string(joined)
                case (nil, _): throw failure("no such member to append to")
                case (_, .array): throw failure("the member is not an array")
                case (_, .string): throw failure("the member is not a string")
                default: throw failure("appends neither elements nor text")
                }
            case .splice(_, let range, let elements):
                guard case .array(var array)? = member else {
                    throw failure(member == nil ? "no such member to splice" : "the member is not an array")
                }
                guard range.lowerBound >= 0, range.upperBound <= array.count else {
                    throw failure("elements \(range.lowerBound)..<\(range.upperBound) are outside an array of \(array.count)")
                }
                member = nil
                array.replaceSubrange(range, with: elements)
                member = .array(array)
            }
            return nil
        }
    }

    /// The edit's verb, as stored: `set`, `remove`, `insert`, `append` or `splice`.
    public var verb: String {
        switch self {
        case .set: return "set"
        case .remove: return "remove"
        case .insert: return "insert"
        case .append: return "append"
        case .splice: return "splice"
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

    /// The one-line message: `edit 3 at flows.a.vars.x: the parent is not an object` (`at the
    /// top` for an empty path).
    public var description: String {
        "edit \(index) at \(path.isEmpty ? "the top" : path.map(\.displayString).joined(separator: ".")): \(problem)"
    }
}

extension StateValue {
    /// Calls `body` with the member at `path` (nil when missing) and the number of its parent's
    /// members, in place: the containers on the way are mutated without copying when uniquely
    /// referenced. A member `body` leaves non-nil stays in its place, or, when new, goes where
    /// `body` returns (last when nil); one it leaves nil is removed.
    fileprivate mutating func updateMember(
        at path: ArraySlice<StateString>, index: Int, fullPath: [StateString],
        _ body: (inout StateValue?, Int) throws(StateDeltaError) -> Int?
    ) throws(StateDeltaError) {
        guard case .object(var members) = self else {
            throw StateDeltaError(index: index, path: fullPath, problem: "\(fullPath.count - path.count == 0 ? "the state" : "the parent") is not an object")
        }
        self = .null  // release this reference so that `members` is unique
        defer { self = .object(members) }
        let key = path.first!
        if path.count == 1 {
            guard let position = members.index(forKey: key) else {
                var member: StateValue?
                let insertion = try body(&member, members.count)
                if let member {
                    if let insertion { members.updateValue(member, forKey: key, insertingAt: insertion) } else { members[key] = member }
                }
                return
            }
            // Moved out, so that the member's own storage is unique while `body` changes it; `body`
            // throws before it changes anything, so a refused edit puts the member back as it was.
            var member: StateValue? = members.values[position]
            members.values[position] = .null
            do {
                _ = try body(&member, members.count)
            } catch {
                members.values[position] = member ?? .null
                throw error
            }
            if let member { members.values[position] = member } else { members.remove(at: position) }
            return
        }
        guard let position = members.index(forKey: key) else {
            throw StateDeltaError(index: index, path: fullPath, problem: "no member \"\(key.displayString)\" on the way")
        }
        try members.values[position].updateMember(at: path.dropFirst(), index: index, fullPath: fullPath, body)
    }
}
