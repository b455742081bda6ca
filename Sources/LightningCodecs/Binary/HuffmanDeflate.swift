#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deflate by Huffman coding alone, for the blocks where string matching does not pay: the byte
/// planes of floats, and tree blocks of numbers and distinct labels.
///
/// The output is an ordinary zlib stream (RFC 1950) of deflate blocks (RFC 1951), so any inflater
/// reads it and the snapshot format is unchanged. The input is counted in pieces of 16 KiB, and a
/// run of pieces whose bytes are alike shares one dynamic Huffman code: a new code starts where
/// the bytes change enough to pay for its header (the end of one float byte plane and the start
/// of the next, a region of other values), and a run the code cannot shrink is stored as it is.
/// zlib's own `Z_HUFFMAN_ONLY` does a similar job about four times slower: it records each byte as
/// a symbol and builds a code for every 16 Ki of them. Here the stream's exact size is known from
/// the byte counts before a bit is written (so a caller can refuse a stream that would not shrink
/// enough without coding it), and the bytes are written through a 64-bit buffer, two codes at a time.
package enum HuffmanDeflate {
    /// The longest code deflate allows for literals.
    static let longestCode = 15
    /// The longest code deflate allows in the code that sends the code lengths.
    static let longestLengthCode = 7
    /// The bytes counted together: a code covers whole pieces (the input's last may be shorter).
    static let pieceSize = 1 << 14
    /// The most bytes one stored deflate block holds.
    static let storedBlockLimit = 65_535
    /// What a new code's header is taken to cost when deciding whether a piece starts one: about
    /// the header of a code for all 256 byte values (one for a few values takes half), so a new
    /// code starts only where it surely pays.
    static let estimatedHeaderBits = 1_000.0
    /// The order in which deflate sends the code-length code's lengths (RFC 1951, 3.2.7).
    private static let lengthCodeOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    /// The literal/length symbol that ends a block.
    private static let endOfBlock = 256

    /// `input` as a zlib stream.
    package static func compress(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        Plan(input).stream(of: input)
    }

    /// `input` as a zlib stream when that is at most `limit` bytes; else `nil`, known from the
    /// bytes' counts without coding them.
    package static func compress(_ input: UnsafeBufferPointer<UInt8>, atMost limit: Int) -> [UInt8]? {
        let plan = Plan(input)
        return plan.streamSize <= limit ? plan.stream(of: input) : nil
    }

    /// The size of ``compress(_:)``'s stream for `input`, from the bytes' counts alone.
    package static func streamSize(_ input: UnsafeBufferPointer<UInt8>) -> Int {
        Plan(input).streamSize
    }

    /// How often each byte value occurs in `input`.
    static func counts(_ input: UnsafeBufferPointer<UInt8>) -> [Int] {
        // Four tables, summed at the end: a run of equal bytes then updates four counters in turn
        // instead of waiting on one.
        var tables = [Int](repeating: 0, count: 4 * 256)
        tables.withUnsafeMutableBufferPointer { tables in
            let counts = tables.baseAddress!
            var index = 0
            while index &+ 4 <= input.count {
                counts[Int(input[index])] &+= 1
                counts[256 &+ Int(input[index &+ 1])] &+= 1
                counts[512 &+ Int(input[index &+ 2])] &+= 1
                counts[768 &+ Int(input[index &+ 3])] &+= 1
                index &+= 4
            }
            while index < input.count {
                counts[Int(input[index])] &+= 1
                index &+= 1
            }
        }
        return (0..<256).map { tables[$0] + tables[256 + $0] + tables[512 + $0] + tables[768 + $0] }
    }

    /// The bits an ideal code would spend on bytes occurring `counts` times: their entropy.
    static func entropyBits(_ counts: [Int]) -> Double {
        var total = 0
        var sum = 0.0
        for count in counts where count > 0 {
            total += count
            let count = Double(count)
            sum += count * log2(count)
        }
        return total == 0 ? 0 : Double(total) * log2(Double(total)) - sum
    }

    /// How a stream is cut into deflate blocks, each Huffman-coded with a code of its own or
    /// stored, and the size of the zlib stream they make.
    struct Plan {
        /// One deflate block: a range of the input and its code, or `nil` for bytes stored.
        /// (Stored bytes are written as deflate blocks of at most ``storedBlockLimit`` bytes.)
        struct Block {
            let range: Range<Int>
            let code: Code?
        }

        let blocks: [Block]
        /// The bytes of the zlib stream: header, blocks and Adler-32.
        let streamSize: Int

        /// The plan for `input`: pieces are joined while one code for both costs less than a
        /// header more than a code for each, by their entropy; then each run gets its exact code,
        /// or is stored when that code would not make it smaller.
        init(_ input: UnsafeBufferPointer<UInt8>) {
            var runs: [(range: Range<Int>, counts: [Int], bits: Double)] = []
            for start in stride(from: 0, to: input.count, by: pieceSize) {
                let range = start..<min(input.count, start + pieceSize)
                let counts = HuffmanDeflate.counts(UnsafeBufferPointer(rebasing: input[range]))
                let bits = entropyBits(counts)
                if let last = runs.last {
                    let joined = zip(last.counts, counts).map(+)
                    let joinedBits = entropyBits(joined)
                    if joinedBits <= last.bits + bits + estimatedHeaderBits {
                        runs[runs.count - 1] = (last.range.lowerBound..<range.upperBound, joined, joinedBits)
                        continue
                    }
                }
                runs.append((range, counts, bits))
            }
            if runs.isEmpty { runs.append((0..<0, [Int](repeating: 0, count: 256), 0)) }

            blocks = runs.map { run in
                let code = Code(counts: run.counts)
                // A stored block's bits, aligned at the worst.
                let storedBits = 8 * run.range.count + Plan.storedBlocks(run.range.count) * (3 + 7 + 32)
                return Block(range: run.range, code: storedBits < code.blockBits ? nil : code)
            }
            // The zlib header, each block (a stored one starts at a byte), the Adler-32.
            var bits = 16
            for block in blocks {
                if let code = block.code {
                    bits += code.blockBits
                } else {
                    // The first stored block's 3 header bits and the padding to a byte; each
                    // later one's header, a byte of its own; each one's length and its complement.
                    let pieces = Plan.storedBlocks(block.range.count)
                    bits = (bits + 3 + 7) / 8 * 8 + (pieces - 1) * 8
                    bits += pieces * 32 + 8 * block.range.count
                }
            }
            streamSize = (bits + 7) / 8 + 4
        }

        /// How many stored deflate blocks hold `count` bytes (one, if there are none).
        static func storedBlocks(_ count: Int) -> Int {
            max(1, (count + storedBlockLimit - 1) / storedBlockLimit)
        }

        /// `input`, which this plan was made for, as a zlib stream of ``streamSize`` bytes.
        func stream(of input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
            // The writer puts down only the bits counted in `streamSize` (its 32-bit spills hold
            // written bits alone); the slack is a margin, never written.
            [UInt8](unsafeUninitializedCapacity: streamSize + 8) { output, written in
                var writer = BitWriter(output.baseAddress!)
                writer.bytes(0x78, 0x01)  // deflate, 32 KiB window, fastest level; the check bits
                for (index, block) in blocks.enumerated() {
                    let bytes = UnsafeBufferPointer(rebasing: input[block.range])
                    let isLast = index == blocks.count - 1
                    if let code = block.code {
                        HuffmanDeflate.write(bytes, with: code, isLast: isLast, to: &writer)
                    } else {
                        HuffmanDeflate.store(bytes, isLast: isLast, to: &writer)
                    }
                }
                writer.alignToByte()
                let adler = Zlib.adler32(input)
                writer.bytes(UInt8(adler >> 24), UInt8(truncatingIfNeeded: adler >> 16))
                writer.bytes(UInt8(truncatingIfNeeded: adler >> 8), UInt8(truncatingIfNeeded: adler))
                written = writer.written(from: output.baseAddress!)
                precondition(written == streamSize, "the stream's size was computed wrong")
            }
        }
    }

    /// The Huffman code of one deflate block: its literal code (the 256 byte values and the end
    /// of the block), the code that sends those lengths, and the bits of the block they make.
    struct Code {
        /// Bits of each literal/length symbol's code, 0 for none: bytes 0–255, then the end of block.
        let lengths: [UInt8]
        /// Bits of each code-length symbol's code (0–15; no runs are sent).
        let lengthCodeLengths: [UInt8]
        /// The bits of the block: its header, the code lengths, the bytes and the end of block.
        let blockBits: Int

        /// The code for bytes occurring `counts` times (256 values).
        init(counts: [Int]) {
            var frequencies = counts
            frequencies.append(1)  // the end of the block
            lengths = HuffmanDeflate.lengths(frequencies, limit: HuffmanDeflate.longestCode)
            // The lengths sent: the 257 literal/length codes, then one distance code of zero bits.
            var lengthFrequencies = [Int](repeating: 0, count: 16)
            for length in lengths { lengthFrequencies[Int(length)] += 1 }
            lengthFrequencies[0] += 1
            lengthCodeLengths = HuffmanDeflate.lengths(lengthFrequencies, limit: HuffmanDeflate.longestLengthCode) + [0, 0, 0]
            // BFINAL, BTYPE, HLIT, HDIST, HCLEN; 19 lengths of 3 bits; the 258 lengths; the data.
            var bits = 3 + 5 + 5 + 4 + 19 * 3
            for length in 0..<16 { bits += lengthFrequencies[length] * Int(lengthCodeLengths[length]) }
            for (symbol, count) in frequencies.enumerated() { bits += count * Int(lengths[symbol]) }
            blockBits = bits
        }
    }

    /// Writes `input`, whose bytes occur as often as `code` was built for, as a deflate block
    /// with that code.
    private static func write(_ input: UnsafeBufferPointer<UInt8>, with code: Code, isLast: Bool, to writer: inout BitWriter) {
        let literals = codes(code.lengths)
        let lengthCodes = codes(code.lengthCodeLengths)
        writer.bits(isLast ? 1 : 0, width: 1)
        writer.bits(2, width: 2)  // dynamic Huffman codes
        writer.bits(UInt64(literals.count - 257), width: 5)
        writer.bits(0, width: 5)  // one distance code
        writer.bits(UInt64(lengthCodeOrder.count - 4), width: 4)
        for symbol in lengthCodeOrder { writer.bits(UInt64(code.lengthCodeLengths[symbol]), width: 3) }
        for length in code.lengths + [0] { writer.code(lengthCodes[Int(length)]) }
        literals.withUnsafeBufferPointer { table in
            let table = table.baseAddress!
            var index = 0
            while index &+ 2 <= input.count {
                writer.pair(table[Int(input[index])], table[Int(input[index &+ 1])])
                index &+= 2
            }
            if index < input.count { writer.code(table[Int(input[index])]) }
        }
        writer.code(literals[endOfBlock])
    }

    /// Writes `input` as stored deflate blocks, each starting at a byte.
    private static func store(_ input: UnsafeBufferPointer<UInt8>, isLast: Bool, to writer: inout BitWriter) {
        let pieces = Plan.storedBlocks(input.count)
        for piece in 0..<pieces {
            let range = piece * storedBlockLimit..<min(input.count, (piece + 1) * storedBlockLimit)
            writer.bits(isLast && piece == pieces - 1 ? 1 : 0, width: 1)
            writer.bits(0, width: 2)  // stored
            writer.alignToByte()
            let length = UInt16(range.count)
            writer.bytes(UInt8(truncatingIfNeeded: length), UInt8(length >> 8))
            writer.bytes(UInt8(truncatingIfNeeded: ~length), UInt8(~length >> 8))
            writer.copy(UnsafeBufferPointer(rebasing: input[range]))
        }
    }

    /// Lengths of a complete prefix code of at most `limit` bits for the symbols of nonzero
    /// frequency (the others get none): Huffman's, shortened where longer than `limit` (ITU T.81,
    /// K.3), which keeps the code complete. Ties go by symbol, so the code depends on the counts
    /// alone. A single symbol gets one bit, and so does a second, unused one: inflate refuses an
    /// incomplete code.
    static func lengths(_ frequencies: [Int], limit: Int) -> [UInt8] {
        var lengths = [UInt8](repeating: 0, count: frequencies.count)
        let symbols = frequencies.indices.filter { frequencies[$0] > 0 }.sorted { (frequencies[$0], $0) < (frequencies[$1], $1) }
        guard symbols.count >= 2 else {
            let only = symbols.first ?? 0
            lengths[only] = 1
            lengths[only == 0 ? 1 : 0] = 1
            return lengths
        }
        // Huffman's algorithm with two queues: the leaves by weight, and the merged nodes, which
        // are made in order of weight too. Nodes 0..<n are the leaves; the root is made last.
        let leaves = symbols.count
        var weight = symbols.map { frequencies[$0] } + [Int](repeating: 0, count: leaves - 1)
        var parent = [Int](repeating: 0, count: 2 * leaves - 1)
        var nextLeaf = 0
        var nextMerged = leaves
        for node in leaves..<(2 * leaves - 1) {
            for _ in 0..<2 {
                let child: Int
                if nextLeaf < leaves && (nextMerged == node || weight[nextLeaf] <= weight[nextMerged]) {
                    child = nextLeaf
                    nextLeaf += 1
                } else {
                    child = nextMerged
                    nextMerged += 1
                }
                weight[node] += weight[child]
                parent[child] = node
            }
        }
        var depth = [Int](repeating: 0, count: 2 * leaves - 1)
        for node in stride(from: 2 * leaves - 3, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
        var perLength = [Int](repeating: 0, count: max(depth[..<leaves].max()!, limit) + 1)
        for leaf in 0..<leaves { perLength[depth[leaf]] += 1 }
        // Two codes of the longest length become one a bit shorter, and a shorter code becomes
        // two one bit longer: the code stays complete, with no code longer than `limit`.
        var longest = perLength.count - 1
        while longest > limit {
            while perLength[longest] > 0 {
                var shorter = longest - 2
                while perLength[shorter] == 0 { shorter -= 1 }
                perLength[longest] -= 2
                perLength[longest - 1] += 1
                perLength[shorter + 1] += 2
                perLength[shorter] -= 1
            }
            longest -= 1
        }
        // The most frequent symbols take the shortest codes.
        var leaf = leaves - 1
        for length in 1...longest {
            for _ in 0..<perLength[length] {
                lengths[symbols[leaf]] = UInt8(length)
                leaf -= 1
            }
        }
        return lengths
    }

    /// The canonical codes of `lengths` (RFC 1951, 3.2.2), each bit-reversed for deflate's order
    /// with its length above bit 16.
    static func codes(_ lengths: [UInt8]) -> [UInt32] {
        var perLength = [UInt32](repeating: 0, count: longestCode + 1)
        for length in lengths where length > 0 { perLength[Int(length)] += 1 }
        var next = [UInt32](repeating: 0, count: longestCode + 1)
        var code: UInt32 = 0
        for length in 1...longestCode {
            code = (code + perLength[length - 1]) << 1
            next[length] = code
        }
        return lengths.map { length in
            guard length > 0 else { return 0 }
            let code = next[Int(length)]
            next[Int(length)] += 1
            var reversed: UInt32 = 0
            for bit in 0..<UInt32(length) { reversed |= (code >> bit & 1) << (UInt32(length) - 1 - bit) }
            return reversed | UInt32(length) << 16
        }
    }
}

/// Writes bits least significant first, as deflate packs them, 32 at a time.
private struct BitWriter {
    private var next: UnsafeMutablePointer<UInt8>
    private var buffer: UInt64 = 0
    private var count = 0

    init(_ start: UnsafeMutablePointer<UInt8>) {
        next = start
    }

    @inline(__always)
    mutating func bits(_ value: UInt64, width: Int) {
        buffer |= value << UInt64(count)
        count &+= width
        if count >= 32 { spill() }
    }

    /// A code from ``HuffmanDeflate/codes(_:)``.
    @inline(__always)
    mutating func code(_ entry: UInt32) {
        bits(UInt64(entry & 0xFFFF), width: Int(entry >> 16))
    }

    /// Two codes: at most 30 bits, which fit beside the fewer than 32 the buffer holds.
    @inline(__always)
    mutating func pair(_ first: UInt32, _ second: UInt32) {
        buffer |= UInt64(first & 0xFFFF) << UInt64(count)
        count &+= Int(first >> 16)
        buffer |= UInt64(second & 0xFFFF) << UInt64(count)
        count &+= Int(second >> 16)
        if count >= 32 { spill() }
    }

    @inline(__always)
    private mutating func spill() {
        UnsafeMutableRawPointer(next).storeBytes(of: UInt32(truncatingIfNeeded: buffer).littleEndian, as: UInt32.self)
        next += 4
        buffer >>= 32
        count &-= 32
    }

    /// Pads the last byte with zero bits and writes out what the buffer holds.
    mutating func alignToByte() {
        while count > 0 {
            next.pointee = UInt8(truncatingIfNeeded: buffer)
            next += 1
            buffer >>= 8
            count -= 8
        }
        buffer = 0
        count = 0
    }

    /// Whole bytes, written at a byte boundary.
    mutating func bytes(_ first: UInt8, _ second: UInt8) {
        precondition(count == 0, "bytes written between bits")
        next[0] = first
        next[1] = second
        next += 2
    }

    /// Bytes copied as they are, at a byte boundary.
    mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(count == 0, "bytes written between bits")
        guard let source = bytes.baseAddress else { return }
        next.update(from: source, count: bytes.count)
        next += bytes.count
    }

    func written(from start: UnsafeMutablePointer<UInt8>) -> Int {
        next - start
    }
}
