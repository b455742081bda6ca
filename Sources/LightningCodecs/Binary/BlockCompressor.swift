import Dispatch
import LightningState

/// Compresses the blocks of a snapshot's two streams while the encoder is still producing them.
///
/// Full blocks are compressed on other threads as they arrive; the last, partial block of each
/// stream (all there is of a small snapshot, such as most deltas) is compressed on the caller's
/// thread, with no hand-off. Each block is compressed on its own, so the bytes do not depend on
/// the threads: the same state gives the same file.
// reason: `pending` is touched only by the encoding thread (`submit`, `finish`); the other
// threads write only their own `Pending`.
final class BlockCompressor: @unchecked Sendable {
    /// A compressed block.
    struct Block: Sendable {
        var stream: SnapshotFormat.Stream
        var method: SnapshotFormat.Method
        var uncompressedSize: Int
        var data: [UInt8]
        /// The CRC-32 of `data`, computed where the block was compressed (a file's CRC combines them).
        var crc: UInt32

        init(stream: SnapshotFormat.Stream, method: SnapshotFormat.Method, uncompressedSize: Int, data: [UInt8]) {
            self.stream = stream
            self.method = method
            self.uncompressedSize = uncompressedSize
            self.data = data
            crc = data.withUnsafeBufferPointer(Zlib.crc32)
        }
    }

    /// One block's outcome, written once by the thread that compresses it and read after
    /// ``finish()`` has waited for that thread.
    // reason: `outcome` is set by one task before `group.leave()` and read only after `group.wait()`.
    private final class Pending: @unchecked Sendable {
        var outcome: Result<Block, SnapshotError> = .failure(.compression("not compressed"))
    }

    private let parallel: Bool
    private let group = DispatchGroup()
    private var pending: [[Pending]] = [[], []]
    /// How long ``finish()`` waits for the other threads.
    private let deadline: DispatchTimeInterval

    /// - Parameters:
    ///   - threads: More than one to compress full blocks on other threads.
    ///   - deadline: How long ``finish()`` waits for them (tests shorten it).
    init(threads: Int, deadline: DispatchTimeInterval = .seconds(WorkerDeadline.seconds)) {
        parallel = threads > 1
        self.deadline = deadline
    }

    /// Compresses `bytes`, the next block of `stream`.
    func submit(_ bytes: [UInt8], stream: SnapshotFormat.Stream) {
        schedule(stream, isFullBlock: bytes.count == SnapshotFormat.blockSize) { Self.compress(bytes, stream: stream) }
    }

    /// Lays out `arrays`, every packed float array of the snapshot (`count` floats in all), as the
    /// float stream — eight byte planes: byte 0 of every float, then byte 1, …, then byte 7 (see
    /// `docs/FORMAT.md`) — and compresses its blocks. The planes are written in one pass over the
    /// floats, a range of arrays per core, then each block is compressed from them in place.
    func submitFloatPlanes(_ arrays: [StateArray], count: Int) {
        guard count > 0 else { return }
        let planes = FloatPlanes(arrays, count: count, parallel: parallel)
        let total = count * 8
        for start in stride(from: 0, to: total, by: SnapshotFormat.blockSize) {
            let range = start..<min(total, start + SnapshotFormat.blockSize)
            schedule(.floats, isFullBlock: range.count == SnapshotFormat.blockSize) {
                planes.withBytes(range) { Self.compress($0, stream: .floats) }
            }
        }
    }

    /// Takes the next block of `stream`: a full block on another thread when compressing in
    /// parallel, else (the last, partial block) on this one.
    func schedule(_ stream: SnapshotFormat.Stream, isFullBlock: Bool, _ work: @escaping @Sendable () -> Result<Block, SnapshotError>) {
        let slot = Pending()
        pending[Int(stream.rawValue)].append(slot)
        guard parallel && isFullBlock else {
            slot.outcome = work()
            return
        }
        DispatchQueue.global().async(group: group) { slot.outcome = work() }
    }

    /// A sink for ``ByteWriter`` that submits the blocks of `stream`.
    func sink(for stream: SnapshotFormat.Stream) -> ByteWriter.Sink {
        { self.submit($0, stream: stream) }
    }

    /// Waits for every block, until the deadline; returns the tree stream's blocks, then the
    /// float stream's. Blocks still compressing at the deadline finish on their own, unused.
    func finish() throws(SnapshotError) -> [Block] {
        guard group.wait(timeout: .now() + deadline) == .success else {
            throw .timeout("compressing the snapshot's blocks took longer than \(deadline.described)")
        }
        var blocks: [Block] = []
        blocks.reserveCapacity(pending[0].count + pending[1].count)
        for slot in pending[0] + pending[1] { blocks.append(try slot.outcome.get()) }
        return blocks
    }

    /// The least saving for which a float block is Huffman-coded rather than stored: 2 %.
    static let minimumHuffmanGain = 0.02

    /// Deflates a block (string matching for the tree where it pays, Huffman coding alone for
    /// float planes); a block that deflate cannot shrink is stored, so that reading it costs a
    /// copy, and so is a float block that Huffman coding would shrink by less than
    /// ``minimumHuffmanGain`` (noise, such as the low mantissa bytes of measured or computed
    /// values), known from its byte counts without coding it.
    static func compress(_ bytes: [UInt8], stream: SnapshotFormat.Stream) -> Result<Block, SnapshotError> {
        bytes.withUnsafeBufferPointer { compress($0, stream: stream, stored: { bytes }) }
    }

    /// ``compress(_:stream:)`` of bytes in place; a stored block copies them.
    static func compress(_ input: UnsafeBufferPointer<UInt8>, stream: SnapshotFormat.Stream) -> Result<Block, SnapshotError> {
        compress(input, stream: stream, stored: { Array(input) })
    }

    /// - Parameter stored: The bytes as an array, for a block kept as it is.
    private static func compress(
        _ input: UnsafeBufferPointer<UInt8>, stream: SnapshotFormat.Stream, stored: () -> [UInt8]
    ) -> Result<Block, SnapshotError> {
        Result { () throws(SnapshotError) -> Block in
            let compressed: [UInt8]
            if stream == .floats {
                let limit = Int(Double(input.count) * (1 - minimumHuffmanGain))
                guard let coded = HuffmanDeflate.compress(input, atMost: limit) else {
                    return Block(stream: stream, method: .stored, uncompressedSize: input.count, data: stored())
                }
                compressed = coded
            } else {
                compressed = try Zlib.compressTreeBlock(input).bytes
            }
            if compressed.count >= input.count {
                return Block(stream: stream, method: .stored, uncompressedSize: input.count, data: stored())
            }
            return Block(stream: stream, method: .zlib, uncompressedSize: input.count, data: compressed)
        }
    }
}

extension DispatchTimeInterval {
    /// The interval as a message gives it: `300 s`, `50 ms`.
    fileprivate var described: String {
        switch self {
        case .seconds(let seconds): "\(seconds) s"
        case .milliseconds(let milliseconds): "\(milliseconds) ms"
        case .microseconds(let microseconds): "\(microseconds) µs"
        case .nanoseconds(let nanoseconds): "\(nanoseconds) ns"
        case .never: "forever"
        @unknown default: "its deadline"
        }
    }
}
