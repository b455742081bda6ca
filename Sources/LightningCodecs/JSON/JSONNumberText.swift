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
        if value >= 0 && value < 10 {
            start.pointee = UInt8(ascii: "0") + UInt8(value)
            return 1
        }
        var magnitude = value.magnitude
        var length = value < 0 ? 1 : 0
        var probe = magnitude
        repeat {
            length += 1
            probe /= 10
        } while probe > 0
        var position = length
        repeat {
            position -= 1
            start[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 { start.pointee = UInt8(ascii: "-") }
        return length
    }
}
