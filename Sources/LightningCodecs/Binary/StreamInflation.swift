import Dispatch
import Synchronization

/// A snapshot's two streams, inflated by other threads while the tree decoder reads them: a load
/// costs about the longer of inflating and decoding, not their sum.
///
/// The work is a list of tasks — the file's CRC, then every float block, then the tree blocks in
/// stream order — that worker threads take in that order (one fewer than the cores: the decoding
/// thread is the last). The decoder asks for the tree a prefix at a time (``advanceTree(through:passed:)``)
/// and for the whole float stream at its first packed floats (``floatsAvailable()``): a block no one
/// has taken yet it inflates itself; one a worker holds it waits for, with a deadline.
///
/// Nothing read is trusted more than before: the decoder checks every byte as it always did, and
/// ``finish(after:)`` reports the outcome a sequential load would — a checksum mismatch first, then
/// the lowest-numbered block that failed to inflate, then the decoder's own error — whatever the
/// threads' timing, so the same file always gets the same message.
///
/// What the load no longer needs is let go while the tree is still being built: the pages of each
/// block of the file once the CRC and the block's inflation have read them, the file once every
/// task has, and the pages of either stream the decoder has passed (``PassedPages``).
// reason: the stream buffers are written by one task per block (disjoint ranges, checked by `parse`)
// and read only after that task is marked done under `progress`'s lock; the decoding thread's own
// counters (`treeBlocksReady`, `treeBytesReady`, `floatsReady`, the release cursors) are touched
// by that thread alone, and it releases only pages of blocks it has seen done. When workers run,
// the file's array is made this load's own at the start (copied only if its caller kept it), and a
// block's pages of it are given back by the task that finds, under `progress`'s lock, that the CRC
// task and the block's own task are both done: no task reads them again, and the giving task
// holds the array meanwhile.
final class StreamInflation: @unchecked Sendable {
    enum TaskState { case waiting, running, done }

    struct Progress {
        var states: [TaskState]
        /// The next task in worker order that may still be waiting.
        var nextInOrder = 0
        var failures: [Int: SnapshotError] = [:]
        var checksum: UInt32?
        var tasksDone = 0

        /// Records that `task` is done, with the CRC or the failure it found.
        /// - Returns: Whether every task is now done, and the blocks whose bytes no task reads
        ///   again now: those whose inflation and the CRC are both done, one of them just now.
        mutating func finish(_ task: Int, checksum: UInt32?, failure: SnapshotError?) -> (allDone: Bool, passedBlocks: [Int]) {
            states[task] = .done
            tasksDone += 1
            if let checksum { self.checksum = checksum }
            if let failure { failures[task - 1] = failure }
            let passed: [Int] = switch (self.checksum, task) {
            case (nil, _): []
            case (_, StreamInflation.checksumTask): states.indices.dropFirst().filter { states[$0] == .done }.map { $0 - 1 }
            default: [task - 1]
            }
            return (tasksDone == states.count, passed)
        }
    }

    /// A task's outcome for the file: the blocks whose pages may go, and the file itself, held
    /// until they have.
    private struct PassedBytes {
        let file: [UInt8]
        let blocks: [Int]
    }

    /// The task that computes the CRC; task `block + 1` inflates `block`.
    static let checksumTask = 0

    /// The file's bytes, until every task has read them: then let go, not kept while the tree is
    /// still being decoded. A task holds its own reference while it runs.
    private let file: Mutex<[UInt8]>
    /// Whether the pages of each block of the file are given back once it is inflated and the CRC
    /// checked: when workers run beside the decoder (see `init`).
    private let givesBackFile: Bool
    private let blocks: [BinarySnapshot.BlockEntry]
    /// The bytes the CRC covers: all but the trailer.
    private let checkedCount: Int
    /// The CRC the file's trailer holds.
    private let storedChecksum: UInt32
    /// Task numbers in the order workers take them.
    private let order: [Int]
    /// The tree's blocks, in stream order.
    private let treeBlocks: [Int]
    private let floatBlocks: [Int]
    private let treePages: PassedPages
    private let floatPages: PassedPages
    let tree: UnsafeMutableBufferPointer<UInt8>
    let floats: UnsafeMutableBufferPointer<UInt8>
    private let progress: Mutex<Progress>
    /// Signalled each time a worker finishes a task.
    private let finished = DispatchSemaphore(value: 0)

    /// The decoding thread's own view (only that thread reads or writes these): the tree blocks known done, and the bytes they cover.
    private var treeBlocksReady = 0
    private var treeBytesReady = 0
    private var floatsReady = false
    /// Where the next release of passed tree pages starts.
    private var treeReleased = 0
    /// Where the next release of passed float pages starts: in each of the eight byte planes for
    /// version 2's layout (planes over the whole stream); in the first, for the whole stream, for
    /// version 1's (each array's planes in turn).
    private var planesReleased: [Int]
    /// The floats read at the last release.
    private var floatsPassedAt = 0
    /// The bytes released so far (tree, floats), for tests.
    private(set) var released = (tree: 0, floats: 0)

    /// Starts inflating `blocks` of `file` (already parsed) on `workers` threads.
    /// - Throws: When the system refuses memory for the streams — unless the file is damaged (its
    ///   table may claim any size): then the checksum mismatch, as a load with memory would say.
    init(
        file: consuming [UInt8], blocks: [BinarySnapshot.BlockEntry], storedChecksum: UInt32, treeBytes: Int, floatBytes: Int, workers: Int
    ) throws(SnapshotError) {
        checkedCount = file.count - SnapshotFormat.trailerSize
        do throws(SnapshotError) {
            treePages = try PassedPages(count: treeBytes, for: "the tree stream")
            floatPages = try PassedPages(count: floatBytes, for: "the float stream")
        } catch {
            let checksum = file.withUnsafeBufferPointer { [checkedCount] in Self.checksum(of: $0, checkedCount: checkedCount) }
            guard checksum == storedChecksum else { throw .checksum(stored: storedChecksum, computed: checksum) }
            throw error
        }
        tree = treePages.bytes
        floats = floatPages.bytes
        planesReleased = (0..<8).map { $0 * (floatBytes / 8) }
        // With workers, the CRC is checked early and the file's pages are given back block by block
        // (without, the CRC comes last and the file goes whole): the array must then be this load's
        // alone. One its caller kept is copied here (only then), and the caller's bytes stay as they are.
        givesBackFile = workers > 0 && blocks.count > 1
        var file = file
        if givesBackFile { file.makeUnique() }
        self.file = Mutex(file)
        self.blocks = blocks
        self.storedChecksum = storedChecksum
        treeBlocks = blocks.indices.filter { blocks[$0].stream == .tree }
        floatBlocks = blocks.indices.filter { blocks[$0].stream == .floats }
        order = [Self.checksumTask] + (floatBlocks + treeBlocks).map { $0 + 1 }
        progress = Mutex(Progress(states: Array(repeating: .waiting, count: blocks.count + 1)))
        for _ in 0..<workers {
            // No QoS of its own: on Darwin a block takes the QoS of the thread that submits it (the load's caller).
            DispatchQueue.global().async { [self] in
                while let task = claimNextInOrder() {
                    let passed = run(task)
                    // Signalled first: a decoder waiting for the block goes on while its bytes go.
                    finished.signal()
                    giveBack(passed)
                }
            }
        }
    }

    /// Lets go of the tree's pages before byte `passed`, which the decoder will not read again, and
    /// makes the tree ready through byte `end` (exclusive), or as far as it goes.
    /// - Returns: The bytes of the tree ready now, from its start.
    func advanceTree(through end: Int, passed: Int) throws(SnapshotError) -> Int {
        // Only pages of blocks seen done (`treeBytesReady`) are released.
        let releasedBefore = treeReleased
        treeReleased = treePages.release(from: treeReleased, to: min(passed, treeBytesReady))
        released.tree += treeReleased - releasedBefore
        while treeBytesReady < end && treeBlocksReady < treeBlocks.count {
            let block = treeBlocks[treeBlocksReady]
            try complete(block + 1)
            treeBlocksReady += 1
            treeBytesReady += blocks[block].uncompressed
        }
        return treeBytesReady
    }

    /// Lets go of the pages of the float stream that the decoder has passed, its first `floatsRead`
    /// floats: in each byte plane for version 2's layout, the first `floatsRead × 8` bytes for
    /// version 1's. Called once the whole float stream is ready.
    func floatsPassed(_ floatsRead: Int, layout: TreeDecoder.FloatLayout) {
        // A release a quarter of a MiB per plane at a time: a few system calls per stream, not one per array.
        guard floatsReady, floatsRead - floatsPassedAt >= 1 << 18 || floatsRead * 8 == floats.count else { return }
        floatsPassedAt = floatsRead
        let planes: [(plane: Int, end: Int)] = switch layout {
        case .perArray: [(0, floatsRead * 8)]
        case .wholeStream: (0..<8).map { ($0, $0 * (floats.count / 8) + floatsRead) }
        }
        for (plane, end) in planes {
            let releasedBefore = planesReleased[plane]
            planesReleased[plane] = floatPages.release(from: releasedBefore, to: end)
            released.floats += planesReleased[plane] - releasedBefore
        }
    }

    /// Makes the whole float stream ready.
    func floatsAvailable() throws(SnapshotError) {
        guard !floatsReady else { return }
        for block in floatBlocks { try complete(block + 1) }
        floatsReady = true
    }

    /// Waits for every task, then gives the load's outcome as a sequential load would: a checksum
    /// mismatch, else the first block that failed to inflate, else `decoded`.
    func finish<T>(after decoded: Result<T, SnapshotError>) throws(SnapshotError) -> T {
        // A decoder that gave up waiting would wait again here: its own error stands.
        if case .failure(let error) = decoded, error.isTimeout { throw error }
        for task in 0...blocks.count {
            do throws(SnapshotError) {
                try complete(task)
            } catch where error.isTimeout {
                throw error
            } catch {
                // A block that failed: ordered below.
            }
        }
        let (checksum, failures) = progress.withLock { ($0.checksum!, $0.failures) }
        guard storedChecksum == checksum else { throw .checksum(stored: storedChecksum, computed: checksum) }
        if let first = failures.keys.min() { throw failures[first]! }
        return try decoded.get()
    }

    // MARK: - Tasks

    private func claimNextInOrder() -> Int? {
        progress.withLock { progress in
            while progress.nextInOrder < order.count {
                let task = order[progress.nextInOrder]
                progress.nextInOrder += 1
                if progress.states[task] == .waiting {
                    progress.states[task] = .running
                    return task
                }
            }
            return nil
        }
    }

    /// Runs `task` here if no one has taken it; if a worker has, helps with the next task no one
    /// has taken (all of them are needed) and waits only when none is left. Throws if it failed.
    private func complete(_ task: Int) throws(SnapshotError) {
        let claimed = progress.withLock { progress in
            guard progress.states[task] == .waiting else { return false }
            progress.states[task] = .running
            return true
        }
        if claimed { giveBack(run(task)) }
        let deadline = DispatchTime.now() + .seconds(WorkerDeadline.seconds)
        while true {
            let (state, failure) = progress.withLock { ($0.states[task], $0.failures[task - 1]) }
            if state == .done {
                if let failure { throw failure }
                return
            }
            if let other = claimNextInOrder() {
                giveBack(run(other))
                continue
            }
            guard finished.wait(timeout: deadline) == .success else {
                let work = task == Self.checksumTask ? "checking the CRC" : "inflating block \(task - 1)"
                throw .timeout("\(work) took longer than \(WorkerDeadline.seconds) s")
            }
        }
    }

    /// The CRC of the bytes the trailer's CRC covers.
    private static func checksum(of file: UnsafeBufferPointer<UInt8>, checkedCount: Int) -> UInt32 {
        Zlib.crc32(UnsafeBufferPointer(rebasing: file[..<checkedCount]))
    }

    /// Runs `task` and records its outcome.
    private func run(_ task: Int) -> PassedBytes {
        var checksum: UInt32?
        var failure: SnapshotError?
        let file = self.file.withLock { $0 }
        file.withUnsafeBufferPointer { file in
            if task == Self.checksumTask {
                checksum = Self.checksum(of: file, checkedCount: checkedCount)
                return
            }
            failure = blocks[task - 1].inflate(task - 1, from: file, tree: tree, floats: floats)
        }
        let (allDone, passedBlocks) = progress.withLock { $0.finish(task, checksum: checksum, failure: failure) }
        if allDone { self.file.withLock { $0 = [] } }
        return PassedBytes(file: file, blocks: givesBackFile && !allDone ? passedBlocks : [])
    }

    /// Gives back the whole pages of the file within the passed blocks.
    private func giveBack(_ passed: PassedBytes) {
        guard !passed.blocks.isEmpty else { return }
        passed.file.withUnsafeBytes { file in
            for block in passed.blocks {
                let entry = blocks[block]
                FilePages.giveBack(pagesWithin: UnsafeRawBufferPointer(rebasing: file[entry.fileOffset..<entry.fileOffset + entry.compressed]))
            }
        }
    }
}

extension Array {
    /// Makes the array's storage its own: copies it if another array shares it, else does nothing.
    mutating func makeUnique() {
        withUnsafeMutableBufferPointer { _ in }
    }
}
