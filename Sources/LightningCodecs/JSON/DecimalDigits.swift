/// Decimal digits of unsigned integers, written straight into memory two at a time from a table.
enum DecimalDigits {
    /// The number of decimal digits of `value` (1 for 0).
    @inline(__always)
    static func count(of value: UInt64) -> Int {
        // floor(log10(value)) is floor(log2(value) × 1233 / 4096) or one more.
        let estimate = ((64 - (value | 1).leadingZeroBitCount) * 1233) >> 12
        return estimate + ((value | 1) >= powersOfTen[estimate] ? 1 : 0)
    }

    private static let powersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ]

    /// Writes the last `count` decimal digits of `value`, zero-padded, at `start` and returns the
    /// end. Eight digits at a time, in two independent halves of four, so that the divisions do
    /// not wait on each other.
    @inline(__always)
    @discardableResult
    static func write(_ value: UInt64, count: Int, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var end = start + count
        var remaining = value
        var left = count
        while left >= 8 {
            end -= 8
            writeEight(UInt32(remaining % 100_000_000), at: end)
            remaining /= 100_000_000
            left -= 8
        }
        var small = UInt32(remaining)
        while left >= 2 {
            end -= 2
            writePair(small % 100, at: end)
            small /= 100
            left -= 2
        }
        if left == 1 {
            start[0] = UInt8(ascii: "0") + UInt8(small % 10)
        }
        return start + count
    }

    @inline(__always)
    private static func writeEight(_ value: UInt32, at start: UnsafeMutablePointer<UInt8>) {
        let high = value / 10_000
        let low = value % 10_000
        writePair(high / 100, at: start)
        writePair(high % 100, at: start + 2)
        writePair(low / 100, at: start + 4)
        writePair(low % 100, at: start + 6)
    }

    /// Writes the two digits of `pair`, below 100.
    @inline(__always)
    private static func writePair(_ pair: UInt32, at start: UnsafeMutablePointer<UInt8>) {
        let pairs = digitPairs.utf8Start + Int(pair) * 2
        start[0] = pairs[0]
        start[1] = pairs[1]
    }

    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
}
