import LightningCodecs
import LightningState

/// Reading a binary snapshot that may be a delta: its parents are found by name next to it (a delta
/// stores its parent's number, which is its name), checked to be the very snapshot it names, and
/// applied oldest first.
package enum SnapshotChain {
    /// The longest chain followed before giving up.
    package static let maximumLength = 100_000

    /// The state at the snapshot in `bytes`, read from `location`, following its parents when it is a delta.
    ///
    /// Whatever is wrong further down the chain is reported as `location`'s error, naming the
    /// snapshot at fault: the checkpoint asked for is what cannot be read (`verify --all` then
    /// gives each checkpoint of a broken chain its own line).
    package static func state(of bytes: consuming [UInt8], at location: CheckpointLocation) throws(CheckpointStoreError) -> StateValue {
        /// The error for `problem` with snapshot `member` of the chain.
        func failure(_ problem: String, at member: CheckpointLocation, code: CheckpointStoreError.Code = .corrupt, alreadyRetried: Bool = false) -> CheckpointStoreError {
            let inChain = member.key == location.key ? "" : "\(member.key.split(separator: "/").last ?? "") in its chain of deltas: "
            return CheckpointStoreError(path: location.description, problem: inChain + problem, code: code, alreadyRetried: alreadyRetried)
        }
        var deltas: [(location: CheckpointLocation, delta: StateDelta)] = []
        var current = location
        var currentBytes = consume bytes
        var expected: UInt64?
        while true {
            let decoded: (header: BinarySnapshot.Header, contents: BinarySnapshot.Contents)
            do {
                // Its last use: the file is let go once inflated, while the tree is still being built.
                decoded = try BinarySnapshot.decodeContents(consume currentBytes)
            } catch {
                // Memory refused or a wait past its deadline is the machine's failure, not the file's.
                throw failure(error.description, at: current, code: error.systemErrno.map { .io(errno: $0) } ?? .corrupt)
            }
            if expected == nil { try checkName(of: decoded.header, at: current) }
            if let expected, decoded.header.sequence != expected {
                throw failure(
                    "its parent \(current.key.split(separator: "/").last ?? "") is snapshot number \(decoded.header.sequence), not the \(expected) it was written against",
                    at: deltas[deltas.count - 1].location)
            }
            switch decoded.contents {
            case .full(var state):
                for (deltaLocation, delta) in deltas.reversed() {
                    do {
                        try delta.apply(to: &state)
                    } catch {
                        throw failure("does not apply to its parent: \(error)", at: deltaLocation)
                    }
                }
                return state
            case .delta(let delta, let parent):
                deltas.append((current, delta))
                guard parent < decoded.header.sequence, let parentName = CheckpointName(snapshotID: parent) else {
                    throw failure("a delta whose parent number \(parent) is not older than its own \(decoded.header.sequence)", at: current)
                }
                guard deltas.count <= maximumLength else {
                    throw failure("a chain of more than \(maximumLength) deltas", at: location)
                }
                let parentLocation = current.sibling(parentName.fileName(.binary))
                do {
                    currentBytes = try parentLocation.storage.read(parentLocation.key)
                } catch {
                    if error.isMissingObject {
                        throw failure("its parent snapshot \(parentName.fileName(.binary)) is missing", at: current)
                    }
                    throw failure("reading its parent: \(error.description)", at: current, code: error.code, alreadyRetried: error.alreadyRetried)
                }
                current = parentLocation
                expected = parent
            }
        }
    }

    /// A snapshot is read under the name its number gives, or, for a full one, under a name that is
    /// no checkpoint's: a copy renamed to another checkpoint's name would restore another state
    /// under that name (and `latest` would pick it), and a delta away from its own name is not
    /// where its chain is.
    private static func checkName(of header: BinarySnapshot.Header, at location: CheckpointLocation) throws(CheckpointStoreError) {
        let fileName = String(location.key.split(separator: "/").last ?? "")
        let named = CheckpointName(fileName: fileName)
        guard header.isDelta || header.sequence != 0 else { return }
        if let named, named.snapshotID == header.sequence { return }
        if !header.isDelta && named == nil { return }
        let own = CheckpointName(snapshotID: header.sequence).map { $0.fileName(.binary) } ?? "number \(header.sequence)"
        let problem = header.isDelta
            ? "is the delta \(own), renamed or copied: a delta is read only under its own name, next to its parent (read it there; `lightning-checkpoint convert` makes a full copy that reads under any name)"
            : "is the snapshot \(own), renamed or copied to another checkpoint's name; read it under its own name or one that is no checkpoint's (kept.lsnap), from which `lightning-checkpoint convert` writes it under this one"
        throw CheckpointStoreError(path: location.description, problem: problem)
    }

    /// The kind and parent of the binary snapshot at `location`, from its header alone (not verified).
    package static func peek(_ location: CheckpointLocation) -> (isDelta: Bool, parent: CheckpointName?)? {
        guard let prefix = try? location.storage.read(location.key, range: 0..<SnapshotFormat.headerSize),
            let header = BinarySnapshot.peekHeader(prefix)
        else { return nil }
        return (header.isDelta, header.isDelta ? CheckpointName(snapshotID: header.parent) : nil)
    }
}
