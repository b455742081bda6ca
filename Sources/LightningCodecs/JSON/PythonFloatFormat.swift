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
        let count = DecimalDigits.count(of: digits)
        // The position of the decimal point relative to the first digit, as Python's `decpt`.
        let point = count + exponent
        if point > -4 && point <= 16 {
            if point <= 0 {
                cursor = put("0.", at: cursor)
                cursor = putZeros(-point, at: cursor)
                cursor = DecimalDigits.write(digits, count: count, at: cursor)
            } else if point < count {
                // Write the digits one place to the right, then move the integer part back over the gap.
                DecimalDigits.write(digits, count: count, at: cursor + 1)
                for index in 0..<point { cursor[index] = cursor[index + 1] }
                cursor[point] = UInt8(ascii: ".")
                cursor += count + 1
            } else {
                cursor = DecimalDigits.write(digits, count: count, at: cursor)
                cursor = putZeros(point - count, at: cursor)
                cursor = put(".0", at: cursor)
            }
        } else {
            // d[.ddd]e±XX: the first digit, then the rest after a point.
            DecimalDigits.write(digits, count: count, at: cursor + 1)
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
            cursor = DecimalDigits.write(UInt64(magnitude), count: magnitude < 100 ? 2 : 3, at: cursor)
        }
        return cursor - start
    }

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
