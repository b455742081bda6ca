/// Which checkpoints retention keeps: the newest few, and one per period of time for long runs
/// (as TensorFlow's `keep_checkpoint_every_n_hours` and Orbax's `keep_period` do).
public struct RetentionPolicy: Sendable, Hashable {
    /// Keep the newest this many checkpoints (by name, both formats); `nil` with ``keepEvery``
    /// set keeps the newest one.
    public var keepLast: Int?
    /// Also keep the first checkpoint of every period of this many seconds, by the time in its
    /// name (periods counted from the Unix epoch, so `3600` keeps the first of each UTC hour).
    public var keepEvery: Double?

    /// Creates a policy; with neither set, every checkpoint is kept.
    public init(keepLast: Int? = nil, keepEvery: Double? = nil) {
        self.keepLast = keepLast
        self.keepEvery = keepEvery
    }

    /// Whether the policy deletes anything at all.
    public var deletes: Bool { keepLast != nil || keepEvery != nil }
}

extension CheckpointStore {
    /// Keeps the newest `count` checkpoints (by name, both formats) and deletes the older ones,
    /// except the snapshots a kept delta needs, directly or through other deltas.
    /// - Returns: The files deleted.
    @discardableResult
    public func keepLast(_ count: Int) throws(CheckpointStoreError) -> [CheckpointInfo] {
        var parents: [CheckpointName: CheckpointName?] = [:]
        return try applyRetention(RetentionPolicy(keepLast: count), knownParents: &parents)
    }

    /// Deletes the checkpoints `policy` does not keep, except the snapshots a kept delta needs,
    /// directly or through other deltas.
    ///
    /// Only the headers of kept snapshots are read, and only those not in `knownParents` (a
    /// snapshot's parent never changes — compaction can only drop it, and a parent still named
    /// then merely keeps a file longer — so a writer that applies retention after every save keeps
    /// the map between calls; the names deleted here leave it). When a header
    /// cannot be read, its parent is unknown and nothing is deleted. Files go newest first: if a
    /// removal fails, every file left still loads.
    /// - Parameters:
    ///   - policy: What to keep; nothing is deleted when it sets neither limit.
    ///   - knownParents: The parent of each binary snapshot already read (`nil` for a full one).
    /// - Returns: The files deleted.
    @discardableResult
    public func applyRetention(_ policy: RetentionPolicy, knownParents: inout [CheckpointName: CheckpointName?]) throws(CheckpointStoreError) -> [CheckpointInfo] {
        if let keepLast = policy.keepLast, keepLast < 1 {
            throw CheckpointStoreError(path: folder, problem: "keep-last must be at least 1, not \(keepLast): nothing was deleted", code: .invalidArgument)
        }
        if let keepEvery = policy.keepEvery, !(keepEvery > 0) || !keepEvery.isFinite {
            throw CheckpointStoreError(path: folder, problem: "keep-every must be a number of seconds above 0, not \(keepEvery): nothing was deleted", code: .invalidArgument)
        }
        guard policy.deletes else { return [] }
        let all = try names()
        var names: [CheckpointName] = []
        for info in all where names.last != info.name { names.append(info.name) }
        var needed = Set(names.suffix(policy.keepLast ?? 1))
        if let keepEvery = policy.keepEvery {
            var lastPeriod: Double?
            for name in names {
                let period = (Double(name.timestamp) / keepEvery).rounded(.down)
                if period != lastPeriod { needed.insert(name) }
                lastPeriod = period
            }
        }
        guard needed.count < names.count else { return [] }
        var frontier = Array(needed)
        let byName = Dictionary(grouping: all, by: \.name)
        while let name = frontier.popLast() {
            for info in byName[name] ?? [] where info.format == .binary {
                let parent: CheckpointName?
                if let known = knownParents[name] {
                    parent = known
                } else {
                    guard let header = SnapshotChain.peek(location(of: info)) else {
                        throw CheckpointStoreError(path: info.path, problem: "its header cannot be read, so the snapshots it needs are unknown: nothing was deleted")
                    }
                    parent = header.parent
                    knownParents[name] = .some(parent)
                }
                if let parent, needed.insert(parent).inserted { frontier.append(parent) }
            }
        }
        // Newest first, so that a failure part way leaves no delta whose parent is gone.
        let doomed = all.filter { !needed.contains($0.name) }
        for info in doomed.reversed() {
            try storage.remove(info.key)
            knownParents[info.name] = nil
        }
        return doomed
    }
}
