/// Python's `float.__repr__` for finite doubles: the shortest text that reads back to the same
/// double, in fixed notation when the decimal exponent is in -4...15 (`0.0001`,
/// `1000000000000000.0`, always with a `.0` or a fraction) and in scientific notation otherwise
/// (`1e-05`, `1e+16`, `1.7976931348623157e+308`, a sign and at least two exponent digits).
///
/// Swift's `description` finds the same shortest digits and uses the same layout, except that it
/// switches to scientific notation from 2^53 instead of from 10^16; those values
/// (`9.999999999999998e+15`) are rewritten in fixed notation here.
enum PythonFloatFormat {
    /// Appends the repr of the finite `value` to `output`.
    static func append(_ value: Double, to output: inout [UInt8]) {
        let text = value.description
        let magnitude = value.magnitude
        guard magnitude >= 9_007_199_254_740_992.0, magnitude < 1e16 else {
            output.append(contentsOf: text.utf8)
            return
        }
        // "[-]d.ddde+15" → "[-]dddd…0.0": 16 integer digits.
        let utf8 = Array(text.utf8)
        var index = 0
        if utf8[0] == UInt8(ascii: "-") {
            output.append(UInt8(ascii: "-"))
            index = 1
        }
        var digits: [UInt8] = []
        while index < utf8.count, utf8[index] != UInt8(ascii: "e") {
            if utf8[index] != UInt8(ascii: ".") { digits.append(utf8[index]) }
            index += 1
        }
        digits.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 16 - digits.count)))
        output.append(contentsOf: digits)
        output.append(contentsOf: ".0".utf8)
    }
}
