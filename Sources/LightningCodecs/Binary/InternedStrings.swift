import LightningState

/// The reader's table of short strings (see `docs/FORMAT.md`), each with the hash of its bytes
/// (``InternCache/hash(_:)``), kept in chunks of a fixed size that never move.
///
/// The reader appends every short literal, so a snapshot of a million distinct labels or keys
/// builds a table of a million entries. An array grown by doubling would, at each of its twenty
/// growths, hold its old and new storage at once with half the new one empty: up to three times
/// the table itself, which was the peak of a load of such a state. Chunks hold the
/// table at its size plus one chunk, and an entry is found with a shift and a mask.
///
/// The strings are a ``StringTable``, which the lists of strings the reader keeps as places
/// (``PooledStrings``) share; the hashes are the reader's alone. Not copyable: one reader appends.
struct InternedStrings: ~Copyable {
    let strings: StringTable
    /// The hashes, in chunks of the table's size (``StringTable/chunkCapacity``).
    private var hashes: [[UInt64]] = []

    /// A table for a tree of `treeBytes` bytes.
    init(treeBytes: Int) {
        strings = StringTable(maximumCount: treeBytes)
    }

    /// The entries appended so far.
    var count: Int { strings.count }

    /// - Precondition: `index < count`.
    @inline(__always)
    subscript(index: Int) -> (string: StateString, hash: UInt64) {
        (strings[index], hashes[index &>> StringTable.chunkShift][index & StringTable.chunkMask])
    }

    @inline(__always)
    mutating func append(_ string: StateString, hash: UInt64) {
        let count = strings.count
        if count & StringTable.chunkMask == 0 {
            var chunk: [UInt64] = []
            // The first chunk grows as any small array does: most snapshots (deltas) intern few strings.
            if count > 0 { chunk.reserveCapacity(StringTable.chunkCapacity) }
            hashes.append(chunk)
        }
        strings.append(string)
        hashes[hashes.count &- 1].append(hash)
    }
}
