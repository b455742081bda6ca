import LightningCodecs
import LightningState

/// Encoding and decoding of checkpoint files in either format; decoding tells them apart by content.
public enum CheckpointCodec {
    /// The bytes of `state` in `format`.
    /// - Parameter path: The file or folder named in an error.
    public static func encode(_ state: StateValue, as format: CheckpointFormat, path: String) throws(CheckpointStoreError) -> [UInt8] {
        switch format {
        case .json:
            return JSONWriter.write(state)
        case .binary:
            do {
                return try BinarySnapshot.encode(state)
            } catch {
                throw CheckpointStoreError(path: path, problem: "could not encode a snapshot: \(error)")
            }
        }
    }

    /// The format of `bytes`: a binary snapshot when they start with its signature, else JSON.
    public static func format(of bytes: [UInt8]) -> CheckpointFormat {
        BinarySnapshot.hasSignature(bytes) ? .binary : .json
    }

    /// Decodes the bytes of a file, whatever its name says.
    /// - Parameter path: The file named in an error.
    public static func decode(_ bytes: [UInt8], path: String) throws(CheckpointStoreError) -> StateValue {
        switch format(of: bytes) {
        case .binary:
            do {
                return try BinarySnapshot.decode(bytes)
            } catch {
                throw CheckpointStoreError(path: path, problem: error.description)
            }
        case .json:
            do {
                return try JSONReader.read(bytes)
            } catch {
                throw .syntax(error, in: path)
            }
        }
    }
}
