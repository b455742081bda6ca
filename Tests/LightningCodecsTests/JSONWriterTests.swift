import Foundation
import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

@Suite("JSON writer")
struct JSONWriterTests {
    static func text(_ value: StateValue, _ options: JSONWriter.Options = .init()) -> String {
        String(decoding: JSONWriter.write(value, options: options), as: UTF8.self)
    }

    @Test("floats are Python's shortest repr", arguments: [
        (0.1, "0.1"), (1.0, "1.0"), (-0.0, "-0.0"), (1e-05, "1e-05"), (1e-07, "1e-07"), (0.0001, "0.0001"),
        (1e15, "1000000000000000.0"), (1e16, "1e+16"), (1e22, "1e+22"), (1e-300, "1e-300"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (Double.leastNonzeroMagnitude, "5e-324"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"), (0.30000000000000004, "0.30000000000000004"),
        (9_007_199_254_740_992.0, "9007199254740992.0"), (9_999_999_999_999_998.0, "9999999999999998.0"),
        (-9_999_999_999_999_998.0, "-9999999999999998.0"), (1.2345678901234568e+17, "1.2345678901234568e+17"),
        (0.00012, "0.00012"), (12345.678, "12345.678"), (.nan, "NaN"), (.infinity, "Infinity"), (-.infinity, "-Infinity"),
    ] as [(Double, String)])
    func floats(value: Double, expected: String) {
        #expect(Self.text(.float(value)) == expected)
    }

    @Test("integers are exact at any size")
    func integers() {
        #expect(Self.text([.int(0), .int(-7), .int(.max), .int(.min)]) == "[0, -7, 9223372036854775807, -9223372036854775808]")
        let googol = "1" + String(repeating: "0", count: 100)
        #expect(Self.text(StateValue.integer(decimalText: googol)!) == googol)
    }

    @Test("strings: Python's escapes with ensure_ascii")
    func asciiEscapes() {
        let value: StateValue = .string(StateString("\"\\/\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}é😀\u{2028}"))
        #expect(Self.text(value) == #""\"\\/\n\r\t\b\f\u0000\u001f\u007f\u00e9\ud83d\ude00\u2028""#)
    }

    @Test("strings: raw UTF-8 without ensure_ascii, lone surrogates still escaped")
    func rawUTF8() {
        let value: StateValue = ["é😀\u{7F}": .string(StateString(codePoints: [0x61, 0xDC00, 0x62]))]
        #expect(Self.text(value, .init(ensureASCII: false)) == "{\"é😀\u{7F}\": \"a\\udc00b\"}")
        #expect(Self.text(value) == #"{"\u00e9\ud83d\ude00\u007f": "a\udc00b"}"#)
    }

    @Test("compact and indented layouts use Python's separators")
    func layouts() {
        let value: StateValue = ["a": [1, 2], "b": [:], "c": [], "d": ["e": .null]]
        #expect(Self.text(value) == #"{"a": [1, 2], "b": {}, "c": [], "d": {"e": null}}"#)
        #expect(Self.text(value, .init(indent: 2)) == """
            {
              "a": [
                1,
                2
              ],
              "b": {},
              "c": [],
              "d": {
                "e": null
              }
            }
            """)
        #expect(Self.text([1], .init(indent: 0)) == "[\n1\n]")
    }

    @Test("sorted keys follow code points, not UTF-16 units")
    func sortedKeys() {
        let value: StateValue = ["\u{1F600}": 1, "\u{FFFF}": 2, "\u{E000}": 3, "b": 4, "a": ["z": 1, "y": 2]]
        #expect(Self.text(value, .canonical) == #"{"a": {"y": 2, "z": 1}, "b": 4, "\ue000": 3, "\uffff": 2, "\ud83d\ude00": 1}"#)
    }

    @Test("encodedSize is the length of the text")
    func encodedSize() {
        let value: StateValue = ["vars": ["x": 1.5, "é": "ü"]]
        #expect(JSONWriter.encodedSize(of: value) == JSONWriter.write(value).count)
    }

    @Test("long arrays of numbers mixed with other values: element texts joined with Python's separators", arguments: [nil, 0, 2, 7, 2_500] as [Int?])
    func numberRuns(indent: Int?) throws {
        // With an indent of 2,500, numbers in the nested arrays are indented past the writer's
        // stack buffer for runs, so they take the element-by-element path instead.
        var random = SeededRandom(seed: 5)
        var elements: [StateValue] = []
        for index in 0..<3_000 {
            switch random.next() % 13 {
            case 0: elements.append(.string(StateString("s\(index)")))
            case 1: elements.append([.float(1.5), .int(-2)])
            case 2: elements.append([.float(.nan), .float(-.infinity), .int(.min), .int(.max)].randomElement(using: &random)!)
            case 3...6: elements.append(.int(Int64(bitPattern: random.next()) >> (random.next() % 64)))
            default: elements.append(.float(Double(bitPattern: random.next() >> 2)))
            }
        }
        let options = JSONWriter.Options(indent: indent)
        // Each element written alone never takes the array path, so it is an independent account.
        let texts = elements.map { element -> String in
            let text = Self.text(element, options)
            guard let indent else { return text }
            return text.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: indent))
        }
        let expected = indent.map { "[\n" + String(repeating: " ", count: $0) + texts.joined(separator: ",\n" + String(repeating: " ", count: $0)) + "\n]" }
            ?? "[" + texts.joined(separator: ", ") + "]"
        let written = JSONWriter.write(.array(elements), options: options, threads: 1)
        #expect(String(decoding: written, as: UTF8.self) == expected)
        #expect(try JSONReader.read(written) == .array(elements))
        // Split over threads, the same bytes.
        #expect(JSONWriter.write(.array(elements), options: options, threads: 4, minimumWeight: 0) == written)
    }
}
