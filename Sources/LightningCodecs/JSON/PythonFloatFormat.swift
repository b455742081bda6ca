/// Python's `float.__repr__` for finite doubles: the shortest text that reads back to the same
/// double, in fixed notation when the decimal exponent is in -4...15 (`0.0001`,
/// `1000000000000000.0`, always with a `.0` or a fraction) and in scientific notation otherwise
/// (`1e-05`, `1e+16`, `1.7976931348623157e+308`, a sign and at least two exponent digits).
///
/// The digits come from ``ShortestFloat``; the text is written straight into the caller's memory,
/// so printing a float allocates nothing.
enum PythonFloatFormat {
    /// The longest text: a sign, "0.000", 17 digits; or a sign, 17 digits, ".", "e-324".
    static let maximumLength = 25

    /// Writes the repr of the finite `value` at `start`, which has room for ``maximumLength``
    /// bytes, and returns the number of bytes written.
    static func write(_ value: Double, to start: UnsafeMutablePointer<UInt8>) -> Int {
        var cursor = start
        if value.sign == .minus {
            cursor.pointee = UInt8(ascii: "-")
            cursor += 1
        }
        if value == 0 {
            return put("0.0", at: cursor) - start
        }
        let (digits, exponent) = ShortestFloat.decimal(of: value.magnitude)
        let count = decimalLength(of: digits)
        // The position of the decimal point relative to the first digit, as Python's `decpt`.
        let point = count + exponent
        if point > -4 && point <= 16 {
            if point <= 0 {
                cursor = put("0.", at: cursor)
                cursor = putZeros(-point, at: cursor)
                cursor = putDigits(digits, count: count, at: cursor)
            } else if point < count {
                // Write the digits one place to the right, then move the integer part back over the gap.
                putDigits(digits, count: count, at: cursor + 1)
                for index in 0..<point { cursor[index] = cursor[index + 1] }
                cursor[point] = UInt8(ascii: ".")
                cursor += count + 1
            } else {
                cursor = putDigits(digits, count: count, at: cursor)
                cursor = putZeros(point - count, at: cursor)
                cursor = put(".0", at: cursor)
            }
        } else {
            // d[.ddd]e±XX: the first digit, then the rest after a point.
            putDigits(digits, count: count, at: cursor + 1)
            cursor[0] = cursor[1]
            if count > 1 {
                cursor[1] = UInt8(ascii: ".")
                cursor += count + 1
            } else {
                cursor += 1
            }
            let scientificExponent = point - 1
            cursor = put(scientificExponent < 0 ? "e-" : "e+", at: cursor)
            let magnitude = scientificExponent.magnitude
            cursor = putDigits(UInt64(magnitude), count: magnitude < 100 ? 2 : 3, at: cursor)
        }
        return cursor - start
    }

    /// The number of decimal digits of `digits`, which is below 10^17.
    @inline(__always)
    private static func decimalLength(of digits: UInt64) -> Int {
        // floor(log10(digits)) is floor(log2(digits) × 1233 / 4096) or one more.
        let estimate = ((64 - (digits | 1).leadingZeroBitCount) * 1233) >> 12
        return estimate + (digits >= powersOfTen[estimate] ? 1 : 0)
    }

    private static let powersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000,
    ]

    /// Writes the last `count` (at most 17) decimal digits of `digits`, zero-padded, and returns
    /// the end. Eight digits at a time, in two independent halves of four, so that the divisions
    /// do not wait on each other.
    @inline(__always)
    @discardableResult
    private static func putDigits(_ digits: UInt64, count: Int, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var end = start + count
        var remaining = digits
        var left = count
        while left >= 8 {
            end -= 8
            putEightDigits(UInt32(remaining % 100_000_000), at: end)
            remaining /= 100_000_000
            left -= 8
        }
        var small = UInt32(remaining)
        while left >= 2 {
            end -= 2
            putPair(small % 100, at: end)
            small /= 100
            left -= 2
        }
        if left == 1 {
            start[0] = UInt8(ascii: "0") + UInt8(small % 10)
        }
        return start + count
    }

    @inline(__always)
    private static func putEightDigits(_ value: UInt32, at start: UnsafeMutablePointer<UInt8>) {
        let high = value / 10_000
        let low = value % 10_000
        putPair(high / 100, at: start)
        putPair(high % 100, at: start + 2)
        putPair(low / 100, at: start + 4)
        putPair(low % 100, at: start + 6)
    }

    /// Writes the two digits of `pair`, below 100.
    @inline(__always)
    private static func putPair(_ pair: UInt32, at start: UnsafeMutablePointer<UInt8>) {
        let pairs = digitPairs.utf8Start + Int(pair) * 2
        start[0] = pairs[0]
        start[1] = pairs[1]
    }

    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    @inline(__always)
    private static func putZeros(_ count: Int, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        start.update(repeating: UInt8(ascii: "0"), count: count)
        return start + count
    }

    @inline(__always)
    private static func put(_ text: StaticString, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        start.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        return start + text.utf8CodeUnitCount
    }
}
