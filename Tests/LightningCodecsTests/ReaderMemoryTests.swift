import LightningCodecs
import LightningState
import Testing

/// How the readers keep a loaded state small: objects of one shape share their keys (snapshots and
/// JSON), and the snapshot reader's table of interned strings grows in chunks (which references
/// must find across).
@Suite("Readers' memory")
struct ReaderMemoryTests {
    /// The address of an object's array of keys.
    static func keysAddress(_ value: StateValue) -> UnsafeRawPointer? {
        value.objectValue?.keys.elements.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    static func record(_ index: Int, keys: [String]) -> StateValue {
        .object(StateObject(uniqueKeysWithValues: keys.enumerated().map { (StateString($1), StateValue.int(Int64(index * 10 + $0))) }))
    }

    @Test("objects read with the same keys in the same order share one array of keys; another order or another key does not")
    func sameShapeSharesKeys() throws {
        let shape = ["id", "name", "label", "tags", "active", "score"]
        var rows = (0..<500).map { Self.record($0, keys: shape) }
        rows.append(Self.record(500, keys: shape.reversed()))
        rows.append(Self.record(501, keys: shape.dropLast() + ["points"]))
        rows.append(Self.record(502, keys: Array(shape.dropLast())))
        let state: StateValue = ["rows": .array(rows), "nested": ["a": ["id": 1, "name": 2, "label": 3, "tags": 4, "active": 5, "score": 6]]]
        let loaded = try BinarySnapshot.decode(BinarySnapshot.encode(state))
        #expect(loaded == state)
        let loadedRows = try #require(loaded["rows"]?.arrayValue)
        let shared = try #require(Self.keysAddress(loadedRows[0]))
        #expect(loadedRows[..<500].allSatisfy { Self.keysAddress($0) == shared })
        #expect(Self.keysAddress(loaded["nested"]?["a"] ?? .null) == shared)
        for other in loadedRows[500...] {
            #expect(Self.keysAddress(other) != shared)
        }
    }

    @Test("an object read with shared keys changes alone: a value in place, a new key on its own copy")
    func sharedKeysCopyOnWrite() throws {
        let shape = ["a", "b", "c"]
        let state = StateValue.array(StateArray((0..<10).map { Self.record($0, keys: shape) }))
        let rows = try #require(try BinarySnapshot.decode(BinarySnapshot.encode(state)).arrayValue)
        var objects = try rows.map { try #require($0.objectValue) }
        let shared = try #require(Self.keysAddress(rows[0]))
        objects[3]["b"] = "changed"
        #expect(Self.keysAddress(.object(objects[3])) == shared)
        objects[4]["d"] = 4
        #expect(Self.keysAddress(.object(objects[4])) != shared)
        #expect(objects[3] == ["a": 30, "b": "changed", "c": 32])
        #expect(objects[4] == ["a": 40, "b": 41, "c": 42, "d": 4])
        for index in objects.indices where index != 3 && index != 4 {
            #expect(StateValue.object(objects[index]) == Self.record(index, keys: shape))
            #expect(Self.keysAddress(.object(objects[index])) == shared)
        }
    }

    @Test("a repeated key is refused in an object nested in another: its keys are told from its parent's")
    func repeatedKeyNested() {
        // {"a": 0, "b": {"a": 0, "b": 0, "a": 0}}, the inner object's keys referring to the outer's.
        let tree: [UInt8] = [0x08, 2, 0x03, 0x61, 0x03, 0, 0x03, 0x62, 0x08, 3, 0x00, 0x03, 0, 0x02, 0x03, 0, 0x00, 0x03, 0]
        #expect(SnapshotDecoderTests.message(tree: tree) == "malformed at byte 16: duplicate key \"a\"")
        // Without the repeat, the same keys read, the inner object's "a" not taken for its parent's.
        let valid: [UInt8] = [0x08, 2, 0x03, 0x61, 0x03, 0, 0x03, 0x62, 0x08, 2, 0x00, 0x03, 0, 0x02, 0x03, 0]
        #expect(SnapshotDecoderTests.message(tree: valid) == nil)
    }

    @Test("references into a table of interned strings that spans several chunks find the string they name", arguments: [4_095, 4_096, 4_097, 12_289])
    func internedAcrossChunks(count: Int) throws {
        // An array of `count` distinct literals (each interned), then references to the first, the
        // last and every chunk's edges, and a key referring to one far into the table.
        let probes = Set([0, 1, count - 1, count / 2] + stride(from: 4_095, to: count, by: 4_096).flatMap { [$0, $0 + 1] }).filter { $0 < count }.sorted()
        var tree: [UInt8] = [0x07] + SnapshotDecoderTests.varint(UInt64(count + probes.count + 1))
        for index in 0..<count { tree += [0x06] + SnapshotDecoderTests.literal("s\(index)") }
        for index in probes { tree += [0x06] + SnapshotDecoderTests.varint(UInt64(index) << 1) }
        tree += [0x08, 1] + SnapshotDecoderTests.varint(UInt64(count - 1) << 1) + [0x00]
        let elements = try #require(try BinarySnapshot.decode(SnapshotDecoderTests.file(tree: tree)).arrayValue)
        #expect(elements.count == count + probes.count + 1)
        #expect(elements[..<count].elementsEqual((0..<count).map { StateValue.string(StateString("s\($0)")) }))
        #expect(elements[count..<(count + probes.count)].elementsEqual(probes.map { StateValue.string(StateString("s\($0)")) }))
        #expect(elements.last == .object([StateString("s\(count - 1)"): .null]))
    }

    @Test("objects read from JSON with the same keys in the same order share their keys; a repeated key keeps its first place and its last value")
    func jsonSharesKeys() throws {
        let record = #"{"id": 1, "name": "a", "label": "b"}"#
        let text = "[" + Array(repeating: record, count: 50).joined(separator: ", ")
            + #", {"id": 1, "label": "b", "name": "a"}, {"id": 1, "name": "a", "id": 2, "label": "b"}"#
            + ", {" + (0..<16).map { "\"k\($0)\": \($0)" }.joined(separator: ", ") + "}]"
        let rows = try #require(try JSONReader.read(Array(text.utf8)).arrayValue)
        let shared = try #require(Self.keysAddress(rows[0]))
        #expect(rows[..<50].allSatisfy { Self.keysAddress($0) == shared && $0 == ["id": 1, "name": "a", "label": "b"] })
        #expect(Self.keysAddress(rows[50]) != shared)
        // Python's dict: {"id": 2, "name": "a", "label": "b"}.
        #expect(rows[51] == ["id": 2, "name": "a", "label": "b"])
        #expect(rows[51].objectValue?.keys.map(\.displayString) == ["id", "name", "label"])
        #expect(rows[52].objectValue?.keys.map(\.displayString) == (0..<16).map { "k\($0)" })
        #expect(try JSONReader.read(Array(#"{"a": 1, "b": {"a": 2, "a": 3}, "a": 4}"#.utf8)) == ["a": 4, "b": ["a": 3]])
    }

    @Test("more shapes than the cache has slots, read in turn, each object with its own keys: from a snapshot and from JSON")
    func shapesCollide() throws {
        // 1,500 shapes (the cache has 512 slots), each met three times in turn; keys of equal
        // lengths ("a1000", "a1001", ...), each shape also read in the reverse order.
        let shapes = (0..<1_500).map { ["k\($0 % 10)", "a\($0 % 1_000 + 1_000)", $0 < 1_000 ? "z" : "y"] }
        let rows = (0..<4_500).map { index in
            let keys = index % 2 == 0 ? shapes[index % 1_500] : shapes[index % 1_500].reversed()
            return StateValue.object(StateObject(uniqueKeysWithValues: keys.enumerated().map { (StateString($1), StateValue.int(Int64(index * 3 + $0))) }))
        }
        let state = StateValue.array(StateArray(rows))
        let fromSnapshot = try BinarySnapshot.decode(BinarySnapshot.encode(state))
        let fromJSON = try JSONReader.read(JSONWriter.write(state))
        for loaded in [fromSnapshot, fromJSON] {
            let loadedRows = try #require(loaded.arrayValue)
            #expect(loadedRows.elementsEqual(rows))
            #expect(loadedRows.elementsEqual(rows) { $0.objectValue?.keys.elementsEqual($1.objectValue?.keys ?? []) == true })
        }
        #expect(try JSONReader.read(Array(#"[{"a": 1}, {"b": 2}, {"a": 3}, {"b": 4, "b": 5}, {"b": 6}]"#.utf8)) == [["a": 1], ["b": 2], ["a": 3], ["b": 5], ["b": 6]])
    }

    /// Where a string's bytes are kept: the same for strings that share one.
    static func bytesAddress(_ value: StateValue) -> UnsafeRawPointer? {
        guard case .string(let string) = value else { return nil }
        return string.withWTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    /// A label longer than a `String` keeps inline: building one takes an allocation.
    static func label(_ index: Int) -> StateString {
        StateString("a label longer than fifteen bytes, \(index)")
    }

    @Test("a long string a list repeats is one string in the values it turns into, when read so or changed")
    func listsShareLongStrings() throws {
        let list = (0..<2_000).map { StateValue.string(Self.label($0 % 10)) }
        // Kept as places; then as values, read so because of the object at its end.
        for state in [StateValue.array(StateArray(list)), .array(StateArray(list + [[:]]))] {
            let loaded = try #require(try BinarySnapshot.decode(BinarySnapshot.encode(state)).arrayValue)
            #expect(Array(loaded) == Array(state.arrayValue!))
            var changed = loaded
            changed.append("x")
            let values = loaded.values
            for index in 0..<10 {
                #expect(Self.bytesAddress(changed[index]) == Self.bytesAddress(changed[index + 1_990]))
                #expect(Self.bytesAddress(values[index]) == Self.bytesAddress(values[index + 1_990]))
            }
        }
    }

    @Test("a long string an object's members repeat is built at most twice however many others come between")
    func membersShareLongStrings() throws {
        // 10,000 distinct labels, each met four times, 10,000 members apart: more than the reader
        // remembers by place. The first is a literal; the first reference the cache has let go of
        // builds the string again, and the references after it share that one.
        let object = StateObject(uniqueKeysWithValues: (0..<40_000).map { (StateString("k\($0)"), StateValue.string(Self.label($0 % 10_000))) })
        let loaded = try #require(try BinarySnapshot.decode(BinarySnapshot.encode(.object(object))).objectValue)
        #expect(loaded == object)
        // Twice a label, and twice again for each the writer let go of and wrote again as a literal;
        // a reader that built every reference again would hold 40,000.
        let strings = Set(loaded.values.map { Self.bytesAddress($0) })
        #expect(strings.count >= 10_000 && strings.count < 26_000, "\(strings.count) strings for 10,000 labels")
    }

    @Test("an object claiming more members than memory holds, in a small file, is an error at its first bad member")
    func largeObjectCount() {
        // 8 MiB of zeros after an object's header claiming 4 million members: room is made for a bounded number.
        let tree: [UInt8] = [0x08] + SnapshotDecoderTests.varint(4_000_000) + Array(repeating: 0, count: 8 << 20)
        #expect(SnapshotDecoderTests.message(tree: tree) == "malformed at byte 5: string reference 0 beyond the 0 interned strings")
    }
}
