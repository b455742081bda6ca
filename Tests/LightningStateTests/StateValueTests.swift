import LightningState
import LightningTestSupport
import Testing

@Suite("StateValue")
struct StateValueTests {
    @Test("an int and an equal float are different values")
    func intIsNotFloat() {
        #expect(StateValue.int(1) != .float(1.0))
    }

    @Test("floats compare by value and sign; every NaN equals every NaN")
    func floatEquality() {
        #expect(StateValue.float(0.0) != .float(-0.0))
        #expect(StateValue.float(.nan) == .float(-.nan))
        #expect(StateValue.float(.nan).hashValue == StateValue.float(Double(bitPattern: 0x7FF8_0000_0000_0001)).hashValue)
        #expect(StateValue.float(.infinity) != .float(-.infinity))
    }

    @Test("objects keep their key order, which equality sees")
    func objectOrder() {
        let ab: StateValue = ["a": 1, "b": 2]
        let ba: StateValue = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(ab.objectValue?.keys.map(\.displayString) == ["a", "b"])
    }

    @Test("big integers are canonical and only outside 64 bits")
    func bigIntegers() throws {
        #expect(StateValue.integer(decimalText: "9223372036854775807") == .int(.max))
        #expect(StateValue.integer(decimalText: "-9223372036854775808") == .int(.min))
        let big = try #require(StateBigInt(decimalText: "-0009223372036854775809"))
        #expect(big.decimalText == "-9223372036854775809")
        #expect(big.isNegative)
        #expect(StateBigInt(decimalText: "42") == nil)
        #expect(StateBigInt(decimalText: "1e5") == nil)
        #expect(StateBigInt(decimalText: "-") == nil)
        #expect(StateValue.integer(decimalText: "18446744073709551616") == .bigInt(StateBigInt(decimalText: "18446744073709551616")!))
        // Python's int_max_str_digits: 4,300 digits, the sign and leading zeros aside.
        let limit = String(repeating: "9", count: 4_300)
        #expect(StateBigInt(decimalText: "-000" + limit)?.decimalText == "-" + limit)
        #expect(StateBigInt(decimalText: "1" + limit) == nil)
        #expect(StateValue.integer(decimalText: "-1" + limit) == nil)
    }

    @Test("subscripts read objects and nothing else")
    func subscripts() {
        let work: StateValue = ["vars": ["counter": 3]]
        #expect(work["vars"]?["counter"] == .int(3))
        #expect(work["calls"] == nil)
        #expect(StateValue.int(3)["vars"] == nil)
    }
}
