import Dispatch
import Synchronization

extension BinarySnapshot {
    /// What a load of `bytes` costs before it builds any value — the header and block checks, the
    /// CRC, and every block inflated, as a load does them — on the calling thread, or, when
    /// `parallel`, one block per core at a time: the floor a load's time is measured against.
    /// - Returns: The two streams, inflated.
    package static func inflateStreams(_ bytes: [UInt8], parallel: Bool) throws(SnapshotError) -> (tree: [UInt8], floats: [UInt8]) {
        let (_, tree, floats) = try inflated(bytes, maxDecompressedBytes: .max, parallel: parallel)
        return (tree, floats)
    }

    /// What a save of a state whose streams are `tree` and `floats` costs before it encodes any
    /// value: every block compressed as the writer compresses it (the same 1 MiB cut, the same
    /// choice of method per block, the same zlib settings), on the calling thread, or, when
    /// `parallel`, one block per core at a time: the floor a save's time is measured against.
    /// - Returns: Each block's bytes as a file would hold them, in order.
    package static func compressStreams(tree: [UInt8], floats: [UInt8], parallel: Bool) throws(SnapshotError) -> [[UInt8]] {
        // Each block is compressed from the stream in place, as the writer compresses its buffers.
        var pieces: [(stream: SnapshotFormat.Stream, range: Range<Int>)] = []
        for (stream, count) in [(SnapshotFormat.Stream.tree, tree.count), (.floats, floats.count)] {
            for start in stride(from: 0, to: count, by: SnapshotFormat.blockSize) {
                pieces.append((stream, start..<min(start + SnapshotFormat.blockSize, count)))
            }
        }
        let results = LockedResults(count: pieces.count)
        let work: @Sendable (Int) -> Void = { [pieces, tree, floats] index in
            let piece = pieces[index]
            let bytes = piece.stream == .tree ? tree : floats
            results.set(index, bytes.withUnsafeBufferPointer { BlockCompressor.compress(UnsafeBufferPointer(rebasing: $0[piece.range]), stream: piece.stream) })
        }
        if parallel && pieces.count > 1 && ProcessorCount.online > 1 {
            DispatchQueue.concurrentPerform(iterations: pieces.count, execute: work)
        } else {
            (0..<pieces.count).forEach(work)
        }
        return try results.values().map { (block: BlockCompressor.Block) in block.data }
    }
}

/// The blocks' outcomes, each written once, by index, from the thread that compressed it.
private final class LockedResults: Sendable {
    private let outcomes: Mutex<[Result<BlockCompressor.Block, SnapshotError>?]>

    init(count: Int) { outcomes = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ outcome: Result<BlockCompressor.Block, SnapshotError>) {
        outcomes.withLock { $0[index] = outcome }
    }

    func values() throws(SnapshotError) -> [BlockCompressor.Block] {
        let all = outcomes.withLock { $0 }
        var blocks: [BlockCompressor.Block] = []
        for outcome in all { blocks.append(try outcome!.get()) }
        return blocks
    }
}
