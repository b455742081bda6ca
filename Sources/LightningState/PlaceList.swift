/// The places of a list kept as places (``PooledStrings``), each in the narrowest of 1, 2, 3 or 4
/// bytes that holds every one of them, counted from the list's lowest place in the table: a list
/// of strings whose places in the table span fewer than 32,768 (log lines from a few templates,
/// labels, statuses: a vocabulary the snapshot's writer interned close together), and with at most
/// 32,765 other values, takes 2 bytes a string; with a span under 128 and at most 125 other values,
/// as a column of flags, 1; with a span under 2^23 (a table of millions of strings, or a
/// vocabulary the writer interned again far from where it first did) and at most 8,388,605 other
/// values, 3. A long list in the 4-byte form keeps the chunks it was gathered in
/// (``GatheredPlaces``) rather than copy them into one array.
///
/// A place is given and read in its 4-byte form (``PooledStrings``): below
/// ``PooledStrings/otherFlag``, a place in the table; with it set, an index among the other values;
/// the highest three, `null`, `false` and `true`. A narrower form has the same three parts: a
/// place in the table less the lowest, its top bit marking an index among the other values, and
/// its highest three values the same three scalars.
@usableFromInline
package struct PlaceList: Sendable {
    @usableFromInline
    enum Storage: Sendable {
        case bytes([UInt8])
        case halves([UInt16])
        /// Three bytes a place, the lowest first.
        case triples([UInt8])
        case words([UInt32])
        /// Chunks of ``GatheredPlaces/chunkSize`` places, the last one shorter.
        case wordChunks([[UInt32]])
    }

    @usableFromInline
    let storage: Storage
    /// The lowest place in the table, which a narrower form counts from; 0 in the 4-byte form.
    @usableFromInline
    let base: UInt32

    /// `places` in the narrowest form that holds them all.
    package init(_ places: [UInt32]) {
        var chunks = [places]
        self.init(chunks: &chunks)
    }

    /// The places gathered, in the narrowest form that holds them all, taken a chunk at a time:
    /// each chunk is let go of once it is narrowed (or kept as it is in the 4-byte form), so the
    /// places are never held whole in two forms at once. Leaves `gathered` empty.
    package init(gathered: inout GatheredPlaces) {
        var chunks = gathered.takeChunks()
        self.init(chunks: &chunks)
    }

    /// - Precondition: one chunk, or ``GatheredPlaces``'s chunks: all full but the last.
    private init(chunks: inout [[UInt32]]) {
        count = chunks.reduce(0) { $0 + $1.count }
        // What a form must hold: the span of the places in the table, and the indices among the
        // other values with the three immediates above them.
        var (lowest, highest, others) = (UInt32.max, UInt32(0), UInt32(0))
        for chunk in chunks {
            chunk.withUnsafeBufferPointer { places in
                for place in places {
                    if place & PooledStrings.otherFlag == 0 {
                        lowest = min(lowest, place)
                        highest = max(highest, place)
                    } else if place < PooledStrings.firstImmediate {
                        others = max(others, (place & ~PooledStrings.otherFlag) &+ 3)
                    }
                }
            }
        }
        let base = lowest == UInt32.max ? 0 : lowest
        let need = max(highest &- base, others)
        if need < 1 << 7 {
            (storage, self.base) = (.bytes(Self.narrowed(&chunks, count: count, base: base)), base)
        } else if need < 1 << 15 {
            (storage, self.base) = (.halves(Self.narrowed(&chunks, count: count, base: base)), base)
        } else if need < 1 << 23 {
            (storage, self.base) = (.triples(Self.tripled(&chunks, count: count, base: base)), base)
        } else if chunks.count == 1 {
            (storage, self.base) = (.words(chunks[0]), 0)
        } else {
            (storage, self.base) = (.wordChunks(chunks), 0)
        }
    }

    /// The number of places.
    @usableFromInline
    package let count: Int

    /// The place at `position`, in its 4-byte form.
    @inlinable
    package subscript(position: Int) -> UInt32 {
        switch storage {
        case .bytes(let places): Self.widen(UInt32(places[position]), base: base, bits: 8)
        case .halves(let places): Self.widen(UInt32(places[position]), base: base, bits: 16)
        case .triples(let places): Self.widen(ThreeBytes.read(places, at: position), base: base, bits: 24)
        case .words(let places): places[position]
        case .wordChunks(let chunks): chunks[position &>> GatheredPlaces.chunkShift][position & (GatheredPlaces.chunkSize - 1)]
        }
    }

    /// The places in `range`, in their 4-byte form.
    package func places(in range: Range<Int>) -> [UInt32] {
        range.map { self[$0] }
    }

    /// The bytes a place takes: 1, 2, 3 or 4.
    package var width: Int {
        switch storage {
        case .bytes: 1
        case .halves: 2
        case .triples: 3
        case .words, .wordChunks: 4
        }
    }

    /// The `total` places of `chunks` in one array of a narrower form counting from `base`, each
    /// chunk let go of once copied.
    private static func narrowed<Narrow: FixedWidthInteger & UnsignedInteger>(_ chunks: inout [[UInt32]], count total: Int, base: UInt32) -> [Narrow] {
        [Narrow](unsafeUninitializedCapacity: total) { narrowed, count in
            count = 0
            for index in chunks.indices {
                chunks[index].withUnsafeBufferPointer { places in
                    for place in places {
                        narrowed.initializeElement(at: count, to: Narrow(truncatingIfNeeded: narrow(place, base: base, bits: Narrow.bitWidth)))
                        count += 1
                    }
                }
                chunks[index] = []
            }
        }
    }

    /// The `total` places of `chunks` in three bytes each counting from `base`, each chunk let go
    /// of once copied.
    private static func tripled(_ chunks: inout [[UInt32]], count total: Int, base: UInt32) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: total * 3) { narrowed, count in
            let raw = UnsafeMutableRawBufferPointer(narrowed)
            var index = 0
            for chunk in chunks.indices {
                chunks[chunk].withUnsafeBufferPointer { places in
                    for place in places {
                        ThreeBytes.store(narrow(place, base: base, bits: 24), at: index, of: total, in: raw)
                        index += 1
                    }
                }
                chunks[chunk] = []
            }
            count = total * 3
        }
    }

    /// A place in a narrower form of `bits` bits counting from `base`.
    /// - Precondition: the form holds it (``init(_:)`` chose it).
    private static func narrow(_ place: UInt32, base: UInt32, bits: Int) -> UInt32 {
        let highest = UInt32.max >> (32 - bits)
        if place >= PooledStrings.firstImmediate { return highest &- (UInt32.max &- place) }
        if place & PooledStrings.otherFlag != 0 { return 1 << (bits - 1) | place & ~PooledStrings.otherFlag }
        return place &- base
    }

    /// A place of a narrower form of `bits` bits counting from `base` in its 4-byte form.
    @inlinable
    static func widen(_ place: UInt32, base: UInt32, bits: Int) -> UInt32 {
        let highest = UInt32.max >> (32 - bits)
        if place >= highest &- 2 { return UInt32.max &- (highest &- place) }
        let top: UInt32 = 1 << (bits - 1)
        if place & top != 0 { return PooledStrings.otherFlag | place & ~top }
        return base &+ place
    }
}
