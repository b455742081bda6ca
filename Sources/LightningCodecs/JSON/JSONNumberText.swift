/// The JSON text of numbers, written straight into memory: Python's `repr` for floats (with its
/// `NaN`, `Infinity` and `-Infinity` tokens) and decimal digits for 64-bit integers.
enum JSONNumberText {
    /// The most bytes one number takes: ``PythonFloatFormat/maximumLength``, more than an integer's 20.
    static let maximumLength = PythonFloatFormat.maximumLength

    /// Writes `value` at `start`, which has room for ``maximumLength`` bytes; returns the bytes written.
    @inline(__always)
    static func write(_ value: Double, to start: UnsafeMutablePointer<UInt8>) -> Int {
        if value.isFinite { return PythonFloatFormat.write(value, to: start) }
        let token: StaticString = value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity"
        start.update(from: token.utf8Start, count: token.utf8CodeUnitCount)
        return token.utf8CodeUnitCount
    }

    /// Writes `value` at `start`, which has room for ``maximumLength`` bytes; returns the bytes written.
    @inline(__always)
    static func write(_ value: Int64, to start: UnsafeMutablePointer<UInt8>) -> Int {
        var cursor = start
        if value < 0 {
            cursor.pointee = UInt8(ascii: "-")
            cursor += 1
        }
        let magnitude = value.magnitude
        return DecimalDigits.write(magnitude, count: DecimalDigits.count(of: magnitude), at: cursor) - start
    }
}
