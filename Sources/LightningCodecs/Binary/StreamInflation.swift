import Dispatch
import Synchronization

/// A snapshot's two streams, inflated by other threads while the tree decoder reads them: a load
/// costs about the longer of inflating and decoding, not their sum.
///
/// The work is a list of tasks — the file's CRC, then every float block, then the tree blocks in
/// stream order — that worker threads take in that order (one fewer than the cores: the decoding
/// thread is the last). The decoder asks for the tree a prefix at a time (``treeAvailable(through:)``)
/// and for the whole float stream at its first packed floats (``floatsAvailable()``): a block no one
/// has taken yet it inflates itself; one a worker holds it waits for, with a deadline.
///
/// Nothing read is trusted more than before: the decoder checks every byte as it always did, and
/// ``finish(after:)`` reports the outcome a sequential load would — a checksum mismatch first, then
/// the lowest-numbered block that failed to inflate, then the decoder's own error — whatever the
/// threads' timing, so the same file always gets the same message.
// reason: the stream buffers are written by one task per block (disjoint ranges, checked by `parse`)
// and read only after that task is marked done under `progress`'s lock; the decoding thread's own
// counters (`treeBlocksReady`, `treeBytesReady`, `floatsReady`) are touched by that thread alone.
final class StreamInflation: @unchecked Sendable {
    private enum TaskState { case waiting, running, done }

    private struct Progress {
        var states: [TaskState]
        /// The next task in worker order that may still be waiting.
        var nextInOrder = 0
        var failures: [Int: SnapshotError] = [:]
        var checksum: UInt32?
    }

    /// The task that computes the CRC; task `block + 1` inflates `block`.
    private static let checksumTask = 0
    /// How long the decoder waits for a block a worker is inflating. A 1 MiB block takes about a
    /// millisecond; only a machine stalled for minutes reaches it.
    private static let deadlineSeconds = 300

    /// The file's bytes; workers keep them (and the buffers) alive until their last task ends.
    private let file: [UInt8]
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
    let tree: UnsafeMutableBufferPointer<UInt8>
    let floats: UnsafeMutableBufferPointer<UInt8>
    private let progress: Mutex<Progress>
    /// Signalled each time a worker finishes a task.
    private let finished = DispatchSemaphore(value: 0)

    /// The decoding thread's own view (only that thread reads or writes these): the tree blocks known done, and the bytes they cover.
    private var treeBlocksReady = 0
    private var treeBytesReady = 0
    private var floatsReady = false

    /// Starts inflating `blocks` of `file` (already parsed) on `workers` threads.
    init(file: [UInt8], blocks: [BinarySnapshot.BlockEntry], storedChecksum: UInt32, treeBytes: Int, floatBytes: Int, workers: Int) {
        self.file = file
        self.blocks = blocks
        self.storedChecksum = storedChecksum
        checkedCount = file.count - SnapshotFormat.trailerSize
        treeBlocks = blocks.indices.filter { blocks[$0].stream == .tree }
        floatBlocks = blocks.indices.filter { blocks[$0].stream == .floats }
        order = [Self.checksumTask] + (floatBlocks + treeBlocks).map { $0 + 1 }
        tree = .allocate(capacity: treeBytes)
        floats = .allocate(capacity: floatBytes)
        progress = Mutex(Progress(states: Array(repeating: .waiting, count: blocks.count + 1)))
        for _ in 0..<workers {
            // No QoS of its own: on Darwin a block takes the QoS of the thread that submits it (the load's caller).
            DispatchQueue.global().async { [self] in
                while let task = claimNextInOrder() {
                    run(task)
                    finished.signal()
                }
            }
        }
    }

    deinit {
        tree.deallocate()
        floats.deallocate()
    }

    /// Makes the tree stream ready through byte `end` (exclusive), or as far as it goes.
    /// - Returns: The bytes of the tree ready now, from its start.
    func treeAvailable(through end: Int) throws(SnapshotError) -> Int {
        while treeBytesReady < end && treeBlocksReady < treeBlocks.count {
            let block = treeBlocks[treeBlocksReady]
            try complete(block + 1)
            treeBlocksReady += 1
            treeBytesReady += blocks[block].uncompressed
        }
        return treeBytesReady
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
        if claimed { run(task) }
        let deadline = DispatchTime.now() + .seconds(Self.deadlineSeconds)
        while true {
            let (state, failure) = progress.withLock { ($0.states[task], $0.failures[task - 1]) }
            if state == .done {
                if let failure { throw failure }
                return
            }
            if let other = claimNextInOrder() {
                run(other)
                continue
            }
            guard finished.wait(timeout: deadline) == .success else {
                let work = task == Self.checksumTask ? "checking the CRC" : "inflating block \(task - 1)"
                throw .timeout("\(work) took longer than \(Self.deadlineSeconds) s")
            }
        }
    }

    private func run(_ task: Int) {
        var checksum: UInt32?
        var failure: SnapshotError?
        file.withUnsafeBufferPointer { file in
            if task == Self.checksumTask {
                checksum = Zlib.crc32(UnsafeBufferPointer(rebasing: file[..<checkedCount]))
                return
            }
            failure = blocks[task - 1].inflate(task - 1, from: file, tree: tree, floats: floats)
        }
        progress.withLock { progress in
            progress.states[task] = .done
            if let checksum { progress.checksum = checksum }
            if let failure { progress.failures[task - 1] = failure }
        }
    }
}
