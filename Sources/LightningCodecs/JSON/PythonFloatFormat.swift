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
        var description = value.description
        description.withUTF8 { append($0, to: &output) }
    }

    private static func append(_ text: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        // Only Swift's "d.ddde+15" differs from Python, whose fixed notation runs up to 10^16.
        guard text.count > 4, text.last == UInt8(ascii: "5"), text.dropLast().last == UInt8(ascii: "1"),
            text.dropLast(2).last == UInt8(ascii: "+")
        else {
            output.append(contentsOf: text)
            return
        }
        // "[-]d.ddde+15" → "[-]dddddddddddddddd.0": 16 integer digits.
        var digits = 0
        for byte in text.dropLast(4) {
            switch byte {
            case UInt8(ascii: "-"): output.append(byte)
            case UInt8(ascii: "."): continue
            default:
                output.append(byte)
                digits += 1
            }
        }
        output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 16 - digits))
        output.append(contentsOf: ".0".utf8)
    }
}
