import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

@Suite("JSON reader errors")
struct JSONErrorTests {
    static func message(_ bytes: [UInt8], options: JSONReader.Options = .init()) -> String? {
        do {
            _ = try JSONReader.read(bytes, options: options)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("each error names the line, the column and the problem", arguments: [
        ("", "1:1: empty input: expected a JSON value"),
        ("  \n ", "2:2: expected a JSON value, found only whitespace"),
        ("{\"a\": 1,}", "1:9: expected a string key in double quotes, found '}'"),
        ("{\"a\" 1}", "1:6: expected ':' after an object key, found '1'"),
        ("[1 2]", "1:4: expected ',' or ']' in an array, found '2'"),
        ("{\"a\": 1", "1:8: unexpected end of input inside an object"),
        ("[1,\n2,\n", "3:1: unexpected end of input: expected a value"),
        ("\"abc", "1:1: unterminated string"),
        ("\"a\tb\"", "1:3: invalid control character 0x09 in a string"),
        ("\"\\x\"", "1:2: invalid escape 'x' in a string"),
        ("\"\\u12G4\"", "1:2: invalid \\u escape: expected 4 hex digits"),
        ("\"\\u12", "1:2: truncated \\u escape"),
        ("tru", "1:1: expected a value, found 't'"),
        ("nan", "1:1: expected a value, found 'n'"),
        ("-", "1:2: expected a digit after '-'"),
        ("-x", "1:2: expected a digit after '-'"),
        ("1.", "1:3: expected a digit after '.'"),
        ("1e+", "1:4: expected a digit in the exponent"),
        ("01", "1:2: extra data after the JSON value"),
        ("{} {}", "1:4: extra data after the JSON value"),
        ("'a'", "1:1: expected a value, found '''"),
    ])
    func messages(input: String, expected: String) {
        #expect(Self.message(Array(input.utf8)) == expected)
    }

    @Test("bytes that are not UTF-8 are located")
    func invalidUTF8() {
        #expect(Self.message([0x22, 0x61, 0xC3]) == "1:1: unterminated string")
        #expect(Self.message([0x22, 0x61, 0xC3, 0x22]) == "1:3: invalid UTF-8 in a string")
        #expect(Self.message([0x22, 0xED, 0xA0, 0x80, 0x22]) == "1:2: invalid UTF-8 in a string")  // an encoded surrogate
        #expect(Self.message([0x22, 0x5C, 0x6E, 0xFF, 0x22]) == "1:4: invalid UTF-8 in a string")
        #expect(Self.message([0xEF, 0xBB, 0xBF, 0x7B, 0x7D]) == "1:1: unexpected UTF-8 byte-order mark (Python's json refuses it)")
        #expect(Self.message([0x00, 0xFF, 0x13, 0x37]) == "1:1: expected a value, found byte 0x00")
    }

    @Test("100,000 levels of nesting are an error, not a stack overflow")
    func deepNesting() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 100_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(Self.message(deep) == "1:1025: nesting deeper than 1024 levels")
        let objects = Array(String(repeating: "{\"a\":", count: 2_000).utf8)
        #expect(Self.message(objects, options: .init(maxDepth: 10))?.hasSuffix("nesting deeper than 10 levels") == true)
    }

    @Test("a 10 MB integer literal is refused like Python refuses it; a 10 MB float reads")
    func hugeLiterals() throws {
        let digits = [UInt8](repeating: UInt8(ascii: "7"), count: 10_000_000)
        #expect(Self.message(digits) == "1:1: integer literal has 10000000 digits, more than the limit of 4300 (Python's int_max_str_digits)")
        let float = try JSONReader.read(Array("7.".utf8) + digits)
        #expect(float == .float(7.777777777777778))
        #expect(Self.message(Array(String(repeating: "9", count: 4_300).utf8)) == nil)
        // A reader given a larger limit still refuses what Python cannot read or write.
        let over = Array(String(repeating: "9", count: 4_301).utf8)
        #expect(Self.message(over, options: .init(maxIntegerDigits: 10_000)) == "1:1: integer literal has 4301 digits, more than the limit of 4300 (Python's int_max_str_digits)")
    }

    @Test("seeded random garbage never traps")
    func garbage() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in
                Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random) : Array("{}[]\",:0123456789-.eE\\u tfnNI".utf8).randomElement(using: &random)!
            }
            _ = Self.message(bytes)
        }
    }
}
