import LightningState

/// The reader's table of short strings (see `docs/FORMAT.md`), and the strings it built from it.
///
/// The table (``StringTable``) keeps bytes, which the lists the reader keeps as places
/// (``PooledStrings``) share; a string is built only when a value or a key needs one. The strings
/// met last, literals and references alike, are remembered with the hash of their bytes
/// (``InternCache/hash(_:)``) in a direct-mapped cache sized to the tree, so that a key or a label
/// repeated across nearby objects is one string, built and hashed once, as when the table kept
/// values. A reference the cache has let go of builds its string again from the bytes — inline,
/// without an allocation, up to 15 bytes — and one that takes an allocation is then kept by place
/// (``TableStrings``), so that such a string is built at most twice however often it is met: a
/// string met once (most distinct keys and labels) costs no more than its bytes and its entry.
///
/// Not copyable: one reader appends.
struct InternedStrings: ~Copyable {
    let strings: StringTable
    private var built: TableStrings
    /// The strings met lately, at `place & (recent.count - 1)`.
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

    /// Remembers `string`, a literal the reader built for a value or a key, with its hash, as the
    /// one at `place`, for the references that follow it.
    @inline(__always)
    mutating func remember(_ string: StateString, hash: UInt64, at place: Int) {
        recent[place & (recent.count &- 1)] = (place, string, hash)
    }
}
