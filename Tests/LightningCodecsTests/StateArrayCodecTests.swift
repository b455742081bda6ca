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
            case .floats, .ints, .narrowInts, .pooled, .columns: return .array(StateArray(Array(array)))
            case .values(let values): return .array(StateArray(compacting: values.map(otherForms)))
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

    @Test("the threads that lay out float planes and write JSON in parts give the same bytes, numbers kept either way")
    func parallelPathsEitherWay() throws {
        var random = SeededRandom(seed: 5)
        var works = StateObject()
        for index in 0..<40 {
            let floats = (0..<2_000).map { _ in Double(bitPattern: random.next() >> 2) }
            let ints = (0..<500).map { _ in Int64(bitPattern: random.next()) }
            works[StateString("w\(index)")] = ["history": .array(StateArray(floats: floats)), "counts": .array(StateArray(ints: ints)), "tiny": .array(StateArray(floats: [1.5]))]
        }
        let tree: StateValue = ["works": .object(works)]
        let other = Self.otherForms(tree)
        let one = try BinarySnapshot.encode(tree, threads: 1)
        #expect(try BinarySnapshot.encode(tree, threads: 4) == one)
        #expect(try BinarySnapshot.encode(other, threads: 4) == one)
        let text = JSONWriter.write(tree, options: .init(), threads: 1)
        #expect(JSONWriter.write(tree, options: .init(), threads: 4, minimumWeight: 0) == text)
        #expect(JSONWriter.write(other, options: .init(), threads: 4, minimumWeight: 0) == text)
        #expect(try BinarySnapshot.decode(one) == tree)
    }

    @Test("a change between lists of floats kept as floats keeps NaN payloads apart, and writes only what changed")
    func deltasBetweenFloatLists() throws {
        let quiet = Double(bitPattern: 0x7FF8_0000_0000_0001)
        let other = Double(bitPattern: 0x7FF8_0000_0000_0002)
        var delta = StateDelta()
        delta.appendChanges(from: .array(StateArray(floats: [1, quiet, 3])), to: .array(StateArray(floats: [1, other, 3])), at: ["h"])
        #expect(delta.edits.count == 1)
        var state: StateValue = ["h": .array(StateArray(floats: [1, quiet, 3]))]
        try delta.apply(to: &state)
        guard case .floats(let applied)? = Self.storage(state["h"]) else { Issue.record("not floats: \(state)"); return }
        #expect(applied.map(\.bitPattern) == [Double(1).bitPattern, other.bitPattern, Double(3).bitPattern])

        var appended = StateDelta()
        appended.appendChanges(from: .array(StateArray(floats: [1, 2])), to: .array(StateArray(floats: [1, 2, 3, 4])), at: ["h"])
        guard case .append(_, .array(let tail))? = appended.edits.first, case .floats([3, 4]) = tail.storage else {
            Issue.record("not an append of floats: \(appended.edits)")
            return
        }
        var same = StateDelta()
        same.appendChanges(from: .array(StateArray(floats: [1, quiet])), to: .array(StateArray([1.0, .float(quiet)])), at: ["h"])
        #expect(same.edits.isEmpty)
    }

    static func storage(_ value: StateValue?) -> StateArray.Storage? {
        guard case .array(let array)? = value else { return nil }
        return array.storage
    }

    @Test("a snapshot reads lists of floats or of ints back as numbers, packed or too short to be, and writes them as before")
    func snapshotReadsNumbers() throws {
        let state: StateValue = [
            "f": [1.5, 2.5, 3.5, 4.5], "i": [1, 2, 3, 4], "short": [1.5, 2.5, 3.5], "one": [7], "mixed": [1, 2.5, 3, 4], "strings": ["a", "b"], "empty": [],
            "many": .array(StateArray(ints: Array(0..<20))),
        ]
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(state))
        #expect(back == state)
        guard case .floats([1.5, 2.5, 3.5, 4.5])? = Self.storage(back["f"]), case .ints([1, 2, 3, 4])? = Self.storage(back["i"]),
            case .narrowInts(let narrow)? = Self.storage(back["many"]), Array(narrow) == Array(0..<20), narrow.width == 1,
            case .floats([1.5, 2.5, 3.5])? = Self.storage(back["short"]), case .ints([7])? = Self.storage(back["one"]),
            case .values? = Self.storage(back["mixed"]), case .values? = Self.storage(back["strings"])
        else {
            Issue.record("read back as \(String(describing: back))")
            return
        }
        // Kept as numbers or as values, a list writes the same bytes.
        #expect(try BinarySnapshot.encode(back) == BinarySnapshot.encode(state))
    }

    @Test("ints read back in each width, past a narrowing block, write the JSON and snapshot bytes they were read from, whole and in part, and compare and change as ints", arguments: [1, 2, 3, 4])
    func narrowIntsInEveryWidth(width: Int) throws {
        // 70,000 ints (more than one 65,536-int block) whose span needs `width` bytes, about -2^40.
        let span = Int64(1) << (8 * width) - 1
        var random = SeededRandom(seed: UInt64(10 + width))
        let ints = [-(1 << 40), -(1 << 40) + span] + (0..<69_998).map { _ in -(1 << 40) + Int64.random(in: 0...span, using: &random) }
        let state: StateValue = ["ints": .array(StateArray(ints: ints))]
        let bytes = try BinarySnapshot.encode(state)
        let back = try BinarySnapshot.decode(bytes)
        guard case .narrowInts(let narrow)? = Self.storage(back["ints"]), case .array(let array)? = back["ints"] else {
            Issue.record("read back as \(String(describing: Self.storage(back["ints"])))")
            return
        }
        #expect(narrow.width == width)
        #expect(try BinarySnapshot.encode(back) == bytes)
        #expect(JSONWriter.write(back) == JSONWriter.write(state))
        let part = 65_530..<65_545
        #expect(JSONWriter.write(.array(array.subarray(part))) == JSONWriter.write(.array(StateArray(ints: Array(ints[part])))))
        #expect(try BinarySnapshot.encode(.array(array.subarray(0..<69_999))) == BinarySnapshot.encode(.array(StateArray(ints: Array(ints.dropLast())))))
        #expect(back == state && back.isIdentical(to: state))
        var changed = ints
        changed[65_540] = ints[0]
        var delta = StateDelta()
        delta.appendChanges(from: array, to: StateArray(ints: changed), at: ["ints"])
        #expect(delta.edits == [.splice(path: ["ints"], range: 65_540..<65_541, elements: [.int(ints[0])])])
        #expect(!back.isIdentical(to: ["ints": .array(StateArray(ints: changed))]))
    }

    @Test("JSON reads lists of floats or of ints as numbers, short and long ones, and writes them as before")
    func jsonReadsNumbers() throws {
        let long = (0..<(JSONParser.longArrayElements + 10)).map { Double($0) + 0.5 }
        let longText = long.map { "\($0)" }.joined(separator: ", ")
        let longInts = (0..<(JSONParser.longArrayElements + 10)).map { Int64($0) * 3 - 7 }
        let longIntText = longInts.map { "\($0)" }.joined(separator: ", ")
        let text = #"{"f": [1.5, 2.5, 3.5, 4.5], "i": [1, 2, 3, 4], "short": [1, 2, 3], "one": [0.5], "shortMixed": [1, 0.5], "long": [\#(longText)], "longMixed": [\#(longText), "x"], "longInts": [\#(longIntText)]}"#
        let state = try JSONReader.read(Array(text.utf8))
        guard case .floats? = Self.storage(state["f"]), case .ints? = Self.storage(state["i"]), case .ints([1, 2, 3])? = Self.storage(state["short"]),
            case .floats([0.5])? = Self.storage(state["one"]), case .values? = Self.storage(state["shortMixed"]),
            case .floats(let readLong)? = Self.storage(state["long"]), case .values(let readMixed)? = Self.storage(state["longMixed"]),
            case .ints(let readInts)? = Self.storage(state["longInts"])
        else {
            Issue.record("read as \(String(describing: state))")
            return
        }
        #expect(readLong == long)
        #expect(readInts == longInts)
        #expect(readMixed.count == long.count + 1 && readMixed.last == "x" && readMixed[7] == .float(7.5))
        #expect(JSONWriter.write(state) == JSONWriter.write(.object(state.objectValue!.mapValues { .array(Array($0.arrayValue!)) })))
    }
}
