/// A snapshot reader's table of short strings (see `docs/FORMAT.md`), in chunks that never move
/// once full, shared by the lists of strings read from the snapshot (``PooledStrings``), which
/// keep places in it instead of a value per element.
///
/// The reader appends every short literal as it meets it. A list refers only to the places written
/// before it was made, and nothing is written once the reader has finished, which is before the
/// state it returns reaches any other code: that is why the table, which the reader may still be
/// writing while a list already holds it, can be `Sendable` — no place is ever read and written
/// concurrently. Only the reader changes it (``append(_:)``); lists only read it.
///
/// The first chunk grows as any small array does (most snapshots, deltas, intern few strings; the
/// reader alone reads the table while it may move); the others are allocated whole. The
/// directory of chunks is allocated once, for the most strings the tree can name.
@usableFromInline
package final class StringTable: @unchecked Sendable {
    /// A chunk holds `1 << chunkShift` strings: a place `p` is slot `p & chunkMask` of chunk `p >> chunkShift`.
    @inlinable package static var chunkShift: Int { 12 }
    @inlinable package static var chunkMask: Int { (1 << chunkShift) - 1 }
    @inlinable package static var chunkCapacity: Int { 1 << chunkShift }

    /// The chunks' storage, as many as the table has begun.
    @usableFromInline
    let directory: UnsafeMutablePointer<UnsafeMutablePointer<StateString>>
    /// The most chunks the directory has room for.
    private let directoryCapacity: Int
    /// The strings appended so far, and the room in the first chunk: kept behind a pointer, so that
    /// reading a string costs no exclusivity check (as a class's stored `var` would).
    @usableFromInline
    let counts: UnsafeMutablePointer<(count: Int, firstChunkCapacity: Int)>

    /// An empty table with room for `maximumCount` strings (a tree of `n` bytes names at most `n`:
    /// each takes one byte at least).
    package init(maximumCount: Int) {
        directoryCapacity = max(1, (maximumCount + Self.chunkMask) >> Self.chunkShift)
        directory = .allocate(capacity: directoryCapacity)
        counts = .allocate(capacity: 1)
        counts.initialize(to: (0, 0))
    }

    deinit {
        var left = counts.pointee.count
        var chunk = 0
        while left > 0 {
            let written = min(left, Self.chunkCapacity)
            directory[chunk].deinitialize(count: written)
            directory[chunk].deallocate()
            left -= written
            chunk += 1
        }
        directory.deallocate()
        counts.deallocate()
    }

    /// The strings appended so far.
    @inlinable
    package var count: Int { counts.pointee.count }

    /// The string at `place`.
    /// - Precondition: `place < count`.
    @inlinable
    package subscript(place: Int) -> StateString {
        slot(place).pointee
    }

    /// Calls `body` with the WTF-8 bytes of the string at `place`, read where the table keeps it.
    /// - Precondition: `place < count`.
    @inlinable
    package func withWTF8<R>(at place: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try slot(place).pointee.withWTF8(body)
    }

    /// Where the string at `place` is kept.
    /// - Precondition: `place < count`.
    @inlinable
    func slot(_ place: Int) -> UnsafeMutablePointer<StateString> {
        precondition(place < counts.pointee.count, "a place beyond the table")
        return directory[place &>> Self.chunkShift] + (place & Self.chunkMask)
    }

    /// Appends a string at the next place.
    /// - Precondition: fewer than `maximumCount` strings were appended; only the reader that
    ///   made the table appends to it, before any other code sees the lists that hold it.
    package func append(_ string: StateString) {
        let place = counts.pointee.count
        let chunk = place >> Self.chunkShift
        let slot = place & Self.chunkMask
        if chunk == 0 {
            let capacity = counts.pointee.firstChunkCapacity
            if slot == capacity {
                let grown = capacity == 0 ? 16 : capacity * 2
                let storage = UnsafeMutablePointer<StateString>.allocate(capacity: grown)
                if capacity > 0 {
                    storage.moveInitialize(from: directory[0], count: capacity)
                    directory[0].deallocate()
                }
                directory[0] = storage
                counts.pointee.firstChunkCapacity = grown
            }
        } else if slot == 0 {
            precondition(chunk < directoryCapacity, "more strings than the table has room for")
            directory[chunk] = .allocate(capacity: Self.chunkCapacity)
        }
        (directory[chunk] + slot).initialize(to: string)
        counts.pointee.count = place + 1
    }
}
