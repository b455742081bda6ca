@testable import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

/// Whether an array keeps its numbers as numbers is not part of the format: the bytes and the text
/// written are the same either way, and the readers keep numbers as numbers where they can.
@Suite("State arrays in snapshots and JSON")
struct StateArrayCodecTests {
    /// The same tree with every array kept the other way (numbers as values, values that are all
    /// floats or all ints as numbers).
    static func otherForms(_ value: StateValue) -> StateValue {
        switch value {
        case .array(let array):
            switch array.storage {
            case .floats, .ints: return .array(StateArray(Array(array)))
            case .values(let values): return .array(StateArray(compacting: values.map(otherForms), minimumCount: 0))
            }
        case .object(var members):
            for index in members.values.indices { members.values[index] = otherForms(members.values[index]) }
            return .object(members)
        default:
            return value
        }
    }

    @Test("a snapshot's bytes and the JSON text do not depend on how arrays keep their numbers")
    func sameBytesEitherWay() throws {
        var random = SeededRandom(seed: 77)
        for _ in 0..<150 {
            let tree: StateValue = ["numbers": .array(RandomState.numbers(using: &random)), "tree": RandomState.value(using: &random)]
            let other = Self.otherForms(tree)
            #expect(other == tree)
            #expect(try BinarySnapshot.encode(other, threads: 1) == BinarySnapshot.encode(tree, threads: 1))
            #expect(JSONWriter.write(other) == JSONWriter.write(tree))
            #expect(JSONWriter.write(other, options: .init(indent: 2)) == JSONWriter.write(tree, options: .init(indent: 2)))
        }
    }

    static func storage(_ value: StateValue?) -> StateArray.Storage? {
        guard case .array(let array)? = value else { return nil }
        return array.storage
    }

    @Test("a snapshot reads packed floats and ints back as numbers, shorter arrays as values")
    func snapshotReadsNumbers() throws {
        let state: StateValue = ["f": [1.5, 2.5, 3.5, 4.5], "i": [1, 2, 3, 4], "short": [1.5, 2.5, 3.5], "mixed": [1, 2.5, 3, 4]]
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(state))
        #expect(back == state)
        guard case .floats([1.5, 2.5, 3.5, 4.5])? = Self.storage(back["f"]), case .ints([1, 2, 3, 4])? = Self.storage(back["i"]),
            case .values? = Self.storage(back["short"]), case .values? = Self.storage(back["mixed"])
        else {
            Issue.record("read back as \(String(describing: back))")
            return
        }
    }

    @Test("JSON reads lists of four or more floats or ints as numbers, long ones too")
    func jsonReadsNumbers() throws {
        let long = (0..<(JSONParser.longArrayElements + 10)).map { Double($0) + 0.5 }
        let longText = long.map { "\($0)" }.joined(separator: ", ")
        let text = #"{"f": [1.5, 2.5, 3.5, 4.5], "i": [1, 2, 3, 4], "short": [1, 2, 3], "long": [\#(longText)], "longMixed": [\#(longText), "x"]}"#
        let state = try JSONReader.read(Array(text.utf8))
        guard case .floats? = Self.storage(state["f"]), case .ints? = Self.storage(state["i"]), case .values? = Self.storage(state["short"]),
            case .floats(let readLong)? = Self.storage(state["long"]), case .values(let readMixed)? = Self.storage(state["longMixed"])
        else {
            Issue.record("read as \(String(describing: state))")
            return
        }
        #expect(readLong == long)
        #expect(readMixed.count == long.count + 1 && readMixed.last == "x" && readMixed[7] == .float(7.5))
    }
}
