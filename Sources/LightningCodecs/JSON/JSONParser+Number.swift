import LightningState

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONParser {
    /// Parses a number with Python's grammar: `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`, or `-Infinity`.
    /// Without a fraction or exponent it is an int (of any size), otherwise a float.
    mutating func parseNumber() throws(JSONDecodingError) -> StateValue {
        let start = position
        let negative = input[position] == UInt8(ascii: "-")
        if negative {
            position += 1
            if position < input.count, input[position] == UInt8(ascii: "I") {
                try expectLiteral("Infinity")
                return .float(-.infinity)
            }
        }
        // Significant digits accumulate in `mantissa` while there are at most 19 of them.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        let integerStart = position
        guard position < input.count, isDigit(input[position]) else {
            throw error(at: position, "expected a digit after '-'")
        }
        if input[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < input.count, isDigit(input[position]) {
                accumulate(input[position], into: &mantissa, count: &significantDigits)
                position += 1
            }
        }
        let integerDigits = position - integerStart
        var exponent = 0
        var isFloat = false
        if position < input.count, input[position] == UInt8(ascii: ".") {
            isFloat = true
            position += 1
            let fractionStart = position
            while position < input.count, isDigit(input[position]) {
                if significantDigits > 0 || input[position] != UInt8(ascii: "0") {
                    accumulate(input[position], into: &mantissa, count: &significantDigits)
                }
                position += 1
            }
            guard position > fractionStart else { throw error(at: position, "expected a digit after '.'") }
            exponent -= position - fractionStart
        }
        if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
            isFloat = true
            position += 1
            var exponentNegative = false
            if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") {
                exponentNegative = input[position] == UInt8(ascii: "-")
                position += 1
            }
            let exponentStart = position
            var explicit = 0
            while position < input.count, isDigit(input[position]) {
                // Saturate: beyond ±10^9 every value is 0 or infinity anyway.
                if explicit < 1_000_000_000 { explicit = explicit * 10 + Int(input[position] - UInt8(ascii: "0")) }
                position += 1
            }
            guard position > exponentStart else { throw error(at: position, "expected a digit in the exponent") }
            exponent += exponentNegative ? -explicit : explicit
        }
        if !isFloat {
            return try makeInteger(start: start, negative: negative, mantissa: mantissa, digits: integerDigits)
        }
        if significantDigits <= 19, let value = FloatParsing.double(mantissa: mantissa, exponent10: exponent) {
            return .float(negative ? -value : value)
        }
        return .float(strtodFallback(start..<position))
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inline(__always)
    private func accumulate(_ digit: UInt8, into mantissa: inout UInt64, count: inout Int) {
        if count < 19 { mantissa = mantissa &* 10 &+ UInt64(digit &- UInt8(ascii: "0")) }
        count += 1
    }

    private func makeInteger(start: Int, negative: Bool, mantissa: UInt64, digits: Int) throws(JSONDecodingError) -> StateValue {
        if digits <= 18 {
            let magnitude = Int64(mantissa)
            return .int(negative ? -magnitude : magnitude)
        }
        // 19 digits are below 10^19 < 2^64, so `mantissa` holds them exactly; they fit in Int64
        // up to 2^63 - 1 (and down to -2^63).
        if digits == 19 {
            if !negative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            if negative, mantissa <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- mantissa)) }
        }
        let limit = min(options.maxIntegerDigits, StateBigInt.maximumDigits)
        guard digits <= limit else {
            throw error(at: start, "integer literal has \(digits) digits, more than the limit of \(limit) (Python's int_max_str_digits)")
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        // Cannot fail: the grammar above admits only an optional '-' and digits here, and `limit`
        // is at most what `StateBigInt` holds.
        return StateValue.integer(decimalText: text)!
    }

    /// Correctly rounded conversion through the C library, for the rare literals the fast paths
    /// leave undecided (more than 19 significant digits, subnormals, exact halfway cases).
    private func strtodFallback(_ range: Range<Int>) -> Double {
        var text = [CChar](repeating: 0, count: range.count + 1)
        for (offset, byte) in input[range].enumerated() { text[offset] = CChar(bitPattern: byte) }
        return strtod(text, nil)
    }
}
