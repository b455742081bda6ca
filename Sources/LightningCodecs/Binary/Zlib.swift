import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One-shot deflate and inflate of whole blocks, CRC-32 and Adler-32: string matching, inflating
/// and the checksums through the system zlib, Huffman coding alone through ``HuffmanDeflate``.
package enum Zlib {
    /// How to deflate a block.
    package enum Effort: Sendable {
        /// Level 1 with string matching: for structure and text.
        case fast
        /// Huffman coding only, no string matching (``HuffmanDeflate``): for numbers and distinct
        /// labels, where string matching finds little, several times faster.
        case huffmanOnly
    }

    /// The bytes of a tree block that ``compressTreeBlock(_:)`` tries both ways to choose.
    package static let sampleSize = 64 << 10

    /// Deflates a block of the tree stream: with string matching when it pays, else with Huffman
    /// coding alone.
    ///
    /// Structure and text repeat (keys, log lines), and string matching shrinks them far beyond
    /// what entropy coding does; distinct labels and random integers do not, and there string
    /// matching costs several times the time for a few percent. The block's first ``sampleSize``
    /// bytes are deflated with string matching and measured Huffman-coded (the size is known from
    /// their counts), and string matching is kept when it is at least 10 % smaller. A block no
    /// larger than the sample (a small delta) is not deflated again when string matching wins. The
    /// choice depends only on the bytes, so the same state still gives the same file.
    package static func compressTreeBlock(_ block: UnsafeBufferPointer<UInt8>) throws(SnapshotError) -> (effort: Effort, bytes: [UInt8]) {
        let sample = UnsafeBufferPointer(rebasing: block.prefix(sampleSize))
        guard sample.count >= 4096 else { return (.fast, try deflate(block)) }
        let matched = try deflate(sample)
        guard matched.count * 10 > HuffmanDeflate.streamSize(sample) * 9 else {
            return (.fast, sample.count == block.count ? matched : try deflate(block))
        }
        return (.huffmanOnly, HuffmanDeflate.compress(block))
    }

    /// The zlib version string, e.g. `1.2.13`.
    package static var version: String { String(cString: zlibVersion()) }

    /// Deflates `input` into a zlib stream with zlib's level 1, string matching included.
    private static func deflate(_ input: UnsafeBufferPointer<UInt8>) throws(SnapshotError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = czlib_deflateInit2(stream, 1)
        guard status == Z_OK else { throw .compression("deflateInit2 failed (\(status))") }
        defer { deflateEnd(stream) }
        let bound = Int(deflateBound(stream, uLong(input.count)))
        var result: Int32 = Z_OK
        // Only what deflate wrote is kept: the rest of the bound is never read (nor zeroed first).
        let output = [UInt8](unsafeUninitializedCapacity: bound) { target, written in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = target.baseAddress
            stream.pointee.avail_out = uInt(target.count)
            result = CZlib.deflate(stream, Z_FINISH)
            written = result == Z_STREAM_END ? Int(stream.pointee.total_out) : 0
        }
        guard result == Z_STREAM_END else { throw .compression("deflate failed (\(result))") }
        return output
    }

    /// Inflates a zlib stream that must fill `output` exactly.
    package static func inflate(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) throws(SnapshotError) {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = czlib_inflateInit(stream)
        guard status == Z_OK else { throw .compression("inflateInit failed (\(status))") }
        defer { inflateEnd(stream) }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress
        stream.pointee.avail_out = uInt(output.count)
        let result = CZlib.inflate(stream, Z_FINISH)
        switch result {
        case Z_STREAM_END:
            guard stream.pointee.total_out == output.count, stream.pointee.avail_in == 0 else {
                throw .compression("a block inflates to \(stream.pointee.total_out) bytes, not the \(output.count) its entry declares")
            }
        case Z_BUF_ERROR where stream.pointee.avail_out == 0:
            throw .compression("a block inflates to more than the \(output.count) bytes its entry declares")
        case Z_BUF_ERROR:
            throw .compression("a block ends early (truncated compressed data)")
        case Z_DATA_ERROR:
            throw .compression("corrupt compressed data (\(stream.pointee.msg.map { String(cString: $0) } ?? "data error"))")
        default:
            throw .compression("inflate failed (\(result))")
        }
    }

    /// The Adler-32 (as a zlib stream ends with) of `bytes`.
    package static func adler32(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        checksum(bytes, from: 1) { CZlib.adler32($0, $1, $2) }
    }

    /// A zlib checksum of `bytes` from `start`, run over pieces whose lengths zlib's 32-bit
    /// parameter takes.
    private static func checksum(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: uLong, _ update: (uLong, UnsafePointer<UInt8>, uInt) -> uLong
    ) -> UInt32 {
        var value = start
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, Int(UInt32.max))
            value = update(value, bytes.baseAddress! + offset, uInt(chunk))
            offset += chunk
        }
        return UInt32(truncatingIfNeeded: value)
    }

    /// The CRC-32 (as in zlib, gzip and PNG) of `bytes`.
    package static func crc32(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        crc32(bytes, continuing: crc32Start)
    }

    /// The CRC-32 of two runs of bytes one after the other, from the CRC of each and the second's length.
    package static func crc32(combining first: UInt32, with second: UInt32, length: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32_combine(uLong(first), uLong(second), off_t(length)))
    }

    /// The CRC-32 of no bytes, to start ``crc32(_:continuing:)`` from.
    package static let crc32Start: UInt32 = 0

    /// The CRC-32 of the bytes before (whose CRC is `crc`) followed by `bytes`.
    package static func crc32(_ bytes: UnsafeBufferPointer<UInt8>, continuing crc: UInt32) -> UInt32 {
        checksum(bytes, from: uLong(crc)) { CZlib.crc32($0, $1, $2) }
    }
}
