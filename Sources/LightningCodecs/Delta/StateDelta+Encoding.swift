import LightningState

extension StateDelta {
    /// The delta as a state tree, `[["set", [key, …], value], ["remove", [key, …]], …]`, which a
    /// delta snapshot stores with the same encoding as a full one.
    var stateValue: StateValue {
        .array(edits.map { edit in
            switch edit {
            case .set(let path, let value): return ["set", .array(path.map(StateValue.string)), value]
            case .remove(let path): return ["remove", .array(path.map(StateValue.string))]
            }
        })
    }

    /// Reads a delta back from its state tree, refusing one whose values would nest deeper than
    /// `maxDepth` in the state (``stateNesting``).
    /// - Parameter payloadDepth: How deeply `value` nests (the decoder measured it): when no value
    ///   can reach `maxDepth` in the state, the values are not walked again.
    init(decoding value: StateValue, maxDepth: Int, payloadDepth: Int) throws(SnapshotError) {
        guard case .array(let records) = value else { throw .malformed("a delta's payload is not a list of edits", offset: 0) }
        var edits: [Edit] = []
        edits.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            guard case .array(let fields) = record, fields.count >= 2, case .string(let verb) = fields[0],
                case .array(let rawPath) = fields[1]
            else { throw .malformed("edit \(index) is not [verb, path, …]", offset: 0) }
            var path: [StateString] = []
            for key in rawPath {
                guard case .string(let name) = key else { throw .malformed("edit \(index) has a path key that is not a string", offset: 0) }
                path.append(name)
            }
            switch (verb.string, fields.count) {
            case ("set"?, 3): edits.append(.set(path: path, value: fields[2]))
            case ("remove"?, 2): edits.append(.remove(path: path))
            default: throw .malformed("edit \(index) is neither [\"set\", path, value] nor [\"remove\", path]", offset: 0)
            }
        }
        self.init(edits: edits)
        // A value nests at most `payloadDepth - 2` levels itself; only a deep payload needs the walk.
        if payloadDepth - Self.payloadNesting + longestPath > maxDepth {
            for (index, edit) in edits.enumerated() {
                guard case .set(let path, let value) = edit else { continue }
                let depth = path.count + value.nestingDepth
                guard depth <= maxDepth else {
                    throw .limit("edit \(index) at \(path.map(\.displayString).joined(separator: ".")) nests \(depth) levels deep in the state, deeper than \(maxDepth)")
                }
            }
        }
    }
}

extension BinarySnapshot {
    /// Encodes `delta` as a delta snapshot of `parent`.
    /// - Parameters:
    ///   - delta: The edits.
    ///   - sequence: The delta's own number.
    ///   - parent: The number of the snapshot the delta applies to.
    ///   - threads: `1` compresses every block on the calling thread; more lets blocks compress on
    ///     other threads while the encoder goes on. Every core's worth when `nil`. The bytes are
    ///     the same either way.
    public static func encode(_ delta: StateDelta, sequence: UInt64, parent: UInt64, threads: Int? = nil) throws(SnapshotError) -> [UInt8] {
        joined(try encodeChunks(of: delta.stateValue, kind: .delta, sequence: sequence, parent: parent, threads: threads))
    }

    /// What a snapshot file holds: a whole state, or a delta against its parent.
    public enum Contents: Sendable {
        case full(StateValue)
        case delta(StateDelta, parent: UInt64)
    }

    /// Decodes a full or a delta snapshot.
    public static func decodeContents(_ bytes: [UInt8], options: Options = Options()) throws(SnapshotError) -> (header: Header, contents: Contents) {
        let (header, value, deepest) = try decodeAnyKind(bytes, options: options)
        if header.isDelta {
            return (header, .delta(try StateDelta(decoding: value, maxDepth: options.maxDepth, payloadDepth: deepest), parent: header.parent))
        }
        return (header, .full(value))
    }
}
