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
/// The strings' chunks are shared with the lists of strings the reader keeps as places
/// (``PooledStrings``); the hashes are the reader's alone.
struct InternedStrings {
    /// Every chunk but the last is full.
    private(set) var chunks: [StringPoolChunk] = []
    /// The hashes, in chunks of the same size.
    private var hashes: [[UInt64]] = []
    /// The entries appended so far.
    private(set) var count = 0

    /// - Precondition: `index < count`.
    @inline(__always)
    subscript(index: Int) -> (string: StateString, hash: UInt64) {
        let chunk = index &>> StringPoolChunk.shift
        let slot = index & StringPoolChunk.mask
        return (chunks[chunk][slot], hashes[chunk][slot])
    }

    @inline(__always)
    mutating func append(_ string: StateString, hash: UInt64) {
        if count & StringPoolChunk.mask == 0 {
            chunks.append(StringPoolChunk())
            var chunk: [UInt64] = []
            // The first chunk's hashes grow as any small array does: most snapshots (deltas) intern few strings.
            if count > 0 { chunk.reserveCapacity(StringPoolChunk.capacity) }
            hashes.append(chunk)
        }
        chunks[chunks.count &- 1].append(string)
        hashes[hashes.count &- 1].append(hash)
        count &+= 1
    }
}
