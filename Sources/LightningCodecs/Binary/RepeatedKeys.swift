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

    /// The most values sorted by comparisons alone, whose buckets would cost more than sorting so few.
    private static let fewValues = 256

    /// The top bits of a value that pick its bucket.
    static let digitBits = 11

    /// Sorts `values` in place, in no more memory than a table of buckets: each value is moved to
    /// the bucket of its top ``digitBits`` bits (an American flag sort's pass: linear, where a
    /// least-significant-digit radix sort needs a second array as large), then each bucket — a
    /// few hundred values of a million, all of them if a file was made so — is sorted by comparison.
    static func sort(_ values: UnsafeMutableBufferPointer<UInt64>) {
        guard values.count > fewValues else {
            var few = values
            few.sort()
            return
        }
        let radix = 1 << digitBits
        func bucket(_ value: UInt64) -> Int { Int(truncatingIfNeeded: value >> UInt64(64 - digitBits)) }
        // Where each bucket ends, and where its next value goes.
        var ends = [Int](repeating: 0, count: radix)
        var next = [Int](repeating: 0, count: radix)
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
        var start = 0
        for end in ends {
            var inBucket = UnsafeMutableBufferPointer(rebasing: values[start..<end])
            inBucket.sort()
            start = end
        }
    }
}
