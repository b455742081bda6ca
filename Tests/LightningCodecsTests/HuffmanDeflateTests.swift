import Foundation
@testable import LightningCodecs
import LightningTestSupport
import Testing

/// The Huffman-only deflate the float planes and number-heavy tree blocks are written with: zlib
/// reads back every byte, the size is known before coding, the codes are always ones inflate takes,
/// and a block's regions of unlike bytes get codes of their own.
@Suite("Huffman-only deflate")
struct HuffmanDeflateTests {
    /// Inflates `stream` with zlib, expecting `count` bytes.
    private static func inflated(_ stream: [UInt8], count: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        try stream.withUnsafeBufferPointer { input in
            try output.withUnsafeMutableBufferPointer { try Zlib.inflate(input, into: $0) }
        }
        return output
    }

    private static func compressed(_ bytes: [UInt8]) -> (stream: [UInt8], size: Int) {
        bytes.withUnsafeBufferPointer { input in (HuffmanDeflate.compress(input), HuffmanDeflate.streamSize(input)) }
    }

    /// The sum of 2^-length over the coded symbols: 1 for a complete prefix code.
    private static func kraftSum(_ lengths: [UInt8]) -> Double {
        lengths.filter { $0 > 0 }.reduce(0) { $0 + 1 / Double(1 << Int($1)) }
    }

    /// Blocks of every kind of byte distribution, from no bytes to noise.
    static let blocks: [(name: String, bytes: [UInt8])] = {
        var random = SeededRandom(seed: 7)
        var blocks: [(String, [UInt8])] = [("empty", []), ("one byte", [42]), ("one value", [UInt8](repeating: 0, count: 5_000))]
        blocks.append(("two values", (0..<10_000).map { _ in random.next() % 3 == 0 ? 0xFF : 0x01 }))
        blocks.append(("noise", (0..<(1 << 16)).map { _ in UInt8(truncatingIfNeeded: random.next()) }))
        blocks.append(("every value once", (0..<256).map { UInt8($0) }))
        blocks.append(("geometric", (0..<100_000).map { _ in UInt8(min(255, (random.next() | 1 << 63).trailingZeroBitCount * 7)) }))
        // Fibonacci counts make Huffman codes as deep as there are symbols: 24 of them need the
        // lengths cut to 15.
        var fibonacci: [UInt8] = []
        var (a, b) = (1, 1)
        for symbol in 0..<24 {
            fibonacci += [UInt8](repeating: UInt8(symbol * 10), count: a)
            (a, b) = (b, a + b)
        }
        blocks.append(("Fibonacci counts", fibonacci))
        blocks.append(("sign and exponent bytes", (0..<(1 << 20)).map { _ in UInt8(0x3F + random.next() % 3) }))
        return blocks
    }()

    @Test("zlib inflates every block back to its bytes, and the stream is the size computed before coding", arguments: blocks.map(\.name))
    func roundTrip(_ name: String) throws {
        let bytes = try #require(Self.blocks.first { $0.name == name }).bytes
        let (stream, size) = Self.compressed(bytes)
        #expect(stream.count == size)
        #expect(try Self.inflated(stream, count: bytes.count) == bytes)
        // Asked for at most its size, the stream comes; for a byte less, nothing.
        bytes.withUnsafeBufferPointer { input in
            #expect(HuffmanDeflate.compress(input, atMost: size) == stream)
            #expect(HuffmanDeflate.compress(input, atMost: size - 1) == nil)
        }
    }

    @Test("the codes are complete and within deflate's limits: 15 bits for the bytes, 7 for the lengths", arguments: blocks.map(\.name))
    func completeCodes(_ name: String) throws {
        let bytes = try #require(Self.blocks.first { $0.name == name }).bytes
        let code = bytes.withUnsafeBufferPointer { HuffmanDeflate.Code(counts: HuffmanDeflate.counts($0)) }
        #expect(code.lengths.count == 257 && code.lengths.allSatisfy { $0 <= 15 })
        #expect(code.lengths[256] > 0, "the end of the block has a code")
        #expect(Self.kraftSum(code.lengths) == 1)
        #expect(code.lengthCodeLengths.count == 19 && code.lengthCodeLengths.allSatisfy { $0 <= 7 })
        #expect(Self.kraftSum(code.lengthCodeLengths) == 1)
        // Every byte that occurs has a code.
        for value in Set(bytes) { #expect(code.lengths[Int(value)] > 0) }
    }

    @Test("lengths cut to a limit stay a complete code and keep the more frequent symbols no longer than the rarer")
    func limitedLengths() {
        var fibonacci = [1, 1]
        while fibonacci.count < 20 { fibonacci.append(fibonacci[fibonacci.count - 1] + fibonacci[fibonacci.count - 2]) }
        for limit in [7, 9, 15] {
            let lengths = HuffmanDeflate.lengths(fibonacci, limit: limit)
            #expect(lengths.max() == UInt8(limit))
            #expect(Self.kraftSum(lengths) == 1)
            for index in 1..<lengths.count { #expect(lengths[index] <= lengths[index - 1]) }
        }
        // Without cutting, Huffman's lengths: the Fibonacci code is a chain 19 deep.
        #expect(HuffmanDeflate.lengths(fibonacci, limit: 30).max() == 19)
        #expect(HuffmanDeflate.lengths([0, 0, 5, 0], limit: 15) == [1, 0, 1, 0])
        #expect(HuffmanDeflate.lengths([0, 0, 0], limit: 15) == [1, 1, 0])
    }

    @Test("the code costs no more than a bit a byte above the bytes' entropy")
    func nearEntropy() throws {
        var random = SeededRandom(seed: 11)
        let bytes = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: (random.next() % 97) * (random.next() % 3)) }
        let counts = bytes.withUnsafeBufferPointer(HuffmanDeflate.counts)
        let code = HuffmanDeflate.Code(counts: counts)
        let total = Double(bytes.count)
        let entropyBits = counts.filter { $0 > 0 }.reduce(0.0) { $0 + Double($1) * log2(total / Double($1)) }
        let codedBits = counts.enumerated().reduce(0) { $0 + $1.element * Int(code.lengths[$1.offset]) }
        #expect(Double(codedBits) >= entropyBits)
        #expect(Double(codedBits) <= entropyBits + total)
        // The block is the coded bytes and a few hundred bytes of header.
        #expect(code.blockBits <= codedBits + 300 * 8)
    }

    @Test("seeded random distributions round-trip through zlib")
    func randomDistributions() throws {
        var random = SeededRandom(seed: 23)
        for _ in 0..<40 {
            let distinct = Int(random.next() % 256) + 1
            let skew = Int(random.next() % 8)
            let count = Int(random.next() % 50_000)
            let bytes = (0..<count).map { _ in UInt8((random.next() >> UInt64(skew)) % UInt64(distinct)) }
            let (stream, size) = Self.compressed(bytes)
            #expect(stream.count == size)
            #expect(try Self.inflated(stream, count: bytes.count) == bytes)
        }
    }

    /// A block made of regions, each drawn from its own distribution: `regions` of (length,
    /// distinct values, lowest value, noise).
    private static func regions(_ regions: [(count: Int, distinct: Int, base: Int)], seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return regions.flatMap { region in
            (0..<region.count).map { _ in UInt8(truncatingIfNeeded: region.base + Int(random.next() % UInt64(region.distinct))) }
        }
    }

    @Test("regions of unlike bytes get codes of their own, as if each were a block of its own")
    func codePerRegion() throws {
        // Two byte planes of a float block, meeting at a piece's edge: two values, then four others.
        let bytes = Self.regions([(5 << 16, 2, 0), (11 << 16, 4, 200)], seed: 5)
        let (stream, size) = Self.compressed(bytes)
        #expect(stream.count == size)
        #expect(try Self.inflated(stream, count: bytes.count) == bytes)
        func code(_ range: Range<Int>) -> HuffmanDeflate.Code {
            HuffmanDeflate.Code(counts: bytes.withUnsafeBufferPointer { HuffmanDeflate.counts(UnsafeBufferPointer(rebasing: $0[range])) })
        }
        let (first, second, whole) = (code(0..<(5 << 16)), code((5 << 16)..<bytes.count), code(0..<bytes.count))
        #expect(size == 2 + (first.blockBits + second.blockBits + 7) / 8 + 4)
        #expect(size < 2 + whole.blockBits / 8 * 9 / 10)
    }

    @Test("bytes a code cannot shrink are stored beside the ones it can, at little more than their size")
    func storedRegions() throws {
        // Noise between two planes of three values: the noise stays its size (5 bytes a stored
        // block of up to 65,535), the rest is coded in under 2 bits a byte.
        let bytes = Self.regions([(200_000, 3, 60), (400_000, 256, 0), (200_000, 3, 60)], seed: 9)
        let (stream, size) = Self.compressed(bytes)
        #expect(stream.count == size)
        #expect(try Self.inflated(stream, count: bytes.count) == bytes)
        #expect(size <= 400_000 + 400_000 * 2 / 8 + 16 * 1_024 + 2_000)
        // All noise: stored blocks, and only their headers added.
        let noise = Self.regions([(200_000, 256, 0)], seed: 3)
        let (noiseStream, noiseSize) = Self.compressed(noise)
        #expect(noiseSize == 2 + 200_000 + 4 * 5 + 4)
        #expect(try Self.inflated(noiseStream, count: noise.count) == noise)
        // Exactly two stored blocks' worth, and one byte more: a third block.
        for count in [2 * 65_535, 2 * 65_535 + 1] {
            let exact = Self.regions([(count, 256, 0)], seed: 4)
            let (stream, size) = Self.compressed(exact)
            #expect(size == 2 + count + (count > 2 * 65_535 ? 3 : 2) * 5 + 4)
            #expect(try Self.inflated(stream, count: count) == exact)
        }
    }

    @Test("seeded random blocks of many regions round-trip through zlib, at the size computed before coding")
    func randomRegions() throws {
        var random = SeededRandom(seed: 31)
        for seed in 0..<30 {
            let regions = (0..<Int(random.next() % 6 + 1)).map { _ in
                (count: Int(random.next() % 150_000), distinct: Int(random.next() % 256) + 1, base: Int(random.next() % 256))
            }
            let bytes = Self.regions(regions, seed: UInt64(seed))
            let (stream, size) = Self.compressed(bytes)
            #expect(stream.count == size)
            #expect(try Self.inflated(stream, count: bytes.count) == bytes)
            // Never more than storing it all: at most 6 bytes a stored block, and a block might
            // end at every piece.
            let blocks = HuffmanDeflate.Plan.storedBlocks(bytes.count) + bytes.count / HuffmanDeflate.pieceSize + 1
            #expect(size <= 2 + bytes.count + 6 * blocks + 4)
        }
    }
}
