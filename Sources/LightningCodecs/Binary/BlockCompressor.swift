import Dispatch

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

    /// - Parameter threads: More than one to compress full blocks on other threads.
    init(threads: Int) {
        parallel = threads > 1
    }

    /// Compresses `bytes`, the next block of `stream`.
    func submit(_ bytes: [UInt8], stream: SnapshotFormat.Stream) {
        let slot = Pending()
        pending[Int(stream.rawValue)].append(slot)
        guard parallel && bytes.count == SnapshotFormat.blockSize else {
            slot.outcome = Self.compress(bytes, stream: stream)
            return
        }
        DispatchQueue.global().async(group: group) {
            slot.outcome = Self.compress(bytes, stream: stream)
        }
    }

    /// A sink for ``ByteWriter`` that submits the blocks of `stream`.
    func sink(for stream: SnapshotFormat.Stream) -> ByteWriter.Sink {
        { self.submit($0, stream: stream) }
    }

    /// Waits for every block; returns the tree stream's blocks, then the float stream's.
    func finish() throws(SnapshotError) -> [Block] {
        group.wait()
        var blocks: [Block] = []
        blocks.reserveCapacity(pending[0].count + pending[1].count)
        for slot in pending[0] + pending[1] { blocks.append(try slot.outcome.get()) }
        return blocks
    }

    /// Deflates a block (string matching for the tree where it pays, Huffman coding alone for
    /// float planes); a block that deflate cannot shrink is stored, so that reading it costs a copy.
    private static func compress(_ bytes: [UInt8], stream: SnapshotFormat.Stream) -> Result<Block, SnapshotError> {
        bytes.withUnsafeBufferPointer { input in
            Result { () throws(SnapshotError) -> Block in
                let compressed = stream == .tree ? try Zlib.compressTreeBlock(input).bytes : try Zlib.compress(input, effort: .huffmanOnly)
                if compressed.count >= input.count {
                    return Block(stream: stream, method: .stored, uncompressedSize: input.count, data: bytes)
                }
                return Block(stream: stream, method: .zlib, uncompressedSize: input.count, data: compressed)
            }
        }
    }
}
