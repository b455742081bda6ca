import LightningState

/// The reader's table of short strings (see `docs/FORMAT.md`), and the strings it built from it
/// lately, each with the hash of its bytes (``InternCache/hash(_:)``).
///
/// The table (``StringTable``) keeps bytes, which the lists the reader keeps as places
/// (``PooledStrings``) share; a string is built only when a value or a key needs one. The strings
/// built last are remembered by place, in a direct-mapped cache sized to the tree, so that a key
/// or a label repeated across objects is one string, built and hashed once, as when the table kept
/// values: a string longer than 15 bytes takes an allocation, which objects then share. One the
/// cache has let go of is built again when next met, which costs memory but changes no value.
///
/// Not copyable: one reader appends.
struct InternedStrings: ~Copyable {
    let strings: StringTable
    /// The strings built lately, at `place & (recent.count - 1)`.
    private var recent: [(place: Int, string: StateString, hash: UInt64)]

    /// A table for a tree of `treeBytes` bytes.
    init(treeBytes: Int) {
        strings = StringTable(maximumBytes: treeBytes)
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
        if recent[slot].place == place { return (recent[slot].string, recent[slot].hash) }
        let entry = (strings[place], strings.withWTF8(at: place, InternCache.hash))
        recent[slot] = (place, entry.0, entry.1)
        return entry
    }

    /// Appends a string, given by its valid WTF-8 bytes, at the next place.
    /// - Precondition: no more than ``SnapshotFormat/internLimit`` bytes.
    @inline(__always)
    func append(wtf8 bytes: UnsafeBufferPointer<UInt8>, hasLoneSurrogates: Bool) {
        strings.append(wtf8: bytes, hasLoneSurrogates: hasLoneSurrogates)
    }

    /// Remembers `string`, with its hash, as the one at `place`: a literal the reader built for a
    /// value or a key, which references to it may then share.
    @inline(__always)
    mutating func remember(_ string: StateString, hash: UInt64, at place: Int) {
        recent[place & (recent.count &- 1)] = (place, string, hash)
    }
}
