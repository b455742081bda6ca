import LightningState

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes a state tree into the tree stream and the float stream (see `docs/FORMAT.md`).
struct TreeEncoder {
    var tree = ByteWriter()
    var floats = ByteWriter()
    private var interned = InternCache()
    /// The current and the deepest nesting of arrays and objects (the root container is 1).
    private var depth = 0
    private(set) var deepest = 0

    mutating func encode(_ value: StateValue) {
        switch value {
        case .null: tree.byte(SnapshotFormat.Tag.null.rawValue)
        case .bool(let flag): tree.byte(flag ? SnapshotFormat.Tag.true.rawValue : SnapshotFormat.Tag.false.rawValue)
        case .int(let integer):
            tree.byte(SnapshotFormat.Tag.int.rawValue)
            tree.zigzag(integer)
        case .bigInt(let big):
            tree.byte(SnapshotFormat.Tag.bigInt.rawValue)
            let text = Array(big.decimalText.utf8)
            tree.varint(UInt64(text.count))
            text.withUnsafeBufferPointer { tree.append($0) }
        case .float(let double):
            tree.byte(SnapshotFormat.Tag.float.rawValue)
            tree.littleEndian(double.bitPattern)
        case .string(let string):
            tree.byte(SnapshotFormat.Tag.string.rawValue)
            encodeString(string)
        case .array(let elements):
            enter()
            encodeArray(elements)
            depth -= 1
        case .object(let members):
            enter()
            tree.byte(SnapshotFormat.Tag.object.rawValue)
            tree.varint(UInt64(members.count))
            for (key, member) in members {
                encodeString(key)
                encode(member)
            }
            depth -= 1
        }
    }

    @inline(__always)
    private mutating func enter() {
        depth += 1
        if depth > deepest { deepest = depth }
    }

    private mutating func encodeArray(_ elements: [StateValue]) {
        if elements.count >= SnapshotFormat.packThreshold {
            if elements.allSatisfy({ if case .float = $0 { true } else { false } }) {
                return encodePackedFloats(elements)
            }
            if elements.allSatisfy({ if case .int = $0 { true } else { false } }) {
                tree.byte(SnapshotFormat.Tag.packedInts.rawValue)
                tree.varint(UInt64(elements.count))
                for case .int(let integer) in elements { tree.zigzag(integer) }
                return
            }
        }
        tree.byte(SnapshotFormat.Tag.array.rawValue)
        tree.varint(UInt64(elements.count))
        for element in elements { encode(element) }
    }

    /// Writes the floats' bytes as eight planes (all first bytes, then all second bytes, …), so that
    /// the sign and exponent bytes, which vary little, sit together for the compressor.
    private mutating func encodePackedFloats(_ elements: [StateValue]) {
        tree.byte(SnapshotFormat.Tag.packedFloats.rawValue)
        tree.varint(UInt64(elements.count))
        let count = elements.count
        let start = floats.bytes.count
        floats.bytes.append(contentsOf: repeatElement(0, count: count * 8))
        floats.bytes.withUnsafeMutableBufferPointer { buffer in
            let planes = buffer.baseAddress! + start
            for (index, element) in elements.enumerated() {
                guard case .float(let double) = element else { continue }
                let bits = double.bitPattern
                for plane in 0..<8 {
                    planes[plane * count + index] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(plane)))
                }
            }
        }
    }

    /// A string: a reference to an earlier interned one (`index << 1`), or a literal
    /// (`length << 1 | 1`, then its WTF-8 bytes), which the reader interns when short.
    private mutating func encodeString(_ string: StateString) {
        string.withWTF8 { bytes in
            if bytes.count <= SnapshotFormat.internLimit {
                if let index = interned.index(of: bytes) {
                    tree.varint(UInt64(index) << 1)
                    return
                }
                interned.insert(string, bytes: bytes)
            }
            tree.varint(UInt64(bytes.count) << 1 | 1)
            tree.append(bytes)
        }
    }
}

/// The writer's view of the reader's interning table (see `docs/FORMAT.md`).
///
/// The reader appends every short literal to its table, so the writer numbers them all; but it
/// only needs to find the ones worth referring to again. It remembers them in a two-way
/// set-associative cache keyed by a hash of their bytes, which evicts the less recently used of
/// the two: keys and values that recur stay, while a stream of distinct labels passes through.
/// A string that was evicted is written as a literal again (and enters the table again). So a state
/// of millions of distinct labels costs one hash and at most two comparisons per string, never a
/// growing hash table, and the result depends only on the input: the same state, the same bytes.
struct InternCache {
    /// Two entries per set.
    private var slots: [(string: StateString, index: Int)?] = Array(repeating: nil, count: 256)
    /// For each set, the way (0 or 1) used last.
    private var recent: [UInt8] = Array(repeating: 0, count: 128)
    /// The number of strings the reader's table holds so far.
    private(set) var count = 0
    /// The most slots the cache grows to: 2^16.
    private static let maximumSlots = 1 << 16

    /// The table index of a string with these bytes, if the cache remembers one.
    @inline(__always)
    mutating func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let set = Self.hash(bytes) & (recent.count - 1)
        for way in 0..<2 {
            guard let slot = slots[set &* 2 &+ way] else { continue }
            let same = slot.string.withWTF8 { cached in
                cached.count == bytes.count && (bytes.isEmpty || memcmp(cached.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
            }
            if same {
                recent[set] = UInt8(way)
                return slot.index
            }
        }
        return nil
    }

    /// Records that the reader appends `string` to its table.
    mutating func insert(_ string: StateString, bytes: UnsafeBufferPointer<UInt8>) {
        if count >= slots.count / 2 && slots.count < Self.maximumSlots {
            grow()
        }
        place((string, count), hash: Self.hash(bytes))
        count += 1
    }

    /// Puts `entry` in its set, in place of the way used less recently.
    private mutating func place(_ entry: (string: StateString, index: Int), hash: Int) {
        let set = hash & (recent.count - 1)
        let way = slots[set &* 2] == nil ? 0 : slots[set &* 2 &+ 1] == nil ? 1 : 1 &- Int(recent[set])
        slots[set &* 2 &+ way] = entry
        recent[set] = UInt8(way)
    }

    /// Four times the slots, keeping what is remembered (oldest first, so the newest stay on a clash).
    private mutating func grow() {
        let old = slots.compactMap { $0 }.sorted { $0.index < $1.index }
        slots = Array(repeating: nil, count: slots.count * 4)
        recent = Array(repeating: 0, count: slots.count / 2)
        for entry in old {
            entry.string.withWTF8 { bytes in place(entry, hash: Self.hash(bytes)) }
        }
    }

    /// A fast, well-mixed hash of the bytes, eight at a time.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
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
        return Int(truncatingIfNeeded: hash ^ (hash >> 33))
    }
}
