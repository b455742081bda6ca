@testable import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

@Suite("Binary snapshots")
struct BinarySnapshotTests {
    static func snapshot(_ state: StateValue) throws -> [UInt8] {
        try BinarySnapshot.encode(state)
    }

    static func message(_ bytes: [UInt8], options: BinarySnapshot.Options = .init()) -> String? {
        do {
            _ = try BinarySnapshot.decode(bytes, options: options)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("every JSON fixture goes JSON → binary → JSON without loss", arguments: [
        "python_cases.json", "python_cases.pretty.json", "python_cases.sorted.json", "python_cases.utf8.json", "deep_200.json",
        "duplicate_keys.json",
    ])
    func fixtures(name: String) throws {
        let state = try JSONReader.read(try Fixtures.bytes(name))
        let back = try BinarySnapshot.decode(try Self.snapshot(state))
        #expect(back == state)
        #expect(JSONWriter.write(back) == JSONWriter.write(state))
    }

    @Test("seeded random trees round-trip, on one thread and on many")
    func randomTrees() throws {
        var random = SeededRandom(seed: 99)
        for _ in 0..<300 {
            let tree = RandomState.value(using: &random)
            let one = try BinarySnapshot.encode(tree, threads: 1)
            #expect(try BinarySnapshot.decode(one) == tree)
            #expect(try BinarySnapshot.encode(tree, threads: 4) == one)
        }
    }

    @Test("packed arrays keep every float bit and every int")
    func packedArrays() throws {
        var random = SeededRandom(seed: 5)
        let floats = StateValue.array((0..<10_000).map { _ in .float(Double(bitPattern: random.next())) } + RandomState.specialDoubles.map(StateValue.float))
        let ints = StateValue.array((0..<1_000).map { _ in .int(Int64(bitPattern: random.next())) } + [.int(.min), .int(.max), .int(0)])
        let mixed: StateValue = [1, 2.0, 3, 4.0, "x"]
        for value in [floats, ints, mixed, [[1.5, 2.5, 3.5, 4.5], [1, 2, 3, 4]]] as [StateValue] {
            #expect(try BinarySnapshot.decode(try Self.snapshot(value)) == value)
        }
    }

    @Test("the same state gives the same bytes; a large one spans several compressed blocks")
    func deterministicAndBlocked() throws {
        var random = SeededRandom(seed: 11)
        let big = StateValue.object(StateObject(uniqueKeysWithValues: (0..<300).map { index in
            (StateString("work_\(index)"), ["series": .array((0..<1_000).map { _ in .float(Double(random.next() >> 11) * 0x1p-53) }), "name": "w"] as StateValue)
        }))
        let first = try Self.snapshot(big)
        #expect(try Self.snapshot(big) == first)
        let header = try BinarySnapshot.header(of: first)
        #expect(header.blockCount >= 3)
        #expect(header.floatBytes == 300 * 1_000 * 8)
        #expect(!header.isDelta)
        #expect(try BinarySnapshot.decode(first) == big)
        #expect(first.count < JSONWriter.write(big).count / 2)
    }

    @Test("the floors: a load's checks, CRC and inflation alone, and a save's compression alone, give the file's streams and blocks")
    func floors() throws {
        var random = SeededRandom(seed: 12)
        let big = StateValue.object(StateObject(uniqueKeysWithValues: (0..<300).map { index in
            (StateString("work_\(index)"), ["series": .array((0..<1_000).map { _ in .float(Double(random.next() >> 11) * 0x1p-53) }), "name": "w"] as StateValue)
        }))
        let file = try BinarySnapshot.encode(big, threads: 1)
        let header = try BinarySnapshot.header(of: file)
        let streams = try BinarySnapshot.inflateStreams(file, parallel: false)
        #expect(streams.tree.count == header.treeBytes && streams.floats.count == header.floatBytes)
        #expect(try BinarySnapshot.inflateStreams(file, parallel: true) == streams)
        let blocks = try BinarySnapshot.compressStreams(tree: streams.tree, floats: streams.floats, parallel: true)
        #expect(blocks.count == header.blockCount)
        #expect(try BinarySnapshot.compressStreams(tree: streams.tree, floats: streams.floats, parallel: false) == blocks)
        // The blocks are the file's own: the writer's cut and choices.
        #expect(blocks.reduce(0) { $0 + $1.count } == file.count - 64 - 12 * header.blockCount - 8)
        var damaged = file
        damaged[100] ^= 1
        #expect(throws: SnapshotError.self) { try BinarySnapshot.inflateStreams(damaged, parallel: false) }
    }

    @Test("blocks are cut at every MiB of each stream while encoding, whatever write crosses the cut")
    func blocksCutWhileEncoding() throws {
        var random = SeededRandom(seed: 23)
        // Many small writes crossing cuts, a float array whose planes cross a cut of the float
        // stream, and last a string longer than two blocks (one write crossing two cuts).
        let long = StateString(String((0..<2_500_000).map { _ in Character(Unicode.Scalar(UInt8(97 + random.next() % 26))) }))
        let labels = StateValue.array((0..<150_000).map { _ in .string(StateString("label-\(random.next() % 1_000_000)")) })
        let series = StateValue.array((0..<200_000).map { _ in .float(Double(random.next() >> 11) * 0x1p-53) })
        let state: StateValue = ["labels": labels, "series": series, "flags": [1, "end", true], "long": .string(long)]
        let one = try BinarySnapshot.encode(state, threads: 1)
        #expect(try BinarySnapshot.encode(state, threads: 4) == one)
        #expect(try BinarySnapshot.decode(one) == state)
        let header = try BinarySnapshot.header(of: one)
        let blocks = { (bytes: Int) in (bytes + (1 << 20) - 1) >> 20 }
        #expect(header.treeBytes > 3 << 20)
        #expect(header.floatBytes == 1_600_000)
        #expect(header.blockCount == blocks(header.treeBytes) + blocks(header.floatBytes))
    }

    @Test("a float block of noise is stored without being coded; one that Huffman coding shrinks by 2 % or more is compressed")
    func floatBlocksOfNoise() throws {
        var random = SeededRandom(seed: 31)
        let noise = (0..<(1 << 16)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        // Sign and exponent bytes of values of one scale: a handful of distinct bytes.
        let exponents = (0..<(1 << 16)).map { _ in UInt8(0x3F + random.next() % 3) }
        // Mostly noise, with a tenth of zeros: still worth more than 2 %.
        let sparse = noise.enumerated().map { $0.offset % 10 == 0 ? 0 : $0.element }
        let method = { (bytes: [UInt8]) in try BlockCompressor.compress(bytes, stream: .floats).get().method }
        #expect(try method(noise) == .stored)
        #expect(try method(exponents) == .zlib)
        #expect(try method(sparse) == .zlib)

        // Random doubles: their six low planes are stored, the sign-and-exponent planes coded, and
        // the file is smaller than the raw floats.
        let series = StateValue.array((0..<400_000).map { _ in .float(Double(random.next() >> 11) * 0x1p-53 * 100) })
        let file = try BinarySnapshot.encode(series)
        #expect(file.count < 400_000 * 8 * 15 / 16)
        #expect(try BinarySnapshot.decode(file) == series)
    }

    @Test("repeated keys and short strings are stored once")
    func interning() throws {
        let work: StateValue = ["vars": ["_host": "127.0.0.1", "counter": 1], "calls": [:], "changes": [:]]
        let one = try Self.snapshot(["works": ["a": work]])
        let many = try Self.snapshot(["works": .object(StateObject(uniqueKeysWithValues: (0..<1_000).map { (StateString("w\($0)"), work) }))])
        let uncompressed = try BinarySnapshot.header(of: many).treeBytes
        #expect(uncompressed < 1_000 * 25)  // about 22 bytes per work, its own name included; its JSON is about 80
        #expect(many.count > one.count)
    }

    @Test("hundreds of thousands of distinct labels round-trip exactly, repeated ones still by reference, the same bytes every time")
    func manyDistinctStrings() throws {
        var random = SeededRandom(seed: 7)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789_é")
        let labels: [StateValue] = (0..<300_000).map { _ in
            .string(StateString(String((0..<Int.random(in: 0...70, using: &random)).map { _ in alphabet.randomElement(using: &random)! })))
        }
        // Keys that repeat throughout, after the cache has grown and forgotten.
        let rows: [StateValue] = stride(from: 0, to: labels.count, by: 3).map { index in
            ["label": labels[index], "next": labels[min(index + 1, labels.count - 1)], "status": "running", "other": labels[min(index + 2, labels.count - 1)]]
        }
        let state: StateValue = ["rows": .array(rows)]
        let bytes = try Self.snapshot(state)
        #expect(try BinarySnapshot.decode(bytes) == state)
        #expect(try Self.snapshot(state) == bytes)
        // "label", "next", "status", "other" and "running" are references after their first use:
        // each row's tree costs its three literals and about 5 bytes besides.
        let literals = rows.count * 3
        let treeBytes = try BinarySnapshot.header(of: bytes).treeBytes
        let labelBytes = labels.reduce(0) { $0 + ($1.stringValue?.wtf8Count ?? 0) }
        #expect(treeBytes < labelBytes + literals * 2 + rows.count * 10)
    }

    @Test("a tree block is deflated with string matching when it repeats, with Huffman coding alone when it does not")
    func treeBlockEffort() throws {
        var random = SeededRandom(seed: 3)
        let noise = (0..<(256 << 10)).map { _ in UInt8.random(in: 0...63, using: &random) }
        let text = Array(String(repeating: "step 12 loss 0.25 lr 0.001 status running\n", count: 6_000).utf8)
        func effort(_ bytes: [UInt8]) throws -> Zlib.Effort {
            try bytes.withUnsafeBufferPointer { block in
                let (effort, compressed) = try Zlib.compressTreeBlock(block)
                // Whatever was chosen, the block inflates back whole.
                var back = [UInt8](repeating: 0, count: block.count)
                try compressed.withUnsafeBufferPointer { input in try back.withUnsafeMutableBufferPointer { try Zlib.inflate(input, into: $0) } }
                #expect(back.elementsEqual(block))
                return effort
            }
        }
        #expect(try effort(noise) == .huffmanOnly)
        #expect(try effort(text) == .fast)
        // No larger than the sample: the sample's chosen output is the block's.
        #expect(try effort(Array(noise.prefix(Zlib.sampleSize))) == .huffmanOnly)
        #expect(try effort(Array(text.prefix(Zlib.sampleSize / 2))) == .fast)
        // Too small to sample: string matching, as before.
        #expect(try effort(Array(noise.prefix(100))) == .fast)
    }

    @Test("foreign, truncated and corrupt bytes each get one precise error")
    func damaged() throws {
        let good = try Self.snapshot(["vars": ["x": 1.5, "s": "text"], "list": [1, 2, 3, 4, 5]])
        #expect(Self.message(Array("{\"vars\": {}}".utf8)) == "not a binary snapshot (no snapshot signature)")
        #expect(Self.message([]) == "not a binary snapshot (no snapshot signature)")
        #expect(Self.message(Array(good.prefix(20))) == "truncated: the file is 20 bytes, shorter than the 72 of an empty snapshot")
        #expect(Self.message(Array(good.dropLast(3))) == "no end signature: the file was cut short, damaged, or has bytes after its end")
        #expect(Self.message(good + [0]) == "no end signature: the file was cut short, damaged, or has bytes after its end")
        var flipped = good
        flipped[70] ^= 0x40
        #expect(Self.message(flipped)?.hasPrefix("checksum mismatch: the file is corrupt (stored 0x") == true)
        // A newer build's file, whose checksum holds; and a damaged version byte, whose checksum does not.
        var future = good
        future[8] = 9
        #expect(Self.message(SnapshotDecoderTests.resealed(future)) == "snapshot format version 9 is not supported (this build reads versions 1, 2 and 3)")
        #expect(Self.message(future) == "snapshot format version 9 is not supported (this build reads versions 1, 2 and 3), and its checksum does not match: the file is damaged (a newer build's file would pass it)")
        #expect(Self.message(good) == nil)
    }

    @Test("every single-byte corruption and every truncation is an error, never a trap")
    func exhaustiveDamage() throws {
        let good = try Self.snapshot(["a": [1.0, 2.0, 3.0, 4.0], "b": "x", "c": ["d": .null]])
        for index in good.indices {
            var damaged = good
            damaged[index] ^= 0xFF
            #expect(Self.message(damaged) != nil, "byte \(index)")
            #expect(Self.message(Array(good.prefix(index))) != nil, "prefix \(index)")
        }
    }

    @Test("a block claiming more than zlib can inflate is refused before any allocation")
    func zipBomb() throws {
        // A valid, checksummed file whose single block claims 4 GB from a few bytes.
        let good = try Self.snapshot(["x": 1])
        var forged = Array(good.dropLast(8))
        let entry = 64
        forged[entry + 4..<entry + 8] = [0xFF, 0xFF, 0xFF, 0xF0][...]
        forged[32..<40] = [0xFF, 0xFF, 0xFF, 0xF0, 0, 0, 0, 0][...]
        let crc = forged.withUnsafeBufferPointer(Zlib.crc32)
        forged += withUnsafeBytes(of: crc.littleEndian, Array.init) + [0x4C, 0x43, 0x4B, 0x45]
        #expect(Self.message(forged)?.hasPrefix("malformed at byte 64: block 0 claims 4043309055 bytes from ") == true)
    }

    @Test("limits on depth, nodes and size are errors")
    func limits() throws {
        var deep: StateValue = 1
        for _ in 0..<50 { deep = [deep] }
        let bytes = try Self.snapshot(deep)
        #expect(Self.message(bytes, options: .init(maxDepth: 10))?.hasPrefix("over a limit: nesting deeper than 10 levels") == true)
        #expect(Self.message(bytes, options: .init(maxNodeCount: 20)) == "over a limit: more than 20 nodes")
        #expect(Self.message(bytes, options: .init(maxDecompressedBytes: 10))?.hasPrefix("over a limit: the streams inflate to ") == true)
        #expect(Self.message(bytes) == nil)
        // Counted alike in a list of strings read as places: the list, then each string.
        let strings = try Self.snapshot(.array(StateArray((0..<30).map { .string(StateString("s\($0 % 7)")) })))
        #expect(Self.message(strings, options: .init(maxNodeCount: 20)) == "over a limit: more than 20 nodes")
        #expect(Self.message(strings, options: .init(maxNodeCount: 31)) == nil)
        let mixed = try Self.snapshot(.array(StateArray((0..<30).map { $0 % 2 == 0 ? .string(StateString("s\($0 % 7)")) : .int(Int64($0)) })))
        #expect(Self.message(mixed, options: .init(maxNodeCount: 20)) == "over a limit: more than 20 nodes")
        #expect(Self.message(mixed, options: .init(maxNodeCount: 31)) == nil)
    }

    @Test("content, not the name, tells the formats apart")
    func signature() throws {
        #expect(BinarySnapshot.hasSignature(try Self.snapshot([:])))
        #expect(!BinarySnapshot.hasSignature(Array("{}".utf8)))
        #expect(!BinarySnapshot.hasSignature([0x89, 0x50, 0x4E, 0x47]))  // PNG
    }
}
