import LightningState

/// The reader's table of short strings (see `docs/FORMAT.md`), and the strings it built from it.
///
/// The table (``StringTable``) keeps bytes, which the lists the reader keeps as places
/// (``PooledStrings``) share; a string is built only when a value or a key needs one. Every string
/// built that takes an allocation (longer than 15 bytes) is kept by place while the reader runs
/// (``TableStrings``), so that a label repeated across objects is one string, as when the table
/// kept values. The strings met last are remembered with the hash of their bytes
/// (``InternCache/hash(_:)``), in a direct-mapped cache sized to the tree, so that a key repeated
/// across objects is built and hashed once; one the cache has let go of is built (from its bytes,
/// inline) and hashed again.
///
/// Not copyable: one reader appends.
struct InternedStrings: ~Copyable {
    let strings: StringTable
    private var built: TableStrings
    /// The strings read lately by reference, at `place & (recent.count - 1)`.
    private var recent: [(place: Int, string: StateString, hash: UInt64)]

    /// A table for a tree of `treeBytes` bytes.
    init(treeBytes: Int) {
        strings = StringTable(maximumBytes: treeBytes)
        built = TableStrings(strings)
        // A slot per 64 bytes of tree, 16 to 4,096 (a delta names few strings; 160 KB at most).
        var slots = 16
        while slots < 4_096 && slots * 64 < treeBytes { slots *= 2 }
        recent = Array(repeating: (-1, StateString(""), 0), count: slots)
    }

    /// The strings appended so far.
    var count: Int { strings.count }

    /// The string at `place` and its hash.
    /// - Precondition: `place < count`.
    @inline(__always)
    mutating func entry(at place: Int) -> (string: StateString, hash: UInt64) {
        let slot = place & (recent.count &- 1)
        let cached = recent[slot]
        if cached.place == place { return (cached.string, cached.hash) }
        let entry = (built.string(at: place), strings.withWTF8(at: place, InternCache.hash))
        recent[slot] = (place, entry.0, entry.1)
        return entry
    }

    /// Appends a string, given by its valid WTF-8 bytes, at the next place.
    /// - Precondition: no more than ``SnapshotFormat/internLimit`` bytes.
    @inline(__always)
    func append(wtf8 bytes: UnsafeBufferPointer<UInt8>, hasLoneSurrogates: Bool) {
        strings.append(wtf8: bytes, hasLoneSurrogates: hasLoneSurrogates)
    }

    /// Takes `string`, a literal the reader built for a value or a key, as the one at `place`,
    /// which the references to it then share when it takes an allocation.
    @inline(__always)
    mutating func remember(_ string: StateString, at place: Int) {
        built.remember(string, at: place)
    }
}
