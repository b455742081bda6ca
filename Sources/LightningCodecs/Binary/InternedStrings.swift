import LightningState

/// The reader's table of short strings (see `docs/FORMAT.md`), each with the hash of its bytes
/// (``InternCache/hash(_:)``), kept in chunks of a fixed size that never move.
///
/// The reader appends every short literal, so a snapshot of a million distinct labels or keys
/// builds a table of a million entries. An array grown by doubling would, at each of its twenty
/// growths, hold its old and new storage at once with half the new one empty: up to three times
/// the table itself, which was the peak of a load of such a state. Chunks hold the
/// table at its size plus one chunk, and an entry is found with a shift and a mask.
struct InternedStrings {
    typealias Entry = (string: StateString, hash: UInt64)

    /// Every chunk but the last is full.
    private var chunks: [[Entry]] = []
    /// The entries appended so far.
    private(set) var count = 0

    /// A chunk holds `1 << chunkShift` entries: 4,096, 128 KiB.
    private static let chunkShift = 12
    private static let chunkMask = (1 << chunkShift) - 1

    /// - Precondition: `index < count`.
    @inline(__always)
    subscript(index: Int) -> Entry {
        _read { yield chunks[index &>> Self.chunkShift][index & Self.chunkMask] }
    }

    @inline(__always)
    mutating func append(_ entry: Entry) {
        if count & Self.chunkMask == 0 {
            var chunk: [Entry] = []
            // The first chunk grows as any small array does: most snapshots (deltas) intern few strings.
            if count > 0 { chunk.reserveCapacity(Self.chunkMask + 1) }
            chunk.append(entry)
            chunks.append(chunk)
        } else {
            chunks[chunks.count &- 1].append(entry)
        }
        count &+= 1
    }
}
