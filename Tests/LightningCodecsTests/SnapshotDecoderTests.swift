import LightningCodecs
import LightningState
import Testing

/// Hand-made tree streams, wrapped in valid files with stored blocks (as `FuzzSnapshot` does), that
/// reach every error of the tree decoder. Crashing inputs found by fuzzing belong here too.
@Suite("Snapshot tree decoder")
struct SnapshotDecoderTests {
    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    /// A file holding `tree` and `floats` as stored blocks of at most 1 MiB (docs/FORMAT.md).
    static func file(tree: [UInt8], floats: [UInt8] = [], delta: Bool = false, version: UInt16 = 2) -> [UInt8] {
        var file: [UInt8] = [0x89, 0x4C, 0x43, 0x4B, 0x0D, 0x0A, 0x1A, 0x0A]
        file += littleEndian(version) + littleEndian(UInt16(0)) + [delta ? 1 : 0, 0, 0, 0]
        file += littleEndian(UInt64(delta ? 2 : 0)) + littleEndian(UInt64(delta ? 1 : 0))
        file += littleEndian(UInt64(tree.count)) + littleEndian(UInt64(floats.count))
        let blocks = [tree, floats].enumerated().flatMap { stream, bytes in
            stride(from: 0, to: bytes.count, by: 1 << 20).map { (offset: stream, element: Array(bytes[$0..<min(bytes.count, $0 + 1 << 20)])) }
        }
        file += littleEndian(UInt32(blocks.count)) + littleEndian(UInt32(1 << 20)) + littleEndian(UInt64(0))
        for (stream, block) in blocks {
            file += [UInt8(stream), 0] + littleEndian(UInt16(0)) + littleEndian(UInt32(block.count)) + littleEndian(UInt32(block.count))
        }
        for (_, block) in blocks { file += block }
        return file + littleEndian(file.withUnsafeBufferPointer(Zlib.crc32)) + Array("LCKE".utf8)
    }

    /// `file` with its checksum computed again, after a test changed its bytes.
    static func resealed(_ file: [UInt8]) -> [UInt8] {
        let body = Array(file.dropLast(8))
        return body + littleEndian(body.withUnsafeBufferPointer(Zlib.crc32)) + Array("LCKE".utf8)
    }

    static func message(tree: [UInt8], floats: [UInt8] = []) -> String? {
        do {
            _ = try BinarySnapshot.decode(file(tree: tree, floats: floats))
            return nil
        } catch {
            return error.description
        }
    }

    @Test("hand-written streams decode to the expected trees")
    func valid() throws {
        let floats = [1.5, -0.0, .infinity, 2.0].flatMap { (value: Double) in Self.littleEndian(value.bitPattern) }
        var planes = [UInt8](repeating: 0, count: 32)
        for index in 0..<4 { for plane in 0..<8 { planes[plane * 4 + index] = floats[index * 8 + plane] } }
        let simple = try BinarySnapshot.decode(Self.file(tree: [0x08, 2, 3, 0x61, 0x03, 0x04, 0x03, 0x62, 0x09, 4], floats: planes))
        #expect(simple == ["a": 2, "b": [1.5, -0.0, .float(.infinity), 2.0]])
    }

    /// The byte planes of `arrays` as version 1 lays them out (each array's planes on their own)
    /// and as version 2 does (eight planes over every float).
    static func planes(_ arrays: [[Double]]) -> (version1: [UInt8], version2: [UInt8]) {
        let byte = { (value: Double, plane: Int) in UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt64(plane))) }
        let version1 = arrays.flatMap { array in (0..<8).flatMap { plane in array.map { byte($0, plane) } } }
        let all = arrays.flatMap { $0 }
        return (version1, (0..<8).flatMap { plane in all.map { byte($0, plane) } })
    }

    @Test("version 1 files, whose float arrays each have their own planes, still read; version 2 lays planes over the whole stream")
    func floatLayouts() throws {
        let first = [1.5, -0.0, .infinity, 2.0]
        let second = [0.1, -3.25, .greatestFiniteMagnitude, 1e-300, .leastNonzeroMagnitude]
        let tree: [UInt8] = [0x08, 2, 3, 0x61, 0x09, 4, 0x03, 0x62, 0x09, 5]
        let expected: StateValue = ["a": .array(first.map(StateValue.float)), "b": .array(second.map(StateValue.float))]
        let (version1, version2) = Self.planes([first, second])
        #expect(version1 != version2)
        #expect(try BinarySnapshot.decode(Self.file(tree: tree, floats: version1, version: 1)) == expected)
        #expect(try BinarySnapshot.decode(Self.file(tree: tree, floats: version2, version: 2)) == expected)
        #expect(try BinarySnapshot.decode(Self.file(tree: tree, floats: version2, version: 3)) == expected)
        #expect(try BinarySnapshot.decode(Self.file(tree: tree, floats: version1, version: 2)) != expected)
        // What the engine writes today is version 3, with version 2's layout (read as version 1's,
        // the planes above give other floats).
        let written = try BinarySnapshot.encode(expected, threads: 1)
        #expect(try BinarySnapshot.header(of: written).version == 3)
        #expect(try BinarySnapshot.header(of: written).floatBytes == 72)
        #expect(try BinarySnapshot.decode(written) == expected)
    }

    @Test("a snapshot the engine wrote in version 1 reads as it did, floats included")
    func version1Fixture() throws {
        let file = try Fixtures.bytes("version1_floats.lsnap")
        #expect(try BinarySnapshot.header(of: file).version == 1)
        #expect(try BinarySnapshot.decode(file) == JSONReader.read(try Fixtures.bytes("version1_floats.json")))
    }

    @Test("a packed array of fewer than 4 elements is refused, floats or ints, in both versions; 4 reads")
    func shortPackedArrays() throws {
        let floatPlanes = { (count: Int) in Self.planes([Array(repeating: 1.5, count: count)]).version2 }
        for version: UInt16 in [1, 2] {
            for count in 0..<4 {
                let floats = Self.file(tree: [0x09, UInt8(count)], floats: floatPlanes(count), version: version)
                let ints = Self.file(tree: [0x0A, UInt8(count)] + Array(repeating: 0x02, count: count), version: version)
                #expect(throws: SnapshotError.self) { try BinarySnapshot.decode(floats) }
                #expect(throws: SnapshotError.self) { try BinarySnapshot.decode(ints) }
            }
            let four = Self.file(tree: [0x09, 4], floats: floatPlanes(4), version: version)
            #expect(try BinarySnapshot.decode(four) == [1.5, 1.5, 1.5, 1.5])
            #expect(try BinarySnapshot.decode(Self.file(tree: [0x0A, 4, 2, 2, 2, 2], version: version)) == [1, 1, 1, 1])
        }
        #expect(Self.message(tree: [0x09, 0]) == "malformed at byte 1: a packed array of 0 floats (writers pack 4 or more)")
        #expect(Self.message(tree: [0x0A, 3, 2, 2, 2]) == "malformed at byte 1: a packed array of 3 ints (writers pack 4 or more)")
        #expect(Self.message(tree: [0x0A, 1, 2]) == "malformed at byte 1: a packed array of 1 int (writers pack 4 or more)")
    }

    @Test("a big integer of 4,300 digits reads; of 4,301 is refused, as Python refuses it")
    func bigIntegerDigits() throws {
        for (sign, prefix) in [("", [UInt8]()), ("-", [UInt8(ascii: "-")])] {
            let limit = prefix + Array(String(repeating: "9", count: 4_300).utf8)
            let over = prefix + Array(("1" + String(repeating: "0", count: 4_300)).utf8)
            let varint = { (count: Int) -> [UInt8] in [UInt8(count & 0x7F | 0x80), UInt8(count >> 7)] }
            let read = try BinarySnapshot.decode(Self.file(tree: [0x04] + varint(limit.count) + limit))
            #expect(read == .bigInt(StateBigInt(decimalText: sign + String(repeating: "9", count: 4_300))!))
            #expect(
                Self.message(tree: [0x04] + varint(over.count) + over)
                    == "over a limit: an integer of 4301 digits at byte 0, more than the 4300 Python reads and writes (int_max_str_digits)")
        }
    }

    @Test("an empty block is refused: a writer gives an empty stream no block")
    func emptyBlock() {
        var file = Self.file(tree: [0x00])
        // Blocks 1 → 2, then a second entry (a stored float block of 0 bytes) after the first.
        file.replaceSubrange(48..<52, with: Self.littleEndian(UInt32(2)))
        file.insert(contentsOf: [1, 0, 0, 0] + Self.littleEndian(UInt32(0)) + Self.littleEndian(UInt32(0)), at: 76)
        file = Self.resealed(file)
        let error = #expect(throws: SnapshotError.self) { try BinarySnapshot.decode(file) }
        #expect(error?.description == "malformed at byte 76: block 1 is empty (an empty stream has no block)")
    }

    @Test("a full snapshot naming a parent is refused: only a delta has one")
    func fullWithParent() {
        var file = Self.file(tree: [0x07, 0])
        file.replaceSubrange(24..<32, with: Self.littleEndian(UInt64(7)))
        file = Self.resealed(file)
        let error = #expect(throws: SnapshotError.self) { try BinarySnapshot.decode(file) }
        #expect(error?.description == "malformed at byte 24: a full snapshot with parent number 7 (only a delta has a parent)")
    }

    @Test("a float stream that is not a whole number of floats is an error")
    func partialFloat() {
        #expect(Self.message(tree: [0x00], floats: [1, 2, 3]) == "malformed at byte 40: the float stream's 3 bytes are not a whole number of 8-byte floats")
    }

    @Test("every malformed stream is a precise error", arguments: [
        ([0xFF] as [UInt8], "malformed at byte 0: unknown tag 0xff"),
        ([0x07, 5, 0x00], "malformed at byte 1: length 5 exceeds the 1 bytes left"),
        ([0x03, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02], "malformed at byte 10: varint longer than 64 bits"),
        ([0x03, 0x80], "malformed at byte 2: unexpected end of data in a varint"),
        ([0x06, 0x02], "malformed at byte 1: string reference 1 beyond the 0 interned strings"),
        ([0x06, 0x09, 0x61], "malformed at byte 1: string length 4 exceeds the 1 bytes left"),
        ([0x06, 0x03, 0xFF], "malformed at byte 1: a string that is not UTF-8 (nor WTF-8)"),
        ([0x08, 2, 3, 0x61, 0x00, 0x00, 0x00], "malformed at byte 5: duplicate key \"a\""),
        ([0x04, 3, 0x30, 0x30, 0x37], "malformed at byte 0: not a canonical integer outside 64 bits"),
        ([0x04, 2, 0x31, 0x32], "malformed at byte 0: not a canonical integer outside 64 bits"),
        ([0x09, 5], "malformed at byte 1: 5 packed floats but 0 float bytes left"),
        ([0x05, 1, 2, 3], "malformed at byte 1: unexpected end of data"),
        ([0x00, 0x00], "malformed at byte 1: 1 bytes after the tree"),
        // In a list of strings, read as places while they are interned strings: the same errors.
        ([0x07, 4, 0x06, 0x03, 0x61, 0x06, 0x04], "malformed at byte 6: string reference 2 beyond the 1 interned strings"),
        ([0x07, 4, 0x06, 0x03, 0x61, 0x06, 0x03, 0xFF], "malformed at byte 6: a string that is not UTF-8 (nor WTF-8)"),
        ([0x07, 4, 0x06, 0x03, 0x61, 0x06, 0x09, 0x61], "malformed at byte 6: string length 4 exceeds the 1 bytes left"),
        ([0x07, 4, 0x06, 0x03, 0x61, 0x06, 0x00], "malformed at byte 7: unexpected end of data"),
        ([0x07, 4, 0x06, 0x03, 0x61, 0x06, 0x00, 0xFF], "malformed at byte 7: unknown tag 0xff"),
        // After another scalar kept beside the places.
        ([0x07, 4, 0x06, 0x03, 0x61, 0x00, 0xFF], "malformed at byte 6: unknown tag 0xff"),
        ([0x07, 4, 0x06, 0x03, 0x61, 0x03, 0x80], "malformed at byte 7: unexpected end of data in a varint"),
        ([0x07, 4, 0x06, 0x03, 0x61, 0x04, 3, 0x30, 0x30, 0x37], "malformed at byte 5: not a canonical integer outside 64 bits"),
        ([0x07, 4, 0x06, 0x03, 0x61, 0x05, 1, 2, 3], "malformed at byte 6: unexpected end of data"),
        // In a list of records or rows, read by column: the same errors.
        ([0x07, 4, 0x08, 2, 0x03, 0x61, 0x00, 0x00, 0x00], "malformed at byte 7: duplicate key \"a\""),
        ([0x07, 4, 0x08, 2, 0x03, 0x61, 0x00, 0x03, 0x62, 0x00, 0x08, 2, 0x00, 0x00, 0x00, 0x00], "malformed at byte 14: duplicate key \"a\""),
        ([0x07, 4, 0x08, 1, 0x03, 0x61, 0x00, 0x08, 1, 0x00, 0xFF], "malformed at byte 10: unknown tag 0xff"),
        ([0x07, 4, 0x08, 1, 0x03, 0x61, 0x00, 0x08, 1, 0x04, 0x00], "malformed at byte 9: string reference 2 beyond the 1 interned strings"),
        ([0x07, 4, 0x08, 1, 0x03, 0x61, 0x00, 0x08, 1, 0x05, 0x61], "malformed at byte 9: string length 2 exceeds the 1 bytes left"),
        ([0x07, 4, 0x07, 2, 0x00, 0x00, 0x07, 2, 0x00, 0xFF], "malformed at byte 9: unknown tag 0xff"),
        ([0x07, 4, 0x07, 1, 0x06, 0x03, 0x61, 0x07, 1, 0x06, 0x04], "malformed at byte 10: string reference 2 beyond the 1 interned strings"),
        ([0x07, 4, 0x07, 1, 0x03, 0x02, 0x07, 1, 0x03, 0x80], "malformed at byte 10: unexpected end of data in a varint"),
        ([0x07, 4, 0x07, 1, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 1, 0x05, 1, 2], "malformed at byte 16: unexpected end of data"),
        ([0x07, 4, 0x07, 1, 0x00, 0x07, 0x80], "malformed at byte 7: unexpected end of data in a varint"),
    ])
    func errors(tree: [UInt8], message: String) {
        #expect(Self.message(tree: tree) == message)
    }

    @Test("a repeated key is refused in objects of every size, found by its bytes, whether written again or referred to", arguments: [2, 32, 33, 40, 3_000, 70_000])
    func duplicateKeysAtEverySize(count: Int) throws {
        // Keys "k0", "k1", …: literals (interned as they are read), each with an int value.
        func object(repeating: (at: Int, of: Int, byReference: Bool)?) -> [UInt8] {
            var tree: [UInt8] = [0x08] + Self.varint(UInt64(count))
            for index in 0..<count {
                if let repeating, repeating.at == index {
                    tree += repeating.byReference ? Self.varint(UInt64(repeating.of) << 1) : Self.literal("k\(repeating.of)")
                } else {
                    tree += Self.literal("k\(index)")
                }
                tree += [0x03, UInt8(index % 64) << 1]
            }
            return tree
        }
        let state = try BinarySnapshot.decode(Self.file(tree: object(repeating: nil)))
        #expect(state.objectValue?.keys.map(\.displayString) == (0..<count).map { "k\($0)" })
        #expect(state[StateString("k\(count - 1)")] == .int(Int64((count - 1) % 64)))
        for byReference in [false, true] {
            let message = Self.message(tree: object(repeating: (at: count - 1, of: (count - 1) / 2, byReference: byReference)))
            #expect(message?.hasSuffix("duplicate key \"k\((count - 1) / 2)\"") == true, "\(message ?? "no error")")
        }
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        return bytes + [UInt8(rest)]
    }

    static func literal(_ text: String) -> [UInt8] { varint(UInt64(text.utf8.count) << 1 | 1) + Array(text.utf8) }

    @Test("float bytes the tree does not use are an error")
    func unusedFloats() {
        #expect(Self.message(tree: [0x00], floats: [1, 2, 3, 4, 5, 6, 7, 8]) == "malformed at byte 1: 8 float bytes not used by the tree")
    }

    @Test("a delta's payload must be a list of edits, each of its verb's shape, in a version that has the verb")
    func badDeltas() {
        func text(_ string: String) -> [UInt8] { [UInt8(string.utf8.count * 2 + 1)] + Array(string.utf8) }
        let path: [UInt8] = [0x07, 1, 0x06] + text("x")
        let cases: [([UInt8], UInt16, String)] = [
            ([0x00], 3, "malformed delta: a delta's payload is not a list of edits"),
            ([0x07, 1, 0x03, 0x02], 3, "malformed delta: edit 0 is not [verb, path, …]"),
            ([0x07, 1, 0x07, 2, 0x06] + text("drop") + [0x07, 0], 3, "malformed delta: edit 0 has the unknown verb \"drop\""),
            ([0x07, 1, 0x07, 2, 0x06] + text("remove") + [0x07, 1, 0x03, 0x02], 3, "malformed delta: edit 0 has a path key that is not a string"),
            ([0x07, 1, 0x07, 3, 0x06] + text("remove") + path + [0x00], 3, "malformed delta: edit 0 has 3 fields, not what remove takes ([\"remove\", path])"),
            // The verbs of version 3, in a version 2 file.
            ([0x07, 1, 0x07, 4, 0x06] + text("insert") + path + [0x03, 0x00, 0x00], 2, "malformed delta: edit 0 uses insert, which version 2 snapshots do not have"),
            ([0x07, 1, 0x07, 3, 0x06] + text("append") + path + [0x07, 0], 1, "malformed delta: edit 0 uses append, which version 1 snapshots do not have"),
            // Their shapes.
            ([0x07, 1, 0x07, 3, 0x06] + text("insert") + path + [0x00], 3, "malformed delta: edit 0 has 3 fields, not what insert takes ([\"insert\", path, position, value])"),
            ([0x07, 1, 0x07, 4, 0x06] + text("insert") + path + [0x03, 0x01, 0x00], 3, "malformed delta: edit 0 has a position that is not a non-negative int"),
            ([0x07, 1, 0x07, 4, 0x06] + text("insert") + path + [0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0x00], 3, "malformed delta: edit 0 has a position that is not a non-negative int"),
            ([0x07, 1, 0x07, 3, 0x06] + text("append") + path + [0x03, 0x02], 3, "malformed delta: edit 0 appends neither an array nor a string"),
            ([0x07, 1, 0x07, 5, 0x06] + text("splice") + path + [0x03, 0x04, 0x03, 0x02, 0x07, 0], 3, "malformed delta: edit 0 splices from 2 to 1, which is before it"),
            ([0x07, 1, 0x07, 5, 0x06] + text("splice") + path + [0x03, 0x00, 0x03, 0x02, 0x06] + text("ab"), 3, "malformed delta: edit 0 splices in something that is not an array"),
            ([0x07, 1, 0x07, 4, 0x06] + text("splice") + path + [0x03, 0x00, 0x03, 0x02], 3, "malformed delta: edit 0 has 4 fields, not what splice takes ([\"splice\", path, start, end, elements])"),
        ]
        for (tree, version, message) in cases {
            do {
                _ = try BinarySnapshot.decodeContents(Self.file(tree: tree, delta: true, version: version))
                Issue.record("no error for \(tree)")
            } catch {
                #expect(error.description == message)
            }
        }
    }

    @Test("each verb of version 3 reads back as the edit written")
    func newVerbs() throws {
        let delta = StateDelta(edits: [
            .insert(path: ["vars", "t"], position: 2, value: ["a": 1]),
            .append(path: ["vars", "h"], tail: [1.5, 2.5, 3.5, 4.5, 5.5]),
            .append(path: ["vars", "s"], tail: "more text"),
            .splice(path: ["vars", "h"], range: 1..<3, elements: []),
            .splice(path: ["vars", "h"], range: 0..<0, elements: ["x", nil]),
            .set(path: ["vars", "x"], value: 1), .remove(path: ["vars", "y"]),
        ])
        let bytes = try BinarySnapshot.encode(delta, sequence: 2, parent: 1, threads: 1)
        #expect(try BinarySnapshot.header(of: bytes).version == 3)
        guard case .delta(let read, let parent) = try BinarySnapshot.decodeContents(bytes).contents else {
            Issue.record("not a delta")
            return
        }
        #expect(read == delta)
        #expect(parent == 1)
    }
}

/// Loads that decode the tree while other threads inflate its blocks (`StreamInflation`): the
/// outcome is the one a sequential load gives, whatever the threads' timing.
@Suite("Snapshot loads inflating while decoding")
struct StreamedLoadTests {
    /// A file of tree blocks given as (method, bytes, inflated size), version 2, no floats.
    static func file(treeBlocks: [(method: UInt8, bytes: [UInt8], size: Int)]) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { SnapshotDecoderTests.littleEndian(value) }
        var file: [UInt8] = [0x89, 0x4C, 0x43, 0x4B, 0x0D, 0x0A, 0x1A, 0x0A]
        file += le(UInt16(2)) + le(UInt16(0))
        file += [0, 0, 0, 0]
        file += le(UInt64(0)) + le(UInt64(0))
        file += le(UInt64(treeBlocks.reduce(0) { $0 + $1.size })) + le(UInt64(0))
        file += le(UInt32(treeBlocks.count)) + le(UInt32(1 << 20)) + le(UInt64(0))
        for block in treeBlocks { file += [0, block.method] + le(UInt16(0)) + le(UInt32(block.size)) + le(UInt32(block.bytes.count)) }
        for block in treeBlocks { file += block.bytes }
        return file + le(file.withUnsafeBufferPointer(Zlib.crc32)) + Array("LCKE".utf8)
    }

    static func message(_ bytes: [UInt8], workers: Int? = nil) -> String {
        do {
            _ = try BinarySnapshot.decode(bytes, workers: workers)
            return "no error"
        } catch {
            return error.description
        }
    }

    /// No worker (the decoding thread does everything), one, and more than there are cores.
    static let workerCounts: [Int?] = [0, 1, 3, nil]

    @Test("a state of many blocks in both streams reads back exactly, and again and again")
    func manyBlocks() throws {
        let state: StateValue = [
            "floats": .array((0..<400_000).map { .float(Double($0) * 1.1e-3 - 7) }),
            "labels": .array((0..<60_000).map { .string(StateString("a label longer than the sixty-four bytes a reader interns, number \($0)")) }),
            "rows": .array((0..<20_000).map { ["id": .int(Int64($0) << 20), "name": .string(StateString("row \($0) of many")), "ok": .bool($0 % 3 == 0)] }),
        ]
        let bytes = try BinarySnapshot.encode(state)
        let header = try BinarySnapshot.header(of: bytes)
        #expect(header.treeBytes > 3 << 20 && header.floatBytes > 3 << 20, "\(header)")
        for workers in Self.workerCounts {
            for _ in 0..<2 { #expect(try BinarySnapshot.decode(bytes, workers: workers) == state, "\(String(describing: workers)) workers") }
        }
    }

    @Test("a block that fails to inflate is reported before what the decoder met first; a damaged checksum before both")
    func errorOrder() {
        // Block 0 starts with an unknown tag, which the decoder meets at once; block 2 is not zlib
        // data. A sequential load inflates every block before decoding: the zlib error wins.
        let first: [UInt8] = [0xEE] + Array(repeating: 0, count: 99)
        let blocks: [(method: UInt8, bytes: [UInt8], size: Int)] = [
            (0, first, 100), (0, Array(repeating: 0, count: 100), 100), (1, Array(repeating: 0xFF, count: 40), 100),
        ]
        let bytes = Self.file(treeBlocks: blocks)
        for workers in Self.workerCounts {
            for _ in 0..<5 { #expect(Self.message(bytes, workers: workers).hasPrefix("zlib: block 2 (tree stream): corrupt compressed data")) }
        }
        // Two bad blocks: the lower-numbered one is reported, whichever thread met it first.
        let twoBad = Self.file(treeBlocks: [blocks[0], (1, Array(repeating: 0xFF, count: 40), 100), blocks[1], blocks[2]])
        for workers in Self.workerCounts {
            for _ in 0..<5 { #expect(Self.message(twoBad, workers: workers).hasPrefix("zlib: block 1 (tree stream): corrupt compressed data")) }
        }
        // Without the bad block, the decoder's own error stands.
        let readable = Self.file(treeBlocks: Array(blocks.prefix(2)))
        #expect(Self.message(readable) == "malformed at byte 0: unknown tag 0xee")
        // Any byte changed after the checksum was computed: the checksum is what is wrong.
        var damaged = bytes
        damaged[damaged.count - 20] ^= 1
        #expect(Self.message(damaged).hasPrefix("checksum mismatch: the file is corrupt"))
        var damagedTable = readable
        damagedTable[68] ^= 0x40  // block 0's inflated size: the table no longer adds up
        #expect(Self.message(damagedTable).hasPrefix("checksum mismatch: the file is corrupt"))
    }
}
