/// The shortest decimal that reads back as a given double, and of the shortest ones the nearest to
/// it (ties to an even last digit): the digits Python's `repr` and Swift's `description` print.
///
/// This is Giulietti's Schubfach algorithm ("The Schubfach way to render doubles", 2020): the
/// double's rounding interval is scaled by a power of ten, chosen so that it holds one or two
/// integers, with one 64 × 128-bit product per bound, rounded to odd so that "exactly an integer"
/// stays visible. The multiple of ten inside the interval, if there is one, is the shortest
/// decimal; otherwise the nearer of the two integers around the double. Nothing is allocated.
enum ShortestFloat {
    /// `value`, finite and greater than zero, as `digits × 10^exponent` with the fewest digits
    /// (no trailing zeros).
    static func decimal(of value: Double) -> (digits: UInt64, exponent: Int) {
        let bits = value.bitPattern
        let biasedExponent = Int(bits >> 52 & 0x7FF)
        let fraction = bits & (1 << 52 - 1)
        // value = c × 2^q
        let c = biasedExponent == 0 ? fraction : fraction | 1 << 52
        let q = biasedExponent == 0 ? -1074 : biasedExponent - 1075

        // The rounding interval is [c - 1/2, c + 1/2] × 2^q, scaled by 4 to stay in integers, except
        // at a power of two, whose lower neighbour is half as far.
        let cb = c << 2
        let cbr = cb + 2
        let cbl: UInt64
        let k: Int
        if c != 1 << 52 || q == -1074 {
            cbl = cb - 2
            k = floorLog10(powerOfTwo: q)
        } else {
            cbl = cb - 1
            k = floorLog10(threeQuartersOfPowerOfTwo: q)
        }
        // vb, vbl, vbr ≈ (4 × value and the bounds) × 10^-k; the factor 2^h aligns them with g.
        let h = q + floorLog2(powerOfTen: -k) + 2
        let index = (-k - PowersOfTen.smallestExponent) * 2
        let gHigh = PowersOfTen.table[index]
        let gLow = PowersOfTen.table[index + 1]
        let vb = scaledRoundedToOdd(cb << h, gHigh, gLow)
        let vbl = scaledRoundedToOdd(cbl << h, gHigh, gLow)
        let vbr = scaledRoundedToOdd(cbr << h, gHigh, gLow)
        // The bounds belong to the interval when c is even (round half to even reads them back).
        let excluded: UInt64 = c & 1

        let s = vb >> 2
        // The interval is narrower than 10 (scaled): at most one multiple of ten lies inside.
        let sp10 = s / 10 * 10
        let tp10 = sp10 + 10
        let sp10Inside = vbl + excluded <= sp10 << 2
        let tp10Inside = tp10 << 2 + excluded <= vbr
        if sp10Inside != tp10Inside {
            return withoutTrailingZeros(sp10Inside ? sp10 : tp10, exponent: k)
        }
        // Otherwise one or both of s and s + 1; when both, the nearer, an even one on a tie.
        let t = s + 1
        let sInside = vbl + excluded <= s << 2
        let tInside = t << 2 + excluded <= vbr
        if sInside != tInside {
            return withoutTrailingZeros(sInside ? s : t, exponent: k)
        }
        let twiceMidpoint = (s + t) << 1
        let nearer = vb < twiceMidpoint || (vb == twiceMidpoint && s & 1 == 0) ? s : t
        return withoutTrailingZeros(nearer, exponent: k)
    }

    /// `cp × g / 2^127`, truncated to 63 fraction bits, then rounded to odd: the integer part, with
    /// its lowest bit set when a fraction remains. `g` is an upper approximation of a power of ten,
    /// so a product meant to be an integer exceeds it only below the bits kept.
    @inline(__always)
    private static func scaledRoundedToOdd(_ cp: UInt64, _ gHigh: UInt64, _ gLow: UInt64) -> UInt64 {
        let upper = cp.multipliedFullWidth(by: gHigh)
        let lowerHigh = cp.multipliedFullWidth(by: gLow).high
        let (middle, carry) = upper.low.addingReportingOverflow(lowerHigh)
        let top = upper.high &+ (carry ? 1 : 0)
        let integer = top << 1 | middle >> 63
        let hasFraction = middle & (1 << 63 - 1) != 0
        return integer | (hasFraction ? 1 : 0)
    }

    @inline(__always)
    private static func withoutTrailingZeros(_ digits: UInt64, exponent: Int) -> (digits: UInt64, exponent: Int) {
        var digits = digits
        var exponent = exponent
        while digits % 10 == 0 {
            digits /= 10
            exponent += 1
        }
        return (digits, exponent)
    }

    // Exact over the exponents of doubles, as Scripts/generate-shortest-float-table.py checks.

    /// floor(log10(2^q)).
    @inline(__always)
    private static func floorLog10(powerOfTwo q: Int) -> Int {
        (q * 661_971_961_083) >> 41
    }

    /// floor(log10(3/4 × 2^q)).
    @inline(__always)
    private static func floorLog10(threeQuartersOfPowerOfTwo q: Int) -> Int {
        (q * 661_971_961_083 - 274_743_187_321) >> 41
    }

    /// floor(log2(10^e)).
    @inline(__always)
    private static func floorLog2(powerOfTen e: Int) -> Int {
        (e * 913_124_641_741) >> 38
    }
}
