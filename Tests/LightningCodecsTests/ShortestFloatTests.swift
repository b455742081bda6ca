import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

/// The writer prints floats with its own shortest-digits algorithm; these tests hold it to an
/// independent one, Swift's `description` (which finds the same digits and differs from Python
/// only in switching to scientific notation from 2^53 rather than from 10^16), and check that
/// every text reads back as the same double.
@Suite("Shortest float printing")
struct ShortestFloatTests {
    /// Python's repr of a finite double, built from Swift's `description`.
    static func expectedRepr(_ value: Double) -> String {
        let description = value.description
        guard description.hasSuffix("e+15") else { return description }
        // "[-]d.ddde+15" → "[-]dddddddddddddddd.0"
        let negative = description.hasPrefix("-")
        let digits = description.dropLast(4).filter(\.isNumber)
        return (negative ? "-" : "") + digits + String(repeating: "0", count: 16 - digits.count) + ".0"
    }

    static func written(_ value: Double) -> String {
        String(decoding: JSONWriter.write(.float(value)), as: UTF8.self)
    }

    static func check(_ value: Double) {
        let text = written(value)
        #expect(text == expectedRepr(value), "bits 0x\(String(value.bitPattern, radix: 16))")
        #expect(Double(text)?.bitPattern == value.bitPattern, "\(text) does not read back")
    }

    @Test("every binary exponent: powers of two, their neighbours, the widest significands")
    func everyExponent() {
        for biased in UInt64(0)...2046 {
            for fraction: UInt64 in [0, 1, 2, 3, 1 << 51, (1 << 52) - 2, (1 << 52) - 1] {
                guard biased > 0 || fraction > 0 else { continue }
                let value = Double(bitPattern: biased << 52 | fraction)
                Self.check(value)
                Self.check(-value)
            }
        }
    }

    @Test("powers of ten, integers and decimal-looking values", arguments: [-1, 1] as [Double])
    func decimalValues(sign: Double) {
        var power = 1.0
        for _ in 0...308 {
            Self.check(sign * power)
            power *= 10
        }
        for exponent in -323...308 { Self.check(sign * Double("1e\(exponent)")!) }
        for integer in 0..<10_000 { Self.check(sign * Double(integer)) }
        for integer in stride(from: 9_007_199_254_740_000.0, through: 9_007_199_254_741_000.0, by: 1) { Self.check(sign * integer) }
        for thousandths in 0..<10_000 { Self.check(sign * Double(thousandths) / 1000) }
    }

    @Test("seeded random bit patterns and random doubles in [0, 1)", arguments: [1, 2, 3, 4] as [UInt64])
    func randomValues(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<50_000 {
            let value = Double(bitPattern: random.next())
            if value.isFinite { Self.check(value) }
            Self.check(Double.random(in: 0..<1, using: &random))
        }
    }

    @Test("subnormals")
    func subnormals() {
        var random = SeededRandom(seed: 99)
        for _ in 0..<20_000 {
            Self.check(Double(bitPattern: random.next() & ((1 << 52) - 1)))
        }
        for fraction: UInt64 in 1...2_000 { Self.check(Double(bitPattern: fraction)) }
    }
}
