import LightningState

/// Finds a key that repeats an earlier one among the many keys of a large object, once they are
/// all read: their 64-bit hashes are sorted in place (``sort(_:)``) and neighbours compared,
/// instead of each key probing a table as it comes (a cache miss per key on a table of hundreds
/// of thousands, and the table's memory besides).
///
/// The hashes (``InternCache/hash(_:)``) are not secret: two distinct keys share one by chance
/// once in 2⁶⁴ pairs, or because a file was made so. Either way the keys are then checked by the
/// standard library's seeded hashing, which no file can be made to slow down.
enum RepeatedKeys {
    /// The index of the first key, in order, equal to an earlier one; `nil` when all differ.
    /// `hashes` are the keys' hashes, in the same order (sorted in place: the caller's last use).
    static func first(in keys: ContiguousArray<StateString>, hashes: consuming [UInt64]) -> Int? {
        var hashes = hashes
        guard hashes.withUnsafeMutableBufferPointer({ mayRepeat($0) }) else { return nil }
        var seen = Set<StateString>(minimumCapacity: keys.count)
        for (index, key) in keys.enumerated() where !seen.insert(key).inserted { return index }
        return nil
    }

    /// Whether keys of these hashes may repeat: two of the hashes are equal. `false` means the
    /// keys all differ. The hashes are sorted in place, not copied: the callers no longer need
    /// their order.
    static func mayRepeat(_ hashes: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        sort(hashes)
        return hashes.indices.dropFirst().contains { hashes[$0] == hashes[$0 &- 1] }
    }

    /// The most values sorted by insertion, which beats counting them into buckets for so few.
    private static let fewValues = 32

    /// The buckets of each pass: one for each value of a byte.
    private static let radix = 256

    /// Sorts `values` in place, with no memory beyond a table of buckets on the stack for each of
    /// at most eight levels: each value is moved to the bucket of its top byte (an American flag
    /// sort's pass: linear), then each bucket is sorted the same way on the next byte, and a bucket
    /// of ``fewValues`` or fewer by insertion. A million random hashes take three passes; any
    /// file's, however made, at most eight over each value.
    static func sort(_ values: UnsafeMutableBufferPointer<UInt64>) {
        sort(values, onByteAt: 56)
    }

    /// Sorts `values`, which share every byte above bit `shift + 8`, by their bits from `shift` + 7 down.
    private static func sort(_ values: UnsafeMutableBufferPointer<UInt64>, onByteAt shift: UInt64) {
        guard values.count > fewValues else {
            for index in values.indices.dropFirst() {
                let value = values[index]
                var slot = index
                while slot > 0 && values[slot &- 1] > value {
                    values[slot] = values[slot &- 1]
                    slot &-= 1
                }
                values[slot] = value
            }
            return
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * radix) { table in
            table.initialize(repeating: 0)
            // Where each bucket's next value goes, and where it ends.
            let next = UnsafeMutableBufferPointer(rebasing: table[..<radix])
            let ends = UnsafeMutableBufferPointer(rebasing: table[radix...])
            func bucket(_ value: UInt64) -> Int { Int(truncatingIfNeeded: value >> shift) & (radix &- 1) }
            for value in values { ends[bucket(value)] &+= 1 }
            var total = 0
            for index in 0..<radix {
                next[index] = total
                total &+= ends[index]
                ends[index] = total
            }
            for current in 0..<radix {
                while next[current] < ends[current] {
                    // The value in the current bucket's next slot goes to its own bucket, whose next
                    // value comes out in its place, until one that belongs here does.
                    var value = values[next[current]]
                    var home = bucket(value)
                    while home != current {
                        swap(&value, &values[next[home]])
                        next[home] &+= 1
                        home = bucket(value)
                    }
                    values[next[current]] = value
                    next[current] &+= 1
                }
            }
            // The lowest byte sorted: the values of a bucket are equal.
            guard shift > 0 else { return }
            var start = 0
            for end in ends {
                if end &- start > 1 { sort(UnsafeMutableBufferPointer(rebasing: values[start..<end]), onByteAt: shift &- 8) }
                start = end
            }
        }
    }
}
