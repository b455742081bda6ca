/// Deflate by Huffman coding alone, for the blocks where string matching does not pay: the byte
/// planes of floats, and tree blocks of numbers and distinct labels.
///
/// The output is an ordinary zlib stream (RFC 1950) holding one deflate block with a dynamic
/// Huffman code (RFC 1951), so any inflater reads it and the snapshot format is unchanged. zlib's
/// own `Z_HUFFMAN_ONLY` does the same job about four times slower: it records each byte as a
/// symbol and builds a code for every 16 Ki of them. Here one code is built from the block's byte
/// counts, the stream's exact size is known before a bit is written (so a block that would not
/// shrink enough is stored without being coded), and the bytes are written through a 64-bit
/// buffer, two codes at a time.
package enum HuffmanDeflate {
    /// The longest code deflate allows for literals.
    static let longestCode = 15
    /// The longest code deflate allows in the code that sends the code lengths.
    static let longestLengthCode = 7
    /// The order in which deflate sends the code-length code's lengths (RFC 1951, 3.2.7).
    private static let lengthCodeOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    /// The literal/length symbol that ends a block.
    private static let endOfBlock = 256

    /// `input` as a zlib stream.
    package static func compress(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        compress(input, with: Code(counts: counts(input)))
    }

    /// `input` as a zlib stream when that is at most `limit` bytes; else `nil`, known from the
    /// bytes' counts without coding them.
    package static func compress(_ input: UnsafeBufferPointer<UInt8>, atMost limit: Int) -> [UInt8]? {
        let code = Code(counts: counts(input))
        return code.streamSize <= limit ? compress(input, with: code) : nil
    }

    /// The size of ``compress(_:)``'s stream for `input`, from the bytes' counts alone.
    package static func streamSize(_ input: UnsafeBufferPointer<UInt8>) -> Int {
        Code(counts: counts(input)).streamSize
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

    /// The Huffman code of one block: its literal code (the 256 byte values and the end of the
    /// block), the code that sends those lengths, and the size of the zlib stream they make.
    struct Code {
        /// Bits of each literal/length symbol's code, 0 for none: bytes 0–255, then the end of block.
        let lengths: [UInt8]
        /// Bits of each code-length symbol's code (0–15; no runs are sent).
        let lengthCodeLengths: [UInt8]
        /// The bytes of the zlib stream: header, block and Adler-32.
        let streamSize: Int

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
            streamSize = 2 + (bits + 7) / 8 + 4
        }
    }

    /// `input`, whose bytes occur as often as `code` was built for (so the stream is exactly
    /// `code.streamSize` bytes), as a zlib stream.
    private static func compress(_ input: UnsafeBufferPointer<UInt8>, with code: Code) -> [UInt8] {
        let literals = codes(code.lengths)
        let lengthCodes = codes(code.lengthCodeLengths)
        return [UInt8](unsafeUninitializedCapacity: code.streamSize + 8) { output, written in
            var writer = BitWriter(output.baseAddress!)
            writer.bytes(0x78, 0x01)  // deflate, 32 KiB window, fastest level; the check bits
            writer.bits(1, width: 1)  // the last block
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
            writer.alignToByte()
            let adler = Zlib.adler32(input)
            writer.bytes(UInt8(adler >> 24), UInt8(truncatingIfNeeded: adler >> 16))
            writer.bytes(UInt8(truncatingIfNeeded: adler >> 8), UInt8(truncatingIfNeeded: adler))
            written = writer.written(from: output.baseAddress!)
            precondition(written == code.streamSize, "the stream's size was computed wrong")
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

    func written(from start: UnsafeMutablePointer<UInt8>) -> Int {
        next - start
    }
}
