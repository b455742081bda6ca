/// The ints of a list read from a snapshot, each in the narrowest of 1, 2, 3 or 4 bytes that
/// holds every one of them counted from the list's lowest: counts, scores, ids below four billion,
/// a step's tags, which a `[Int]` var keeps in 8 bytes each, take 4 bytes or fewer in memory.
///
/// Immutable: a ``StateArray`` keeping its ints this way keeps them in 8 bytes again when changed.
@usableFromInline
package struct NarrowInts: Sendable {
    @usableFromInline
    enum Storage: Sendable {
        case bytes([UInt8])
        case halves([UInt16])
        /// Three bytes an int, the lowest first.
        case triples([UInt8])
        case words([UInt32])
    }

    @usableFromInline
    let storage: Storage
    /// The lowest int, which each element is counted from.
    @usableFromInline
    let base: Int64

    /// `ints` in the narrowest form that holds them all, counted from the lowest; `nil` when
    /// their span needs 8 bytes, or they are fewer than ``minimumCount``.
    /// - Parameter release: Called, while the ints are narrowed, with the bytes of `ints` narrowed
    ///   so far, a block at a time: a reader whose array of ints is not read again gives their
    ///   pages back, so that the two forms are not held whole at once.
    package init?(_ ints: [Int64], releasing release: (UnsafeRawBufferPointer) -> Void = { _ in }) {
        guard ints.count >= Self.minimumCount, let first = ints.first else { return nil }
        // The lowest and the highest in one pass.
        var (lowest, highest) = (first, first)
        ints.withUnsafeBufferPointer { ints in
            for int in ints {
                lowest = Swift.min(lowest, int)
                highest = Swift.max(highest, int)
            }
        }
        // At most 2^64 − 1, so exact as an unsigned difference.
        let span = UInt64(bitPattern: highest &- lowest)
        guard span <= UInt64(UInt32.max) else { return nil }
        // `count` elements of `Element`, the ints written into them a block at a time by
        // `write(ints, elements, block)`, each block's ints released once written.
        func narrowed<Element>(
            count: Int, _ write: (UnsafeBufferPointer<Int64>, UnsafeMutableBufferPointer<Element>, Range<Int>) -> Void
        ) -> [Element] {
            ints.withUnsafeBufferPointer { ints in
                [Element](unsafeUninitializedCapacity: count) { narrow, initialized in
                    var start = 0
                    while start < ints.count {
                        let end = Swift.min(start + Self.block, ints.count)
                        write(ints, narrow, start..<end)
                        release(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(ints)[(start * 8)..<(end * 8)]))
                        start = end
                    }
                    initialized = count
                }
            }
        }
        func narrowed<Narrow: FixedWidthInteger>(_: Narrow.Type) -> [Narrow] {
            narrowed(count: ints.count) { ints, narrow, block in
                for index in block {
                    narrow.initializeElement(at: index, to: Narrow(truncatingIfNeeded: UInt64(bitPattern: ints[index] &- lowest)))
                }
            }
        }
        func tripled() -> [UInt8] {
            narrowed(count: ints.count * 3) { ints, narrow, block in
                let raw = UnsafeMutableRawBufferPointer(narrow)
                for index in block {
                    ThreeBytes.store(UInt32(truncatingIfNeeded: ints[index] &- lowest), at: index, of: ints.count, in: raw)
                }
            }
        }
        base = lowest
        if span <= UInt64(UInt8.max) {
            storage = .bytes(narrowed(UInt8.self))
        } else if span <= UInt64(UInt16.max) {
            storage = .halves(narrowed(UInt16.self))
        } else if span < 1 << 24 {
            storage = .triples(tripled())
        } else {
            storage = .words(narrowed(UInt32.self))
        }
    }

    /// The fewest ints narrowed: for fewer, the arrays' own headers outweigh what narrowing saves,
    /// and it costs a second allocation.
    package static let minimumCount = 16

    /// The ints narrowed between two calls to the `release` of ``init(_:releasing:)``.
    private static let block = 1 << 16

    private init(storage: Storage, base: Int64) {
        self.storage = storage
        self.base = base
    }

    /// The bytes an element takes: 1, 2, 3 or 4.
    package var width: Int {
        switch storage {
        case .bytes: 1
        case .halves: 2
        case .triples: 3
        case .words: 4
        }
    }

    /// The ints in `range`, counted from the same lowest.
    package func subrange(_ range: Range<Int>) -> NarrowInts {
        switch storage {
        case .bytes(let narrow): NarrowInts(storage: .bytes(Array(narrow[range])), base: base)
        case .halves(let narrow): NarrowInts(storage: .halves(Array(narrow[range])), base: base)
        case .triples(let narrow): NarrowInts(storage: .triples(Array(narrow[(range.lowerBound * 3)..<(range.upperBound * 3)])), base: base)
        case .words(let narrow): NarrowInts(storage: .words(Array(narrow[range])), base: base)
        }
    }

    /// The ints in 8 bytes each.
    @usableFromInline
    package var wide: [Int64] { Array(self) }

    /// Calls `body` with each int in order: a loop for the width, not a choice of width for each
    /// int as the subscript makes.
    @inlinable
    package func forEachInt<Failure: Error>(_ body: (Int64) throws(Failure) -> Void) throws(Failure) {
        switch storage {
        case .bytes(let narrow): for int in narrow { try body(base &+ Int64(int)) }
        case .halves(let narrow): for int in narrow { try body(base &+ Int64(int)) }
        case .triples(let narrow):
            try narrow.withUnsafeBufferPointer { (bytes) throws(Failure) in
                for position in 0..<(bytes.count / 3) { try body(base &+ Int64(ThreeBytes.read(bytes, at: position))) }
            }
        case .words(let narrow): for int in narrow { try body(base &+ Int64(int)) }
        }
    }
}

extension NarrowInts: Equatable {
    /// Whether the two hold the same ints: their arrays compared when they are kept alike (at once
    /// when they share one, as an unchanged list and its copy do), element by element otherwise.
    @usableFromInline
    package static func == (lhs: NarrowInts, rhs: NarrowInts) -> Bool {
        guard lhs.base == rhs.base else { return lhs.elementsEqual(rhs) }
        switch (lhs.storage, rhs.storage) {
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.halves(let a), .halves(let b)): return a == b
        case (.triples(let a), .triples(let b)): return a == b
        case (.words(let a), .words(let b)): return a == b
        default: return lhs.elementsEqual(rhs)
        }
    }
}

extension NarrowInts: RandomAccessCollection {
    @inlinable
    package var startIndex: Int { 0 }

    @inlinable
    package var endIndex: Int {
        switch storage {
        case .bytes(let narrow): narrow.count
        case .halves(let narrow): narrow.count
        case .triples(let narrow): narrow.count / 3
        case .words(let narrow): narrow.count
        }
    }

    @inlinable
    package subscript(position: Int) -> Int64 {
        switch storage {
        case .bytes(let narrow): base &+ Int64(narrow[position])
        case .halves(let narrow): base &+ Int64(narrow[position])
        case .triples(let narrow): base &+ Int64(ThreeBytes.read(narrow, at: position))
        case .words(let narrow): base &+ Int64(narrow[position])
        }
    }
}
