import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

@Suite("JSON reader")
struct JSONReaderTests {
    static func read(_ text: String) throws -> StateValue {
        try JSONReader.read(Array(text.utf8))
    }

    @Test("numbers keep Python's int/float split", arguments: [
        ("1", StateValue.int(1)), ("-0", .int(0)), ("1.0", .float(1.0)), ("1e0", .float(1.0)), ("1E2", .float(100.0)),
        ("-0.0", .float(-0.0)), ("0.5e-3", .float(0.0005)), ("1e400", .float(.infinity)), ("-1e400", .float(-.infinity)),
        ("1e-400", .float(0.0)), ("123456789012345678", .int(123_456_789_012_345_678)),
        ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
        ("1000000000000000000", .int(1_000_000_000_000_000_000)), ("-1000000000000000000", .int(-1_000_000_000_000_000_000)),
        ("9223372036854775808", .integer(decimalText: "9223372036854775808")!),
        ("-9223372036854775809", .integer(decimalText: "-9223372036854775809")!),
        ("9999999999999999999", .integer(decimalText: "9999999999999999999")!),
        ("-9999999999999999999", .integer(decimalText: "-9999999999999999999")!),
        ("18446744073709551616", .integer(decimalText: "18446744073709551616")!),
        ("NaN", .float(.nan)), ("Infinity", .float(.infinity)), ("-Infinity", .float(-.infinity)),
        ("0.1000000000000000055511151231257827", .float(0.1)), ("2.2250738585072011e-308", .float(Double(bitPattern: 0x000F_FFFF_FFFF_FFFF))),
        ("4.9406564584124654e-324", .float(.leastNonzeroMagnitude)), ("1.7976931348623157e308", .float(.greatestFiniteMagnitude)),
    ] as [(String, StateValue)])
    func numbers(text: String, expected: StateValue) throws {
        #expect(try Self.read(text) == expected)
    }

    @Test("every integer of up to 20 digits reads as the int it is, or as a big int beyond 64 bits")
    func integersAroundSixtyFourBits() throws {
        var random = SeededRandom(seed: 62)
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...20, using: &random)
            var text = String(Int.random(in: 1...9, using: &random))
            for _ in 1..<digits { text += String(Int.random(in: 0...9, using: &random)) }
            if Bool.random(using: &random) { text = "-" + text }
            let expected: StateValue = Int64(text).map(StateValue.int) ?? .integer(decimalText: text)!
            #expect(try Self.read(text) == expected, "\(text)")
        }
    }

    @Test("escapes, surrogate pairs, lone surrogates and raw UTF-8")
    func strings() throws {
        #expect(try Self.read(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try Self.read(#""\u00e9\u00E9""#) == .string("éé"))
        #expect(try Self.read(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try Self.read(#""\ud800""#) == .string(StateString(codePoints: [0xD800])))
        #expect(try Self.read(#""\ud800\ud800\udc00""#) == .string(StateString(codePoints: [0xD800, 0x10000])))
        #expect(try Self.read(#""\udc00\ud800""#) == .string(StateString(codePoints: [0xDC00, 0xD800])))
        #expect(try Self.read("\"é😀\u{7F}\"") == .string("é😀\u{7F}"))
        #expect(try Self.read("\"e\u{301}\"") != (try Self.read("\"\u{E9}\"")))
    }

    @Test("whitespace of every kind Python allows")
    func whitespace() throws {
        #expect(try Self.read(" \t\r\n{ \"a\" :\n[ 1 ,2 ] }\n") == ["a": [1, 2]])
    }

    @Test("duplicate keys keep the first position and the last value")
    func duplicates() throws {
        let state = try Self.read(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(state == ["a": 3, "b": 2])
    }

    @Test("long digit strings round correctly (strtod fallback)")
    func longDigits() throws {
        #expect(try Self.read("1." + String(repeating: "0", count: 1_000) + "1") == .float(1.0))
        #expect(try Self.read("0." + String(repeating: "9", count: 400)) == .float(1.0))
    }
}
