#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The writer's view of the reader's interning table (see `docs/FORMAT.md`).
///
/// The reader appends every short literal to its table, so the writer numbers them all; but it
/// only needs to find the ones worth referring to again. It remembers them in a two-way
/// set-associative cache keyed by a hash of their bytes, which evicts the less recently used of
/// the two: keys and values that recur stay, while a stream of distinct labels passes through.
/// A string that was evicted is written as a literal again (and enters the table again). So a state
/// of millions of distinct labels costs one hash and at most two comparisons per string, never a
/// growing hash table, and the result depends only on the input: the same state, the same bytes.
///
/// The cache keeps copies of the bytes in one flat arena, a fixed stride per slot, rather than
/// the strings themselves: a look-up touches two small records and one contiguous run of bytes,
/// and never a reference count or another heap object.
struct InternCache {
    /// 16 bytes, so that a set's two ways share a cache line.
    private struct Slot {
        /// The string's index in the reader's table.
        var index: Int = 0
        /// The high half of the bytes' hash (the low bits choose the set), compared before the bytes.
        var check: UInt32 = 0
        /// The string's length in bytes; -1 for an empty slot.
        var length: Int32 = -1
    }

    /// Two slots per set.
    private var slots: [Slot]
    /// Each slot's bytes, at `slot * stride`.
    private var arena: [UInt8]
    /// For each set, the way (0 or 1) used last.
    private var recent: [UInt8]
    /// The number of strings the reader's table holds so far.
    private(set) var count = 0

    /// The bytes a slot has room for: the longest string that is interned.
    private static let stride = SnapshotFormat.internLimit
    /// The slots the cache starts with.
    private static let initialSlots = 256
    /// The most slots the cache grows to: 2^16.
    private static let maximumSlots = 1 << 16

    init() {
        slots = Array(repeating: Slot(), count: Self.initialSlots)
        arena = Array(repeating: 0, count: Self.initialSlots * Self.stride)
        recent = Array(repeating: 0, count: Self.initialSlots / 2)
    }

    /// The table index of a string with these bytes, if the cache remembers one; else `nil`, and
    /// the string is recorded as the reader's next table entry (the writer then writes it as a
    /// literal, which the reader appends to its table).
    /// - Precondition: `bytes.count <= SnapshotFormat.internLimit`.
    @inline(__always)
    mutating func indexOrInsert(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = Self.hash(bytes)
        let set = Int(truncatingIfNeeded: hash) & (recent.count - 1)
        for way in 0..<2 {
            let slot = slots[set &* 2 &+ way]
            if slot.check == UInt32(truncatingIfNeeded: hash >> 32), Int(slot.length) == bytes.count, matches(bytes, slot: set &* 2 &+ way) {
                recent[set] = UInt8(way)
                return slot.index
            }
        }
        if count >= slots.count / 2 && slots.count < Self.maximumSlots {
            grow()
        }
        place(bytes, hash: hash, index: count)
        count += 1
        return nil
    }

    @inline(__always)
    private func matches(_ bytes: UnsafeBufferPointer<UInt8>, slot: Int) -> Bool {
        bytes.isEmpty || arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + slot &* Self.stride, bytes.baseAddress!, bytes.count) == 0 }
    }

    /// Puts a string in its set, in place of the way used less recently.
    private mutating func place(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64, index: Int) {
        let set = Int(truncatingIfNeeded: hash) & (recent.count - 1)
        let way = slots[set &* 2].length < 0 ? 0 : slots[set &* 2 &+ 1].length < 0 ? 1 : 1 &- Int(recent[set])
        let slot = set &* 2 &+ way
        slots[slot] = Slot(index: index, check: UInt32(truncatingIfNeeded: hash >> 32), length: Int32(bytes.count))
        if !bytes.isEmpty {
            arena.withUnsafeMutableBufferPointer { ($0.baseAddress! + slot &* Self.stride).update(from: bytes.baseAddress!, count: bytes.count) }
        }
        recent[set] = UInt8(way)
    }

    /// Four times the slots, keeping what is remembered (oldest first, so the newest stay on a clash).
    private mutating func grow() {
        let oldSlots = slots
        let oldArena = arena
        let kept = oldSlots.indices.filter { oldSlots[$0].length >= 0 }.sorted { oldSlots[$0].index < oldSlots[$1].index }
        slots = Array(repeating: Slot(), count: oldSlots.count * 4)
        arena = Array(repeating: 0, count: slots.count * Self.stride)
        recent = Array(repeating: 0, count: slots.count / 2)
        oldArena.withUnsafeBufferPointer { old in
            for position in kept {
                let entry = oldSlots[position]
                let bytes = UnsafeBufferPointer(start: old.baseAddress! + position * Self.stride, count: Int(entry.length))
                place(bytes, hash: Self.hash(bytes), index: entry.index)
            }
        }
    }

    /// A fast, well-mixed hash of the bytes, eight at a time.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        let raw = UnsafeRawBufferPointer(bytes)
        var offset = 0
        while offset + 8 <= raw.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 29
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
            offset += 1
        }
        // MurmurHash3's finalizer: every input bit reaches every output bit, the low ones used here included.
        hash ^= tail
        hash = (hash ^ (hash >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        hash = (hash ^ (hash >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 33)
    }
}
