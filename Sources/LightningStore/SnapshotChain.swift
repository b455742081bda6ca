import LightningCodecs
import LightningState

/// Reading a binary snapshot that may be a delta: its parents are found by name next to it (a delta
/// stores its parent's number, which is its name), checked to be the very snapshot it names, and
/// applied oldest first.
package enum SnapshotChain {
    /// The longest chain followed before giving up.
    package static let maximumLength = 100_000

    /// The state at the snapshot in `bytes`, read from `location`, following its parents when it is a delta.
    package static func state(of bytes: [UInt8], at location: CheckpointLocation) throws(CheckpointStoreError) -> StateValue {
        var deltas: [(location: CheckpointLocation, delta: StateDelta)] = []
        var current = location
        var currentBytes = bytes
        var expected: UInt64?
        while true {
            let decoded: (header: BinarySnapshot.Header, contents: BinarySnapshot.Contents)
            do {
                decoded = try BinarySnapshot.decodeContents(currentBytes)
            } catch {
                throw CheckpointStoreError(path: current.description, problem: error.description)
            }
            if let expected, decoded.header.sequence != expected {
                let child = deltas[deltas.count - 1].location
                throw CheckpointStoreError(
                    path: child.description,
                    problem: "its parent \(current.key.split(separator: "/").last ?? "") is snapshot number \(decoded.header.sequence), not the \(expected) it was written against")
            }
            switch decoded.contents {
            case .full(var state):
                for (deltaLocation, delta) in deltas.reversed() {
                    do {
                        try delta.apply(to: &state)
                    } catch {
                        throw CheckpointStoreError(path: deltaLocation.description, problem: "does not apply to its parent: \(error)")
                    }
                }
                return state
            case .delta(let delta, let parent):
                deltas.append((current, delta))
                guard parent < decoded.header.sequence, let parentName = CheckpointName(snapshotID: parent) else {
                    throw CheckpointStoreError(path: current.description, problem: "a delta whose parent number \(parent) is not older than its own \(decoded.header.sequence)")
                }
                guard deltas.count < maximumLength else {
                    throw CheckpointStoreError(path: current.description, problem: "a chain of more than \(maximumLength) deltas")
                }
                let parentLocation = current.sibling(parentName.fileName(.binary))
                do {
                    currentBytes = try parentLocation.storage.read(parentLocation.key)
                } catch {
                    if error.isMissingObject {
                        throw CheckpointStoreError(path: current.description, problem: "its parent snapshot \(parentName.fileName(.binary)) is missing")
                    }
                    throw error
                }
                current = parentLocation
                expected = parent
            }
        }
    }

    /// The kind and parent of the binary snapshot at `location`, from its header alone (not verified).
    package static func peek(_ location: CheckpointLocation) -> (isDelta: Bool, parent: CheckpointName?)? {
        guard let prefix = try? location.storage.read(location.key, range: 0..<SnapshotFormat.headerSize),
            let header = BinarySnapshot.peekHeader(prefix)
        else { return nil }
        return (header.isDelta, header.isDelta ? CheckpointName(snapshotID: header.parent) : nil)
    }
}
