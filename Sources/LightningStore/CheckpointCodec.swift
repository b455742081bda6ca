import LightningCodecs
import LightningState

/// Encoding and decoding of checkpoint files in either format; decoding tells them apart by content.
public enum CheckpointCodec {
    /// The bytes of `state` in `format`, as consecutive chunks to write to a file in order.
    /// - Parameter path: The file named in an error; a binary snapshot records its name's number.
    public static func encode(_ state: StateValue, as format: CheckpointFormat, path: String) throws(CheckpointStoreError) -> [[UInt8]] {
        switch format {
        case .json:
            return JSONWriter.writeChunks(state, options: .init())
        case .binary:
            do {
                let name = CheckpointName(fileName: FileIO.split(path).name)
                return try BinarySnapshot.encodeChunks(state, sequence: name?.snapshotID ?? 0)
            } catch {
                throw CheckpointStoreError(path: path, problem: "could not encode a snapshot: \(error)")
            }
        }
    }

    /// The format of `bytes`: a binary snapshot when they start with its signature, else JSON.
    public static func format(of bytes: [UInt8]) -> CheckpointFormat {
        BinarySnapshot.hasSignature(bytes) ? .binary : .json
    }

    /// Decodes the bytes of a file, whatever its name says; a delta snapshot is read with its parents.
    /// - Parameter path: The file named in an error, and whose folder holds a delta's parents.
    public static func decode(_ bytes: [UInt8], path: String) throws(CheckpointStoreError) -> StateValue {
        switch format(of: bytes) {
        case .binary:
            return try SnapshotChain.state(of: bytes, path: path)
        case .json:
            do {
                return try JSONReader.read(bytes)
            } catch {
                throw .syntax(error, in: path)
            }
        }
    }
}
