@testable import LightningCodecs
import LightningState
import Testing

/// Objects of the same keys share one array of them when a snapshot is read.
@Suite("Shared key arrays")
struct KeyShapesTests {
    private static func address(_ keys: ContiguousArray<StateString>) -> UnsafePointer<StateString>? {
        keys.withUnsafeBufferPointer { $0.baseAddress }
    }

    @Test("the same interned keys in the same order get the array built first; another order, other places or a key not interned get their own")
    func sharing() {
        var shapes = KeyShapes()
        let keys: [StateString] = ["id", "name", "score"]
        let first = shapes.keys(keys[...], places: [4, 7, 9])
        let second = shapes.keys(keys[...], places: [4, 7, 9])
        #expect(Array(first) == keys && Array(second) == keys)
        #expect(Self.address(first) == Self.address(second))
        #expect(shapes.shared == 1)

        let reordered: [StateString] = ["name", "id", "score"]
        let other = shapes.keys(reordered[...], places: [7, 4, 9])
        #expect(Array(other) == reordered && Self.address(other) != Self.address(first))
        let fewer = shapes.keys(keys[..<2], places: [4, 7])
        #expect(Array(fewer) == Array(keys[..<2]))
        let long: [StateString] = ["id", StateString(String(repeating: "k", count: 80))]
        #expect(Array(shapes.keys(long[...], places: [4, KeyShapes.notInterned])) == long)
        #expect(Array(shapes.keys(long[...], places: [4, KeyShapes.notInterned])) == long)
        #expect(shapes.shared == 1)
        // The first shape is still there.
        #expect(Self.address(shapes.keys(keys[...], places: [4, 7, 9])) == Self.address(first))
        #expect(shapes.shared == 2)
    }

    @Test("a snapshot's records share their keys, in every order and beside keys too long to intern, and read back equal")
    func snapshotRecords() throws {
        let longKey = StateString(String(repeating: "a long key ", count: 8))
        var records: [StateValue] = []
        for index in 0..<300 { records.append(["id": .int(Int64(index)), "name": .string(StateString("r\(index)")), "tags": ["x", "y"]]) }
        for index in 0..<200 { records.append(["name": .string(StateString("s\(index)")), "id": .int(Int64(index))]) }
        for index in 0..<50 { records.append(.object([longKey: .int(Int64(index)), "id": .int(Int64(index))])) }
        let state = StateValue.array(records)
        let bytes = try BinarySnapshot.encode(state)
        let (header, blocks, checksum) = try bytes.withUnsafeBufferPointer { try BinarySnapshot.parse($0) }
        let streams = try StreamInflation(
            file: bytes, blocks: blocks, storedChecksum: checksum, treeBytes: header.treeBytes, floatBytes: header.floatBytes, workers: 0)
        var decoder = TreeDecoder(streams, layout: .init(version: header.version), options: .init())
        let decoded = Result { () throws(SnapshotError) in try decoder.decodeDocument() }
        #expect(try streams.finish(after: decoded) == state)
        // Each shape's first record builds its array; the 50 with a long key build their own.
        #expect(decoder.shapes.shared == 299 + 199)
    }
}
