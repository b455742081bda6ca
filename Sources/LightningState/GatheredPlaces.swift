/// Places as a snapshot reader gathers them for a list kept as places, in their 4-byte form and
/// in chunks, so that ``PlaceList/init(gathered:)`` can narrow them a chunk at a time and let each
/// chunk go once it is narrowed: a long list's places are never held whole in two forms at once.
package struct GatheredPlaces {
    /// The places of a full chunk.
    static let chunkSize = 1 << 16

    /// The full chunks, in order, then the chunk being filled.
    private var full: [[UInt32]] = []
    private var tail: [UInt32] = []

    package init() {}

    /// The places gathered.
    package var count: Int { full.count * Self.chunkSize + tail.count }

    /// Makes room for `count` places, at most a chunk.
    package mutating func reserveCapacity(_ count: Int) {
        tail.reserveCapacity(min(count, Self.chunkSize))
    }

    @inline(__always)
    package mutating func append(_ place: UInt32) {
        tail.append(place)
        if tail.count == Self.chunkSize {
            full.append(tail)
            tail = []
            tail.reserveCapacity(Self.chunkSize)
        }
    }

    /// Removes and returns the last place.
    /// - Precondition: a place was gathered.
    package mutating func removeLast() -> UInt32 {
        if tail.isEmpty { tail = full.removeLast() }
        return tail.removeLast()
    }

    /// Calls `body` with every place, in order.
    package func forEach(_ body: (UInt32) throws -> Void) rethrows {
        for chunk in full { try chunk.forEach(body) }
        try tail.forEach(body)
    }

    /// Hands over the chunks, in order, leaving the gatherer empty.
    package mutating func takeChunks() -> [[UInt32]] {
        var chunks = full
        chunks.append(tail)
        (full, tail) = ([], [])
        return chunks
    }
}
