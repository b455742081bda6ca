import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("JSON round trips")
struct JSONRoundTripTests {
    @Test("write then read gives the same tree, in every layout", arguments: [
        JSONWriter.Options(), JSONWriter.Options(indent: 2), JSONWriter.Options(ensureASCII: false),
        JSONWriter.Options(ensureASCII: false, indent: 2),
    ])
    func trees(options: JSONWriter.Options) throws {
        var random = SeededRandom(seed: 42)
        for _ in 0..<300 {
            let tree = RandomState.value(using: &random)
            let text = JSONWriter.write(tree, options: options)
            let back = try JSONReader.read(text)
            #expect(back == tree)
            #expect(JSONWriter.write(back, options: options) == text)
        }
    }

    @Test("writing on several threads gives the same bytes as on one, in every layout", arguments: [
        JSONWriter.Options(), JSONWriter.Options(indent: 2), JSONWriter.Options(ensureASCII: false), JSONWriter.Options.canonical,
    ])
    func parallelWriting(options: JSONWriter.Options) {
        var random = SeededRandom(seed: 77)
        for _ in 0..<200 {
            let tree = RandomState.value(using: &random)
            let sequential = JSONWriter.write(tree, options: options, threads: 1)
            #expect(JSONWriter.write(tree, options: options, threads: 4, minimumChildren: 2, minimumWeight: 0) == sequential)
            #expect(Array(JSONWriter.writeChunks(tree, options: options, threads: 3, minimumChildren: 1, minimumWeight: 0).joined()) == sequential)
        }
    }

    @Test("strings with quotes, backslashes, controls, DEL and non-ASCII at every offset are escaped as Python does and read back")
    func stringsAtEveryOffset() throws {
        // The scanners test eight bytes at a time: put each special character at every position
        // relative to a word, in runs of plain text of every length.
        let specials: [String] = ["\"", "\\", "\n", "\u{01}", "\u{1F}", "\u{7F}", "é", "中", "😀", "/"]
        var random = SeededRandom(seed: 11)
        for _ in 0..<3_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                text += String(repeating: "a", count: Int.random(in: 0...17, using: &random))
                text += specials.randomElement(using: &random)!
            }
            text += String(repeating: "z", count: Int.random(in: 0...9, using: &random))
            let value: StateValue = ["k": .string(StateString(text))]
            for ensureASCII in [true, false] {
                let written = String(decoding: JSONWriter.write(value, options: .init(ensureASCII: ensureASCII)), as: UTF8.self)
                #expect(written == "{\"k\": \"" + Self.pythonEscaped(text, ensureASCII: ensureASCII) + "\"}", "\(text.debugDescription)")
                #expect(try JSONReader.read(Array(written.utf8)) == value)
            }
        }
    }

    /// `json.dumps(text)` without the quotes, character by character.
    static func pythonEscaped(_ text: String, ensureASCII: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value >= 0x7F) {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    @Test("every double survives write then read, bit for bit")
    func doubles() throws {
        var random = SeededRandom(seed: 1)
        for _ in 0..<100_000 {
            let double = Double(bitPattern: random.next())
            guard double.isFinite else { continue }
            let back = try JSONReader.read(JSONWriter.write(.float(double)))
            #expect(back == .float(double), "\(double)")
        }
    }

    @Test("decimal text parses exactly as the C library's strtod")
    func decimalsAgainstStrtod() throws {
        var random = SeededRandom(seed: 2)
        for _ in 0..<100_000 {
            let digitCount = Int.random(in: 1...21, using: &random)
            var digits = String(Int.random(in: 1...9, using: &random))
            for _ in 1..<digitCount { digits += String(Int.random(in: 0...9, using: &random)) }
            let point = Int.random(in: 0...digitCount, using: &random)
            let mantissa = point == digitCount ? digits + ".0" : String(digits.prefix(point).isEmpty ? "0" : digits.prefix(point)) + "." + digits.dropFirst(point)
            let text = mantissa + "e" + String(Int.random(in: -345...310, using: &random))
            let expected = strtod(text, nil)
            #expect(try JSONReader.read(Array(text.utf8)) == .float(expected), "\(text)")
        }
    }
}
