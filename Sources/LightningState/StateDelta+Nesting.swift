extension StateDelta {
    /// The levels a delta's stored form wraps around each value: the edit list, then the edit.
    package static let payloadNesting = 2

    /// How deeply the state nests where this delta's values land: the largest, over its edits
    /// that carry values, of the path's length plus the carried value's own
    /// ``StateValue/nestingDepth`` (for `append` and `splice`, the elements as one array: each
    /// lands one level inside the array at the path).
    ///
    /// This is the one nesting rule for deltas, the writers' and the readers' alike
    /// (`docs/FORMAT.md`, "Limits"): a delta whose values would nest deeper in the state than a
    /// reader accepts of a full state is neither written nor read, however short its paths.
    package var stateNesting: Int {
        var deepest = 0
        for edit in edits {
            deepest = Swift.max(deepest, edit.stateNesting)
        }
        return deepest
    }

    /// The longest path of any edit.
    package var longestPath: Int {
        edits.reduce(0) { Swift.max($0, $1.path.count) }
    }
}

extension StateDelta.Edit {
    /// How deeply the state nests where the edit's value lands (see ``StateDelta/stateNesting``).
    package var stateNesting: Int {
        switch self {
        case .set(let path, let value), .insert(let path, _, let value), .append(let path, let value):
            return path.count + value.nestingDepth
        case .splice(let path, _, let elements):
            return path.count + StateValue.array(elements).nestingDepth
        case .remove:
            return 0
        }
    }
}
