import LightningCodecs
import LightningState

/// Reading a binary snapshot that may be a delta: its parents are found by name in the same folder
/// (a delta stores its parent's number, which is its name) and applied oldest first.
package enum SnapshotChain {
    /// The longest chain followed before giving up.
    package static let maximumLength = 100_000

    /// The state at the snapshot in `bytes`, read from `path`, following its parents when it is a delta.
    package static func state(of bytes: [UInt8], path: String) throws(CheckpointStoreError) -> StateValue {
        let folder = FileIO.split(path).folder
        var deltas: [(path: String, delta: StateDelta)] = []
        var currentPath = path
        var currentBytes = bytes
        while true {
            let decoded: (header: BinarySnapshot.Header, contents: BinarySnapshot.Contents)
            do {
                decoded = try BinarySnapshot.decodeContents(currentBytes)
            } catch {
                throw CheckpointStoreError(path: currentPath, problem: error.description)
            }
            switch decoded.contents {
            case .full(var state):
                for (deltaPath, delta) in deltas.reversed() {
                    do {
                        try delta.apply(to: &state)
                    } catch {
                        throw CheckpointStoreError(path: deltaPath, problem: "does not apply to its parent: \(error)")
                    }
                }
                return state
            case .delta(let delta, let parent):
                deltas.append((currentPath, delta))
                guard parent < decoded.header.sequence, let parentName = CheckpointName(snapshotID: parent) else {
                    throw CheckpointStoreError(path: currentPath, problem: "a delta whose parent number \(parent) is not older than its own \(decoded.header.sequence)")
                }
                guard deltas.count < maximumLength else {
                    throw CheckpointStoreError(path: currentPath, problem: "a chain of more than \(maximumLength) deltas")
                }
                let parentPath = "\(folder)/\(parentName.fileName(.binary))"
                guard FileIO.fileSize(parentPath) != nil else {
                    throw CheckpointStoreError(path: currentPath, problem: "its parent snapshot \(parentName.fileName(.binary)) is missing")
                }
                currentPath = parentPath
                currentBytes = try FileIO.read(parentPath)
            }
        }
    }

    /// The kind and parent of the binary snapshot at `path`, from its header alone (not verified).
    package static func peek(_ path: String) -> (isDelta: Bool, parent: CheckpointName?)? {
        guard let prefix = try? FileIO.read(path, maximumBytes: SnapshotFormat.headerSize),
            let header = BinarySnapshot.peekHeader(prefix)
        else { return nil }
        return (header.isDelta, header.isDelta ? CheckpointName(snapshotID: header.parent) : nil)
    }
}
