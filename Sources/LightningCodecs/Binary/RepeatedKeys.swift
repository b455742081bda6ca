import LightningState

/// Finds a key that repeats an earlier one among the many keys of a large object, once they are
/// all read: their 64-bit hashes are sorted (a radix sort, linear in the keys) and neighbours
/// compared, instead of each key probing a table as it comes (a cache miss per key on a table of
/// hundreds of thousands, and the table's memory besides).
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

    /// Whether keys of these hashes may repeat: two of the hashes are equal, or so many share
    /// their top bits that comparing them pairwise would cost too much (then the caller compares
    /// the keys themselves). `false` means the keys all differ.
    ///
    /// The hashes are sorted on their top ``sortedBits`` bits only: ``sort(_:)``'s three passes
    /// instead of six for the whole 64. Equal hashes then sit in one run of equal top bits, and a
    /// run (of one hash, nearly always) is compared pairwise. The hashes are sorted in place, not
    /// copied: the callers no longer need their order.
    static func mayRepeat(_ sorted: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        guard sorted.count > fewHashes else {
            var few = sorted
            few.sort()
            return sorted.indices.dropFirst().contains { sorted[$0] == sorted[$0 - 1] }
        }
        sort(sorted)
        var start = 0
        while start < sorted.count {
            let top = sorted[start] >> UInt64(64 - sortedBits)
            var end = start + 1
            while end < sorted.count && sorted[end] >> UInt64(64 - sortedBits) == top { end += 1 }
            if end - start > longestRun { return true }
            for first in start..<end {
                for second in (first + 1)..<end where sorted[first] == sorted[second] { return true }
            }
            start = end
        }
        return false
    }

    /// The most hashes sorted whole by comparisons rather than by ``sort(_:)``, whose tables cost
    /// more than sorting so few.
    private static let fewHashes = 256

    /// Bits of a value sorted on in each pass.
    private static let digitBits = 11
    /// Passes over the values: three of 11 bits.
    private static let passes = 3
    /// The top bits of a hash that ``sort(_:)`` orders by.
    static let sortedBits = digitBits * passes
    /// The most hashes of equal top bits compared pairwise: by chance a run is longer once in
    /// billions of objects of a million keys.
    private static let longestRun = 16

    /// Sorts `values` by their top ``sortedBits`` bits (least significant digit first, each pass a
    /// stable counting sort); values of equal top bits keep their order.
    static func sort(_ values: UnsafeMutableBufferPointer<UInt64>) {
        let count = values.count
        guard count > 1 else { return }
        let radix = 1 << digitBits
        let lowest = 64 - sortedBits
        var histograms = [Int](repeating: 0, count: passes * radix)
        var scratch = [UInt64](repeating: 0, count: count)
        scratch.withUnsafeMutableBufferPointer { scratch in
            histograms.withUnsafeMutableBufferPointer { histograms in
                func digit(_ value: UInt64, _ pass: Int) -> Int {
                    Int(truncatingIfNeeded: value >> UInt64(lowest &+ pass &* digitBits)) & (radix - 1)
                }
                for value in values {
                    for pass in 0..<passes { histograms[pass &* radix &+ digit(value, pass)] &+= 1 }
                }
                var source = values
                var destination = scratch
                for pass in 0..<passes {
                    // Each digit's count becomes where its first value goes.
                    var next = 0
                    for index in (pass * radix)..<((pass + 1) * radix) {
                        let digitCount = histograms[index]
                        histograms[index] = next
                        next &+= digitCount
                    }
                    for value in source {
                        let slot = pass &* radix &+ digit(value, pass)
                        destination[histograms[slot]] = value
                        histograms[slot] &+= 1
                    }
                    swap(&source, &destination)
                }
                // An odd number of passes: the last one wrote into the scratch buffer.
                _ = values.update(fromContentsOf: source)
            }
        }
    }
}
