/// Places as a snapshot reader gathers them for a list kept as places, in their 4-byte form and
/// in chunks, so that ``PlaceList/init(gathered:)`` can narrow them a chunk at a time and let each
/// chunk go once it is narrowed: a long list's places are never held whole in two forms at once.
@usableFromInline
package struct GatheredPlaces {
    /// The places of a full chunk: `1 << chunkShift`.
    @inlinable package static var chunkShift: Int { 16 }
    @inlinable package static var chunkSize: Int { 1 << chunkShift }

    /// The full chunks, in order, then the chunk being filled.
    private var full: [[UInt32]] = []
    private var tail: [UInt32] = []
    /// The places expected in all (``reserveCapacity(_:)``): each new chunk has room for its share.
    private var expected = 0

    package init() {}

    /// The places gathered.
    package var count: Int { full.count * Self.chunkSize + tail.count }

    /// Makes room for `count` places in all: for a chunk's worth now, and for each next chunk's
    /// share of them when it begins.
    package mutating func reserveCapacity(_ count: Int) {
        expected = count
        tail.reserveCapacity(max(0, min(count - self.count, Self.chunkSize)))
    }

    @inline(__always)
    package mutating func append(_ place: UInt32) {
        tail.append(place)
        if tail.count == Self.chunkSize {
            full.append(tail)
            tail = []
            tail.reserveCapacity(max(0, min(expected - count, Self.chunkSize)))
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
