/// The keys of a large object being read, by hash: an open-addressing table of each key's 64-bit
/// hash and position, to find a repeated key with one probe on average instead of hashing the
/// key's bytes again (the object's own table is built once, after every key is known to be unique).
struct KeyHashes {
    /// What ``insert(_:index:unlessEqual:)`` found.
    enum Outcome {
        case inserted
        /// An earlier key is equal.
        case duplicate
        /// Too many distinct keys share a hash for this table to stay fast: the caller checks the
        /// rest another way. Nothing was recorded.
        case flooded
    }

    private struct Slot {
        var hash: UInt64 = 0
        /// The key's position plus one; 0 for an empty slot.
        var position = 0
    }

    /// Comparisons of distinct keys with equal 64-bit hashes, beyond which the table gives up: by
    /// chance there are none in any real object, so these come from a file made to collide (whose
    /// comparisons would grow with the square of its keys).
    private static let collisionLimit = 64

    private var slots: [Slot]
    private var count = 0
    private var collisions = 0

    init(expecting count: Int) {
        var size = 16
        while size < count * 2 { size <<= 1 }
        slots = Array(repeating: Slot(), count: size)
    }

    /// Records the key at `index` with `hash`, unless an earlier key with the same hash is equal to
    /// it (`isEqual` is called with that key's index).
    mutating func insert(_ hash: UInt64, index: Int, unlessEqual isEqual: (Int) -> Bool) -> Outcome {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot].position != 0 {
            if slots[slot].hash == hash {
                if isEqual(slots[slot].position - 1) { return .duplicate }
                collisions += 1
                if collisions > Self.collisionLimit { return .flooded }
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Slot(hash: hash, position: index + 1)
        count += 1
        return .inserted
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        let mask = slots.count - 1
        for entry in old where entry.position != 0 {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[slot].position != 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
    }
}
