extension StateDelta {
    /// The levels a delta's stored form wraps around each value: the edit list, then the edit.
    package static let payloadNesting = 2

    /// How deeply the state nests where this delta's values land: the largest, over its `set`
    /// edits, of the path's length plus the value's own ``StateValue/nestingDepth``.
    ///
    /// This is the one nesting rule for deltas, the writers' and the readers' alike
    /// (`docs/FORMAT.md`, "Limits"): a delta whose values would nest deeper in the state than a
    /// reader accepts of a full state is neither written nor read, however short its paths.
    package var stateNesting: Int {
        var deepest = 0
        for case .set(let path, let value) in edits {
            deepest = Swift.max(deepest, path.count + value.nestingDepth)
        }
        return deepest
    }

    /// The longest path of any edit.
    package var longestPath: Int {
        edits.reduce(0) { Swift.max($0, $1.path.count) }
    }
}
