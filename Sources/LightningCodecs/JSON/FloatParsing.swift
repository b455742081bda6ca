/// Decimal-to-binary conversion of `mantissa × 10^exponent10` for the JSON reader: Clinger's exact
/// fast path, then the Eisel–Lemire algorithm (Lemire, "Number Parsing at a Gigabyte per Second",
/// 2021). Both are correctly rounded; each returns `nil` when it cannot decide, and the caller
/// then asks the C library's `strtod`.
enum FloatParsing {
    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The double nearest to `mantissa × 10^exponent10`, or `nil` when undecided here.
    static func double(mantissa: UInt64, exponent10: Int) -> Double? {
        if mantissa == 0 { return 0 }
        // Clinger: both the mantissa and the power of ten are exact doubles, so one IEEE
        // operation rounds correctly.
        if mantissa <= 1 << 53, (-22...22).contains(exponent10) {
            let value = Double(mantissa)
            return exponent10 < 0 ? value / exactPowersOfTen[-exponent10] : value * exactPowersOfTen[exponent10]
        }
        return eiselLemire(mantissa: mantissa, exponent10: exponent10)
    }

    static func eiselLemire(mantissa w: UInt64, exponent10 q: Int) -> Double? {
        if q < PowersOfFive.smallestExponent { return 0 }
        if q > PowersOfFive.largestExponent { return .infinity }
        let leadingZeros = w.leadingZeroBitCount
        let normalized = w << leadingZeros
        let index = (q - PowersOfFive.smallestExponent) * 2
        let table = PowersOfFive.table
        var (high, low) = normalized.multipliedFullWidth(by: table[index])
        // When the top bits beyond the 55 we keep are all ones, the truncated table entry may
        // have lost a carry: refine with the entry's low word.
        if high & 0x1FF == 0x1FF {
            let refinement = normalized.multipliedFullWidth(by: table[index + 1]).high
            let (sum, carry) = low.addingReportingOverflow(refinement)
            low = sum
            if carry { high &+= 1 }
            if high & 0x1FF == 0x1FF, low == .max { return nil }
        }
        let upperBit = Int(high >> 63)
        var significand = high >> (upperBit + 9)
        var binaryExponent = ((217_706 * q) >> 16) + 63 + upperBit - leadingZeros + 1_023
        // Subnormal results and exact halfway cases go to strtod.
        if binaryExponent <= 0 { return nil }
        if low <= 1, (-4...23).contains(q), significand & 3 == 1,
            significand << (upperBit + 9) == high
        {
            return nil
        }
        significand += significand & 1
        significand >>= 1
        if significand >= 1 << 53 {
            significand = 1 << 52
            binaryExponent += 1
        }
        significand &= ~(1 << 52)
        if binaryExponent >= 0x7FF { return .infinity }
        return Double(bitPattern: UInt64(binaryExponent) << 52 | significand)
    }
}
