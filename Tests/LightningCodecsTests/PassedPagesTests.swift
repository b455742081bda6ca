#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import LightningCodecs
import LightningState
import Testing

/// The memory a load gives back page by page as its decoder passes it.
@Suite("Passed pages")
struct PassedPagesTests {
    @Test("only whole pages among the bytes are let go; the bytes around them stay; each release starts where the last one ended")
    func release() throws {
        let page = PassedPages.pageSize
        let count = 10 * page + 100
        let pages = try PassedPages(count: count, for: "a test")
        let pattern = { (index: Int) in UInt8(truncatingIfNeeded: index % 251 + 1) }
        for index in 0..<count { pages.bytes[index] = pattern(index) }
        // Less than a page: nothing let go, the next release starts where this one did.
        #expect(pages.release(from: 100, to: 200) == 100)
        #expect(pages.release(from: 500, to: 400) == 500)
        // Some whole pages: the next release starts where they end, within a page of the end asked for.
        let next = pages.release(from: 100, to: 3 * page + 10)
        #expect(next > 100 && next <= 3 * page + 10 && 3 * page + 10 - next < page)
        #expect(Array(pages.bytes[next..<count]).elementsEqual((next..<count).map(pattern)))
        // Through the end: nothing is left to release after.
        #expect(pages.release(from: next, to: count) == count)
        #expect(pages.release(from: count, to: count) == count)
    }

    @Test("the pages within memory of any allocator are given back, whole pages only: the bytes around them stay")
    func giveBack() {
        let page = PassedPages.pageSize
        var memory = [UInt8](repeating: 0xA5, count: 6 * page)
        let (given, start) = memory.withUnsafeMutableBufferPointer { buffer in
            // From 10 bytes into the buffer to 10 bytes before its end: the pages wholly inside.
            let inner = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[10..<(buffer.count - 10)])
            let start = (Int(bitPattern: inner.baseAddress!) + page - 1) / page * page - Int(bitPattern: buffer.baseAddress!)
            return (FilePages.giveBack(pagesWithin: inner), start)
        }
        #expect(given >= 4 * page && given <= 5 * page && given % page == 0)
        #expect(memory[..<start].allSatisfy { $0 == 0xA5 })
        #expect(memory[(start + given)...].allSatisfy { $0 == 0xA5 })
        #if os(Linux)
        #expect(memory[start..<(start + given)].allSatisfy { $0 == 0 })
        #endif
        // Less than a page, or nothing: nothing given back.
        #expect(memory.withUnsafeBytes { FilePages.giveBack(pagesWithin: UnsafeRawBufferPointer(rebasing: $0[1..<(page - 1)])) } == 0)
        #expect(FilePages.giveBack(pagesWithin: UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
    }

    @Test("a block's bytes in the file are passed once both the CRC and its inflation have read them, whichever finishes second")
    func passedBlocks() {
        // The CRC (task 0) and four blocks (tasks 1 to 4).
        var progress = StreamInflation.Progress(states: Array(repeating: .waiting, count: 5))
        let first = progress.finish(2, checksum: nil, failure: nil)
        #expect(!first.allDone && first.passedBlocks.isEmpty)
        #expect(progress.finish(4, checksum: nil, failure: nil).passedBlocks.isEmpty)
        let checksum = progress.finish(StreamInflation.checksumTask, checksum: 0xC0FFEE, failure: nil)
        #expect(!checksum.allDone && checksum.passedBlocks == [1, 3])
        #expect(progress.finish(1, checksum: nil, failure: nil).passedBlocks == [0])
        let last = progress.finish(3, checksum: nil, failure: .malformed("test", offset: 0))
        #expect(last.allDone && last.passedBlocks == [2])
        #expect(progress.checksum == 0xC0FFEE && progress.failures.keys.sorted() == [2])
    }

    @Test("a stream too large for the machine is an error naming the stream and the system's reason, not a crash")
    func refused() {
        #expect(throws: SnapshotError.memory(1 << 62, for: "the tree stream", errno: ENOMEM)) {
            _ = try PassedPages(count: 1 << 62, for: "the tree stream")
        }
        #expect(SnapshotError.memory(1 << 62, for: "the tree stream", errno: ENOMEM).description
            == "out of memory: the system refused 4611686018427387904 bytes for the tree stream (Cannot allocate memory)")
        #expect(SnapshotError.memory(1, for: "x", errno: ENOMEM).systemErrno == ENOMEM)
        #expect(SnapshotError.timeout("x").systemErrno == ETIMEDOUT)
        #expect(SnapshotError.notASnapshot().systemErrno == nil)
    }

    @Test("memory refused for a damaged file's streams is reported as the damage: a file claims any size in its table")
    func refusedForDamagedFile() throws {
        let bytes = SnapshotDecoderTests.file(tree: [0x00])
        let (_, blocks, checksum) = try bytes.withUnsafeBufferPointer { try BinarySnapshot.parse($0) }
        #expect(throws: SnapshotError.memory(1 << 62, for: "the tree stream", errno: ENOMEM)) {
            _ = try StreamInflation(file: bytes, blocks: blocks, storedChecksum: checksum, treeBytes: 1 << 62, floatBytes: 0, workers: 0)
        }
        #expect(throws: SnapshotError.checksum(stored: checksum ^ 1, computed: checksum)) {
            _ = try StreamInflation(file: bytes, blocks: blocks, storedChecksum: checksum ^ 1, treeBytes: 1 << 62, floatBytes: 0, workers: 0)
        }
    }

    @Test("an empty stream maps nothing, and releasing it does nothing")
    func empty() throws {
        let pages = try PassedPages(count: 0, for: "a test")
        #expect(pages.bytes.isEmpty)
        #expect(pages.release(from: 0, to: 0) == 0)
    }

    @Test("a load lets go of the tree and float pages it has passed, many times over, and reads what it would without: both float layouts, any number of workers")
    func loadReleases() throws {
        // 600 arrays of 1,500 floats (900,000 floats: each plane is let go in several steps) between
        // long strings (a tree of 2 blocks), in version 1's layout and 2's.
        let arrays = (0..<600).map { array in (0..<1_500).map { Double(array * 1_500 + $0) * 0.37 - 1e5 } }
        let label = { (index: Int) in
            Array("a label the reader does not intern, longer than sixty-four bytes, number \(index)".utf8) + Array(repeating: UInt8(ascii: "."), count: 2_000)
        }
        var tree: [UInt8] = [0x07] + SnapshotDecoderTests.varint(1_200)
        for index in arrays.indices {
            tree += [0x06] + SnapshotDecoderTests.varint(UInt64(label(index).count) << 1 | 1) + label(index)
            tree += [0x09] + SnapshotDecoderTests.varint(1_500)
        }
        let expected = StateValue.array(arrays.enumerated().flatMap { index, floats in
            [.string(StateString(String(decoding: label(index), as: UTF8.self))), .array(floats.map(StateValue.float))]
        })
        let (version1, version2) = SnapshotDecoderTests.planes(arrays)
        for (version, planes) in [(UInt16(1), version1), (2, version2)] {
            let bytes = SnapshotDecoderTests.file(tree: tree, floats: planes, version: version)
            let (header, blocks, checksum) = try bytes.withUnsafeBufferPointer { try BinarySnapshot.parse($0) }
            #expect(header.treeBytes > 1 << 20)
            let pristine = bytes.map { $0 }
            for workers in [0, 1, 3] {
                let streams = try StreamInflation(
                    file: bytes, blocks: blocks, storedChecksum: checksum, treeBytes: header.treeBytes, floatBytes: header.floatBytes, workers: workers)
                var decoder = TreeDecoder(streams, layout: .init(version: version), options: .init())
                let decoded = Result { () throws(SnapshotError) in try decoder.decodeDocument() }
                #expect(try streams.finish(after: decoded) == expected, "version \(version), \(workers) workers")
                // All but the tree's last block and a page or two at each plane's ends.
                #expect(streams.released.tree > 0 && streams.released.tree >= header.treeBytes - (1 << 20) - PassedPages.pageSize, "version \(version), \(workers) workers")
                #expect(streams.released.floats >= header.floatBytes - 16 * PassedPages.pageSize, "version \(version), \(workers) workers")
                // The file's pages are given back only from the load's own copy: the caller kept its array.
                let intact = bytes == pristine  // compared outside #expect, which would print both arrays
                #expect(intact, "version \(version), \(workers) workers: the caller's array changed")
            }
        }
    }
}
