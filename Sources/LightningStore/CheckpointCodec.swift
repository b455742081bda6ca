import LightningCodecs
import LightningState

/// Encoding and decoding of checkpoint files in either format; decoding tells them apart by content.
public enum CheckpointCodec {
    /// The deepest nesting of arrays and objects a checkpoint may have: what the readers accept.
    public static let maximumNesting = 1_024

    /// The bytes of `state` in `format`, as consecutive chunks to write in order.
    /// - Parameters:
    ///   - state: The checkpoint tree.
    ///   - format: JSON or binary.
    ///   - snapshotID: The number a binary snapshot records for itself: its name's ``CheckpointName/snapshotID``.
    ///   - path: The file named in an error.
    /// - Throws: ``CheckpointStoreError`` with code ``CheckpointStoreError/Code/encoding`` when the
    ///   state nests deeper than a reader accepts.
    public static func encode(_ state: StateValue, as format: CheckpointFormat, snapshotID: UInt64 = 0, path: String) throws(CheckpointStoreError) -> [[UInt8]] {
        // Both writers measure the nesting as they go: refusing costs nothing when there is nothing to refuse.
        switch format {
        case .json:
            let (chunks, nesting) = JSONWriter.writeChunksMeasuringNesting(state)
            guard nesting <= maximumNesting else { throw tooDeep(nesting, path: path) }
            return chunks
        case .binary:
            do {
                return try BinarySnapshot.encodeChunks(state, sequence: snapshotID, maximumNesting: maximumNesting)
            } catch {
                throw CheckpointStoreError(
                    path: path, problem: error.isTooDeep ? "\(error); nothing was saved" : "could not encode a snapshot: \(error)", code: .encoding)
            }
        }
    }

    /// The bytes of a delta snapshot of `delta` against the snapshot numbered `parent`.
    public static func encode(_ delta: StateDelta, snapshotID: UInt64, parent: UInt64, path: String) throws(CheckpointStoreError) -> [[UInt8]] {
        // The rule the reader applies: how deep the values land in the state.
        let nesting = delta.stateNesting
        guard nesting <= maximumNesting else { throw tooDeep(nesting, path: path) }
        do {
            return [try BinarySnapshot.encode(delta, sequence: snapshotID, parent: parent)]
        } catch {
            throw CheckpointStoreError(path: path, problem: "could not encode a delta: \(error)", code: .encoding)
        }
    }

    private static func tooDeep(_ depth: Int, path: String) -> CheckpointStoreError {
        CheckpointStoreError(
            path: path, problem: "the state nests \(depth) levels deep, deeper than the \(maximumNesting) a reader accepts; nothing was saved",
            code: .encoding)
    }

    /// The format of `bytes`, told by their content: a binary snapshot when they start with its
    /// signature, or are cut inside it (so that such a file is reported as a truncated snapshot,
    /// not as bad JSON), else JSON.
    public static func format(of bytes: [UInt8]) -> CheckpointFormat {
        let signature = SnapshotFormat.magic.prefix(min(bytes.count, SnapshotFormat.magic.count))
        return !bytes.isEmpty && bytes.starts(with: signature) ? .binary : .json
    }

    /// The JSON checkpoint at `location` rewritten as JSON in one pass, without building its tree
    /// (memory: the file and the output): the output's chunks; `nil` when it is a binary snapshot,
    /// or an object in it repeats a key (Python keeps the last value at the first key's place,
    /// which only the tree can do). Then decode it and write the tree.
    /// - Throws: ``CheckpointStoreError`` for a read that fails or malformed JSON, as ``decode(_:at:)``.
    package static func transcodeJSON(at location: CheckpointLocation, options: JSONWriter.Options) throws(CheckpointStoreError) -> [[UInt8]]? {
        let head = try location.storage.read(location.key, range: 0..<16)
        guard format(of: head) == .json else { return nil }
        let bytes = try location.storage.read(location.key)
        do {
            switch try JSONTranscoder.transcode(bytes, options: options) {
            case .written(let chunks): return chunks
            case .repeatedKey: return nil
            }
        } catch {
            throw .syntax(error, in: location.description)
        }
    }

    /// Decodes the bytes of a checkpoint by their content, whatever the file's extension; a delta
    /// snapshot is read with its parents, found next to it in its storage, and only under its own
    /// name (see `SnapshotChain`).
    public static func decode(_ bytes: consuming [UInt8], at location: CheckpointLocation) throws(CheckpointStoreError) -> StateValue {
        guard !bytes.isEmpty else {
            throw CheckpointStoreError(path: location.description, problem: "the file is empty (0 bytes): neither a snapshot nor JSON")
        }
        switch format(of: bytes) {
        case .binary:
            return try SnapshotChain.state(of: consume bytes, at: location)
        case .json:
            do {
                return try JSONReader.read(bytes)
            } catch {
                if let first = bytes.first, !Self.canStartJSON(first) {
                    throw CheckpointStoreError(
                        path: location.description,
                        problem: "neither a binary snapshot (no snapshot signature) nor JSON (it starts with byte 0x\(first < 0x10 ? "0" : "")\(String(first, radix: 16, uppercase: true)))")
                }
                throw .syntax(error, in: location.description)
            }
        }
    }

    /// Whether a JSON text may start with `byte`: whitespace, or the first byte of a value as
    /// Python reads them (`NaN` and `Infinity` included).
    private static func canStartJSON(_ byte: UInt8) -> Bool {
        Array(" \t\n\r{[\"-0123456789tfnNI".utf8).contains(byte)
    }
}
