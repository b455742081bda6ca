import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

@Suite("JSON transcoder")
struct JSONTranscoderTests {
    static let layouts: [JSONWriter.Options] = [
        .init(), .init(indent: 2), .init(indent: 0), .init(ensureASCII: false), .init(ensureASCII: false, indent: 4),
    ]

    /// What the transcoder gives, or, when it stops at a repeated key, what its caller then does
    /// (the tree's bytes or the reader's error).
    static func transcoded(_ text: [UInt8], _ options: JSONWriter.Options) -> Result<[UInt8], JSONDecodingError> {
        let outcome = Result { () throws(JSONDecodingError) in try JSONTranscoder.transcode(text, options: options) }
        switch outcome {
        case .success(.written(let chunks)): return .success(chunks.flatMap { $0 })
        case .success(.repeatedKey): return throughTree(text, options)
        case .failure(let error): return .failure(error)
        }
    }

    /// `json.dumps(json.loads(text))` through the tree, or the reader's error.
    static func throughTree(_ text: [UInt8], _ options: JSONWriter.Options) -> Result<[UInt8], JSONDecodingError> {
        Result { () throws(JSONDecodingError) in JSONWriter.write(try JSONReader.read(text), options: options) }
    }

    static func expectSame(_ text: [UInt8], _ options: JSONWriter.Options, sourceLocation: SourceLocation = #_sourceLocation) {
        let streamed = transcoded(text, options)
        let tree = throughTree(text, options)
        switch (streamed, tree) {
        case (.success(let a), .success(let b)):
            if a != b {
                Issue.record("transcoded \(String(decoding: a.prefix(300), as: UTF8.self)) ≠ tree \(String(decoding: b.prefix(300), as: UTF8.self))", sourceLocation: sourceLocation)
            }
        case (.failure(let a), .failure(let b)):
            #expect(a.description == b.description, sourceLocation: sourceLocation)
        default:
            Issue.record("transcoder \(streamed), tree \(tree) for \(String(decoding: text.prefix(200), as: UTF8.self))", sourceLocation: sourceLocation)
        }
    }

    @Test("Python's files give the tree's bytes in every layout", arguments: [
        "python_cases.json", "python_cases.pretty.json", "python_cases.utf8.json", "python_cases.utf8.pretty.json", "deep_200.json",
    ])
    func fixtures(name: String) throws {
        let text = try Fixtures.bytes(name)
        for options in Self.layouts { Self.expectSame(text, options) }
    }

    @Test("seeded random trees, written in every layout and read back, give the tree's bytes", arguments: Array(0..<40) as [UInt64])
    func randomTrees(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let tree = RandomState.value(depth: 5, using: &random)
        let input = Self.layouts[Int(seed) % Self.layouts.count]
        let text = JSONWriter.write(tree, options: input)
        for options in Self.layouts { Self.expectSame(text, options) }
    }

    @Test("escapes, numbers and whitespace Python reads are rewritten as Python writes them", arguments: [
        #"{"a\/b": "\u0041\u00e9\ud83d\ude00\ud800x", "c": [1E5, -0, 1.50, -0.0, 1e400, -1e400, 123456789012345678901234567890]}"#,
        " [ NaN , Infinity,-Infinity , true,false , null ,\"\\t\\n\\r\\b\\f\\\"\\\\\" ] ",
        #"{"é": "ünïcödé", "\u00e9x": 1, "nested": {"é": [{}, [], {"": ""}]}}"#,
        "\"plain ascii string with no escapes at all, long enough for several words\"",
        "[0.1, 1e-05, 1e+16, 1e16, 12345678.9, 5e-324, 1.7976931348623157e308, 9007199254740993]",
    ])
    func tokens(text: String) {
        for options in Self.layouts { Self.expectSame(Array(text.utf8), options) }
    }

    @Test("a key repeated in one object stops the transcoder; the same key in different objects does not")
    func repeatedKeys() throws {
        func outcome(_ text: String) throws -> String {
            switch try JSONTranscoder.transcode(Array(text.utf8)) {
            case .written(let chunks): return String(decoding: chunks.flatMap { $0 }, as: UTF8.self)
            case .repeatedKey: return "repeated"
            }
        }
        #expect(try outcome(#"{"a": 1, "a": 2}"#) == "repeated")
        #expect(try outcome(#"{"a": 1, "\u0061": 2}"#) == "repeated")  // the same key, escaped
        let large = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        #expect(try outcome("{\(large), \"k17\": 0}") == "repeated")
        #expect(try outcome("{\(large)}") == "{\(large)}")
        #expect(try outcome(#"{"a": {"b": 1}, "c": {"b": 2}, "d": [{"b": 3}, {"b": 4}]}"#) == #"{"a": {"b": 1}, "c": {"b": 2}, "d": [{"b": 3}, {"b": 4}]}"#)
        #expect(try outcome(#"{"a": {"a": {"a": 1}}}"#) == #"{"a": {"a": {"a": 1}}}"#)
        #expect(try outcome(#"{"ab": 1, "a": 2, "b": 3}"#) == #"{"ab": 1, "a": 2, "b": 3}"#)
        // It stops at the repeat, before an error further on (found by FuzzJSON): the tree's path reports that.
        #expect(try outcome(#"{"a": 1, "a": [1 2]}"#) == "repeated")
        // Past eight keys, an object's keys are checked at its end: a repeat of one of the first
        // eight, of a later one, a pair among the first eight; the keys of nested objects apart.
        #expect(try outcome("{\(large), \"k3\": 0}") == "repeated")
        #expect(try outcome("{\"k3\": 0, \(large)}") == "repeated")
        #expect(try outcome("{\(large), \"k30\": {\"k30\": 1}}") == "repeated")
        let nested = (0..<40).map { "\"k\($0)\": {\"k\($0)\": {\"k1\": 1, \"k2\": 2}}" }.joined(separator: ", ")
        #expect(try outcome("{\(nested)}") == "{\(nested)}")
        // A large object inside a large one, with the outer keys again: its keys are its own.
        #expect(try outcome("{\(large), \"inner\": {\(large)}}") == "{\(large), \"inner\": {\(large)}}")
        #expect(try outcome("{\(large), \"inner\": {\(large), \"k39\": 1}}") == "repeated")
        #expect(try outcome("{\"inner\": {\(large)}, \(large), \"inner\": 2}") == "repeated")
    }

    @Test("a large object with a repeated key and an error after it fails as the tree's path does")
    func repeatThenError() {
        let large = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        Self.expectSame(Array("{\(large), \"k17\": [1 2]}".utf8), .init())
        Self.expectSame(Array("{\(large), \"k17\": 1".utf8), .init())
    }

    @Test("malformed text fails with the reader's error, wherever it breaks", arguments: Array(0..<30) as [UInt64])
    func malformed(seed: UInt64) {
        var random = SeededRandom(seed: seed &+ 1_000)
        let text = JSONWriter.write(RandomState.value(depth: 4, using: &random), options: .init(indent: Int(seed % 3)))
        guard !text.isEmpty else { return }
        // Cut short, and one byte replaced by a character that breaks JSON in most places.
        let cut = Int.random(in: 0..<text.count, using: &random)
        Self.expectSame(Array(text[..<cut]), .init())
        var damaged = text
        damaged[Int.random(in: 0..<text.count, using: &random)] = [UInt8(ascii: "}"), UInt8(ascii: "\""), 0x01, 0xFF, UInt8(ascii: ",")].randomElement(using: &random)!
        Self.expectSame(damaged, .init())
    }

    @Test("the reader's error cases fail the same way", arguments: [
        "", "  \n ", "{\"a\": 1,}", "{\"a\" 1}", "[1 2]", "{\"a\": 1", "[1,\n2,\n", "\"abc", "\"a\tb\"", "\"\\x\"",
        "\"\\u12G4\"", "\"\\u12", "tru", "[1] x", "\u{FEFF}[]", "[01]", "-", "1.", "{1: 2}", "\"\u{00e9}\"",
    ])
    func readerErrors(text: String) {
        Self.expectSame(Array(text.utf8), .init())
    }

    @Test("invalid UTF-8 and nesting beyond the limit fail as the reader fails")
    func limits() {
        Self.expectSame([UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")], .init())
        Self.expectSame([UInt8(ascii: "\""), 0xED, 0xA0, 0x80, UInt8(ascii: "\"")], .init())
        Self.expectSame(Array((String(repeating: "[", count: 1_100) + String(repeating: "]", count: 1_100)).utf8), .init())
    }
}
