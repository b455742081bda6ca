import Dispatch
@testable import LightningCodecs
import LightningState
import Testing

/// The compressor that takes a snapshot's blocks while the encoder writes them.
@Suite("Block compressor")
struct BlockCompressorTests {
    @Test("blocks come back in stream order, the tree's before the floats', whichever thread compressed them")
    func order() throws {
        let compressor = BlockCompressor(threads: 2)
        let full = SnapshotFormat.blockSize
        compressor.submit(Array(repeating: 1, count: full), stream: .tree)
        compressor.submitFloatPlanes([StateArray([StateValue](repeating: .float(0.5), count: full / 8 + 3))], count: full / 8 + 3)
        compressor.submit([2, 3], stream: .tree)
        let blocks = try compressor.finish()
        #expect(blocks.map(\.stream) == [.tree, .tree, .floats, .floats])
        #expect(blocks.map(\.uncompressedSize) == [full, 2, full, 24])
    }

    @Test("a block still compressing at the deadline fails the save with a timeout, and finishes on its own")
    func deadline() throws {
        let compressor = BlockCompressor(threads: 2, deadline: .milliseconds(50))
        let release = DispatchSemaphore(value: 0)
        let ended = DispatchSemaphore(value: 0)
        compressor.schedule(.tree, isFullBlock: true) {
            // reason: the test's own wait, bounded: the block is released right after `finish` gave up.
            _ = release.wait(timeout: .now() + 60)
            defer { ended.signal() }
            return BlockCompressor.compress([1, 2, 3], stream: .tree)
        }
        #expect(throws: SnapshotError.timeout("compressing the snapshot's blocks took longer than 50 ms")) {
            try compressor.finish()
        }
        release.signal()
        #expect(ended.wait(timeout: .now() + 60) == .success)
    }
}
