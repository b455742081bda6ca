import LightningState

extension StateDelta {
    /// The delta as a state tree — a list of edits, `["set", [key, …], value]`,
    /// `["remove", [key, …]]`, `["insert", [key, …], position, value]`, `["append", [key, …],
    /// tail]`, `["splice", [key, …], start, end, [element, …]]` — which a delta snapshot stores
    /// with the same encoding as a full one.
    var stateValue: StateValue {
        .array(edits.map { edit in
            let path = StateValue.array(edit.path.map(StateValue.string))
            switch edit {
            case .set(_, let value): return ["set", path, value]
            case .remove: return ["remove", path]
            case .insert(_, let position, let value): return ["insert", path, .int(Int64(position)), value]
            case .append(_, let tail): return ["append", path, tail]
            case .splice(_, let range, let elements):
                return ["splice", path, .int(Int64(range.lowerBound)), .int(Int64(range.upperBound)), .array(elements)]
            }
        })
    }

    /// The verbs each format version's deltas may use: version 3 added `insert`, `append` and `splice`.
    static func verbs(inVersion version: UInt16) -> Set<String> {
        version >= 3 ? ["set", "remove", "insert", "append", "splice"] : ["set", "remove"]
    }

    /// Reads a delta back from its state tree, refusing one whose values would nest deeper than
    /// `maxDepth` in the state (``stateNesting``), or that uses a verb its format `version` lacks.
    /// - Parameter payloadDepth: How deeply `value` nests (the decoder measured it): when no value
    ///   can reach `maxDepth` in the state, the values are not walked again.
    init(decoding value: StateValue, version: UInt16, maxDepth: Int, payloadDepth: Int) throws(SnapshotError) {
        guard case .array(let records) = value else { throw .malformedDelta("a delta's payload is not a list of edits") }
        let verbs = Self.verbs(inVersion: version)
        var edits: [Edit] = []
        edits.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            guard case .array(let fields) = record, fields.count >= 2, case .string(let verbText) = fields[0],
                case .array(let rawPath) = fields[1]
            else { throw .malformedDelta("edit \(index) is not [verb, path, …]") }
            var path: [StateString] = []
            path.reserveCapacity(rawPath.count)
            for key in rawPath {
                guard case .string(let name) = key else { throw .malformedDelta("edit \(index) has a path key that is not a string") }
                path.append(name)
            }
            let verb = verbText.string ?? ""
            guard verbs.contains(verb) else {
                if Self.verbs(inVersion: SnapshotFormat.version).contains(verb) {
                    throw .malformedDelta("edit \(index) uses \(verb), which version \(version) snapshots do not have")
                }
                throw .malformedDelta("edit \(index) has the unknown verb \(verbText.displayString.debugDescription)")
            }
            func count(_ field: StateValue, _ what: String) throws(SnapshotError) -> Int {
                guard case .int(let number) = field, number >= 0, let value = Int(exactly: number) else {
                    throw .malformedDelta("edit \(index) has a \(what) that is not a non-negative int")
                }
                return value
            }
            switch (verb, fields.count) {
            case ("set", 3): edits.append(.set(path: path, value: fields[2]))
            case ("remove", 2): edits.append(.remove(path: path))
            case ("insert", 4): edits.append(.insert(path: path, position: try count(fields[2], "position"), value: fields[3]))
            case ("append", 3):
                switch fields[2] {
                case .array, .string: edits.append(.append(path: path, tail: fields[2]))
                default: throw .malformedDelta("edit \(index) appends neither an array nor a string")
                }
            case ("splice", 5):
                let start = try count(fields[2], "start")
                let end = try count(fields[3], "end")
                guard start <= end else { throw .malformedDelta("edit \(index) splices from \(start) to \(end), which is before it") }
                guard case .array(let elements) = fields[4] else { throw .malformedDelta("edit \(index) splices in something that is not an array") }
                edits.append(.splice(path: path, range: start..<end, elements: elements.values))
            default:
                throw .malformedDelta("edit \(index) has \(fields.count) fields, not what \(verb) takes (\(Self.shape(of: verb)))")
            }
        }
        self.init(edits: edits)
        // A value nests at most `payloadDepth - 2` levels itself; only a deep payload needs the walk.
        if payloadDepth - Self.payloadNesting + longestPath > maxDepth {
            for (index, edit) in edits.enumerated() {
                let depth = edit.stateNesting
                guard depth <= maxDepth else {
                    throw .limit("edit \(index) at \(edit.path.map(\.displayString).joined(separator: ".")) nests \(depth) levels deep in the state, deeper than \(maxDepth)")
                }
            }
        }
    }

    /// The fields `verb` takes, as FORMAT.md writes them.
    private static func shape(of verb: String) -> String {
        switch verb {
        case "set": return "[\"set\", path, value]"
        case "remove": return "[\"remove\", path]"
        case "insert": return "[\"insert\", path, position, value]"
        case "append": return "[\"append\", path, tail]"
        default: return "[\"splice\", path, start, end, elements]"
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
    public static func decodeContents(_ bytes: consuming [UInt8], options: Options = Options()) throws(SnapshotError) -> (header: Header, contents: Contents) {
        let (header, value, deepest) = try decodeAnyKind(bytes, options: options)
        if header.isDelta {
            return (header, .delta(try StateDelta(decoding: value, version: header.version, maxDepth: options.maxDepth, payloadDepth: deepest), parent: header.parent))
        }
        return (header, .full(value))
    }
}
