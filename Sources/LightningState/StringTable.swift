/// A snapshot reader's table of short strings (see `docs/FORMAT.md`): their WTF-8 bytes one after
/// another, shared by the lists of strings read from the snapshot (``PooledStrings``), which keep
/// places in it instead of a value per element.
///
/// A place costs 8 bytes (where its bytes are, how many, and whether they hold a lone surrogate)
/// beside the bytes themselves: a string is built when it is read (``subscript(_:)``), and read
/// without being built where bytes will do (``withWTF8(at:_:)``). Kept as values, the strings took
/// a 24-byte slot each, and one allocation more for each longer than 15 bytes (a `String` keeps
/// those out of line): on a state of labels and names, most of what its lists took.
///
/// The reader appends every short literal as it meets it. A list refers only to the places written
/// before it was made, and nothing is written once the reader has finished, which is before the
/// state it returns reaches any other code: that is why the table, which the reader may still be
/// writing while a list already holds it, can be `Sendable` — no place is ever read and written
/// concurrently. Only the reader changes it (``append(wtf8:hasLoneSurrogates:)``); lists only read it.
///
/// The places and the bytes are kept in chunks that never move once full. The first of each grows
/// as any small array does (most snapshots, deltas, intern few strings; the reader alone reads the
/// table while it may move); the others are allocated whole. The directories of chunks are
/// allocated once, for the most strings and bytes the tree can hold.
@usableFromInline
package final class StringTable: @unchecked Sendable {
    /// A chunk of places holds `1 << chunkShift` of them: place `p` is slot `p & chunkMask` of chunk `p >> chunkShift`.
    @inlinable static var chunkShift: Int { 12 }
    @inlinable static var chunkMask: Int { (1 << chunkShift) - 1 }
    @inlinable static var chunkCapacity: Int { 1 << chunkShift }

    /// A chunk of bytes holds `1 << byteChunkShift`: a string's bytes begin at a position whose
    /// high bits name the chunk, its low bits the offset in it. No string spans two chunks.
    @inlinable static var byteChunkShift: Int { 16 }
    @inlinable static var byteChunkMask: Int { (1 << byteChunkShift) - 1 }
    @inlinable static var byteChunkCapacity: Int { 1 << byteChunkShift }

    /// The longest string the table keeps: a place's length takes a byte.
    package static let maximumLength = 255

    /// A place's entry: the position of its bytes above ``positionShift``, its length in the low
    /// byte, and ``loneSurrogateFlag`` when the bytes are WTF-8 that is not UTF-8.
    @inlinable static var positionShift: UInt64 { 9 }
    @inlinable static var loneSurrogateFlag: UInt64 { 1 << 8 }

    /// Where the table keeps its counts: behind a pointer, so that reading a string costs no
    /// exclusivity check (as a class's stored `var` would).
    @usableFromInline
    struct Counts {
        /// The strings appended so far.
        @usableFromInline var count = 0
        /// The room in the first chunk of places.
        var firstChunkCapacity = 0
        /// The chunks of bytes begun, the room in the last of them, and the bytes used in it.
        var byteChunks = 0
        var lastByteChunkCapacity = 0
        var lastByteChunkUsed = 0
    }

    /// The chunks of places (their entries), as many as the table has begun.
    @usableFromInline
    let directory: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
    /// The chunks of bytes, as many as the table has begun.
    @usableFromInline
    let byteDirectory: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>>
    private let directoryCapacity: Int
    private let byteDirectoryCapacity: Int
    @usableFromInline
    let counts: UnsafeMutablePointer<Counts>

    /// An empty table with room for the strings of a tree of `maximumBytes` bytes: at most as many
    /// strings (each takes one byte at least, a reference to it or its length), of at most as many
    /// bytes in all.
    package init(maximumBytes: Int) {
        directoryCapacity = max(1, (maximumBytes + Self.chunkMask) >> Self.chunkShift)
        // A chunk of bytes leaves unused at most the room of one string less a byte.
        let usable = Self.byteChunkCapacity - Self.maximumLength
        byteDirectoryCapacity = max(1, (maximumBytes + usable - 1) / usable)
        directory = .allocate(capacity: directoryCapacity)
        byteDirectory = .allocate(capacity: byteDirectoryCapacity)
        counts = .allocate(capacity: 1)
        counts.initialize(to: Counts())
    }

    deinit {
        let entryChunks = (counts.pointee.count + Self.chunkMask) >> Self.chunkShift
        for chunk in 0..<entryChunks { directory[chunk].deallocate() }
        for chunk in 0..<counts.pointee.byteChunks { byteDirectory[chunk].deallocate() }
        directory.deallocate()
        byteDirectory.deallocate()
        counts.deallocate()
    }

    /// The strings appended so far.
    @inlinable
    package var count: Int { counts.pointee.count }

    /// The string at `place`, built from its bytes.
    /// - Precondition: `place < count`.
    @inlinable
    package subscript(place: Int) -> StateString {
        let entry = entry(place)
        let bytes = bytes(of: entry)
        if entry & Self.loneSurrogateFlag != 0 { return StateString(validWTF8: Array(bytes)) }
        return StateString(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether building the string at `place` takes an allocation: it is longer than a `String`
    /// keeps inline (15 bytes), or holds a lone surrogate.
    /// - Precondition: `place < count`.
    func allocates(at place: Int) -> Bool {
        let entry = entry(place)
        return entry & Self.loneSurrogateFlag != 0 || entry & 0xFF > 15
    }

    /// Calls `body` with the WTF-8 bytes of the string at `place`, read where the table keeps them:
    /// valid while `body` runs and no string is appended (while the reader is still appending,
    /// the first chunk may move).
    /// - Precondition: `place < count`.
    @inlinable
    package func withWTF8<R>(at place: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(bytes(of: entry(place)))
    }

    /// The entry of the string at `place`.
    /// - Precondition: `place < count`.
    @inlinable
    func entry(_ place: Int) -> UInt64 {
        precondition(place < counts.pointee.count, "a place beyond the table")
        return directory[place &>> Self.chunkShift][place & Self.chunkMask]
    }

    /// The bytes an entry names.
    @inlinable
    func bytes(of entry: UInt64) -> UnsafeBufferPointer<UInt8> {
        let position = Int(truncatingIfNeeded: entry >> Self.positionShift)
        let start = byteDirectory[position &>> Self.byteChunkShift] + (position & Self.byteChunkMask)
        return UnsafeBufferPointer(start: start, count: Int(truncatingIfNeeded: entry & 0xFF))
    }

    /// Appends a string, given by its WTF-8 bytes, at the next place.
    /// - Parameter hasLoneSurrogates: Whether the bytes are WTF-8 that is not UTF-8.
    /// - Precondition: the bytes are valid WTF-8, no more than ``maximumLength``, and fewer strings
    ///   and bytes than the table has room for were appended; only the reader that made the table
    ///   appends to it, before any other code sees the lists that hold it.
    package func append(wtf8 bytes: UnsafeBufferPointer<UInt8>, hasLoneSurrogates: Bool) {
        precondition(bytes.count <= Self.maximumLength, "a string longer than the table keeps")
        let position = room(for: bytes.count)
        if let source = bytes.baseAddress {
            (byteDirectory[position >> Self.byteChunkShift] + (position & Self.byteChunkMask)).initialize(from: source, count: bytes.count)
        }
        counts.pointee.lastByteChunkUsed += bytes.count
        let place = counts.pointee.count
        let chunk = place >> Self.chunkShift
        let slot = place & Self.chunkMask
        if chunk == 0 {
            let capacity = counts.pointee.firstChunkCapacity
            if slot == capacity {
                if capacity == 0 {
                    directory[0] = .allocate(capacity: 16)
                } else {
                    directory[0] = Self.grow(directory[0], from: capacity, to: capacity * 2)
                }
                counts.pointee.firstChunkCapacity = max(16, capacity * 2)
            }
        } else if slot == 0 {
            precondition(chunk < directoryCapacity, "more strings than the table has room for")
            directory[chunk] = .allocate(capacity: Self.chunkCapacity)
        }
        let entry = UInt64(position) << Self.positionShift | (hasLoneSurrogates ? Self.loneSurrogateFlag : 0) | UInt64(bytes.count)
        (directory[chunk] + slot).initialize(to: entry)
        counts.pointee.count = place + 1
    }

    /// Appends `string` at the next place.
    func append(_ string: StateString) {
        string.withWTF8 { append(wtf8: $0, hasLoneSurrogates: string.hasLoneSurrogates) }
    }

    /// The position of `length` bytes: in the chunk being filled, or the next. The first chunk
    /// grows to a whole one by doubling; the others are allocated whole.
    private func room(for length: Int) -> Int {
        let chunks = counts.pointee.byteChunks
        let used = counts.pointee.lastByteChunkUsed
        let capacity = counts.pointee.lastByteChunkCapacity
        // No bytes: a position in the first chunk, which is always there once a string is.
        if chunks > 0 && length == 0 { return 0 }
        if chunks > 0 && used + length <= capacity { return (chunks - 1) << Self.byteChunkShift | used }
        if chunks == 1 && capacity < Self.byteChunkCapacity && used + length <= Self.byteChunkCapacity {
            var grown = capacity * 2
            while grown < used + length { grown *= 2 }
            byteDirectory[0] = Self.grow(byteDirectory[0], from: used, to: grown)
            counts.pointee.lastByteChunkCapacity = grown
            return used
        }
        precondition(chunks < byteDirectoryCapacity, "more bytes than the table has room for")
        var room = Self.byteChunkCapacity
        if chunks == 0 {
            room = 256
            while room < length { room *= 2 }
        }
        byteDirectory[chunks] = .allocate(capacity: room)
        counts.pointee.byteChunks = chunks + 1
        counts.pointee.lastByteChunkCapacity = room
        counts.pointee.lastByteChunkUsed = 0
        return chunks << Self.byteChunkShift
    }

    /// Storage for `capacity` elements holding the first `count` of `old`, which it lets go of.
    private static func grow<Element>(_ old: UnsafeMutablePointer<Element>, from count: Int, to capacity: Int) -> UnsafeMutablePointer<Element> {
        let storage = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        storage.moveInitialize(from: old, count: count)
        old.deallocate()
        return storage
    }
}
