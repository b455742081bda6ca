import LightningCodecs
import LightningState
import Testing

@Suite("JSON fixtures written by Python")
struct JSONFixtureTests {
    @Test("read then write gives Python's bytes back", arguments: [
        ("python_cases.json", JSONWriter.Options()),
        ("python_cases.pretty.json", JSONWriter.Options(indent: 2)),
        ("python_cases.sorted.json", JSONWriter.Options.canonical),
        ("python_cases.utf8.json", JSONWriter.Options(ensureASCII: false)),
        ("python_cases.utf8.pretty.json", JSONWriter.Options(ensureASCII: false, indent: 2)),
        ("deep_200.json", JSONWriter.Options()),
    ])
    func byteIdentical(name: String, options: JSONWriter.Options) throws {
        let original = try Fixtures.bytes(name)
        let state = try JSONReader.read(original)
        #expect(JSONWriter.write(state, options: options) == original)
    }

    @Test("every layout of the same state reads to the same tree")
    func layoutsAgree() throws {
        let compact = try JSONReader.read(try Fixtures.bytes("python_cases.json"))
        let pretty = try JSONReader.read(try Fixtures.bytes("python_cases.pretty.json"))
        #expect(compact == pretty)
        let sorted = try JSONReader.read(try Fixtures.bytes("python_cases.sorted.json"))
        #expect(sorted != compact)  // key order differs…
        #expect(JSONWriter.write(sorted, options: .canonical) == JSONWriter.write(compact, options: .canonical))  // …content does not.
    }

    @Test("duplicate keys: the last value wins at the first position, as json.load does")
    func duplicateKeys() throws {
        let state = try JSONReader.read(try Fixtures.bytes("duplicate_keys.json"))
        #expect(state == ["1": "b", "x": [1]])
        #expect(JSONWriter.write(state) == (try Fixtures.bytes("duplicate_keys.loaded.json")))
    }

    @Test("the fixture holds every case of STATE_FORMAT section 7")
    func fixtureContents() throws {
        let state = try JSONReader.read(try Fixtures.bytes("python_cases.json"))
        #expect(state["ints"]?.arrayValue?[5] == StateValue.integer(decimalText: "18446744073709551616"))
        #expect(state["ints"]?.arrayValue?[7] == StateValue.integer(decimalText: "1" + String(repeating: "0", count: 100)))
        #expect(state["floats"]?.arrayValue?[1] == .float(1.0))
        #expect(state["floats"]?.arrayValue?[2] == .float(-0.0))
        #expect(state["non_finite"] == [.float(.nan), .float(.infinity), .float(-.infinity)])
        #expect(state["lone_surrogates"]?.arrayValue?[0] == .string(StateString(codePoints: [0xD800])))
        #expect(state["keys"]?.objectValue?.count == 9)
        #expect(state["coerced_keys"]?.objectValue?.keys.map(\.displayString) == ["2", "2.5", "null", "false", "Infinity"])
    }
}
