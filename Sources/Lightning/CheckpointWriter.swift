import Foundation
import LightningCodecs
import LightningState
import LightningStore

/// Writes an app's checkpoints, in the background or not, one at a time.
///
/// At most one save runs and ``maximumWaiting`` (2) wait. A checkpoint taken while the queue is
/// full does not block the loop and does not grow the queue: it is merged into the last waiting one
/// (a delta's edits are appended; a full state absorbs later deltas), so a disk that cannot keep up
/// costs fewer, larger checkpoints, never unbounded memory or a stalled loop. A failed save is reported on standard error and retried: a failed delta's
/// edits are written with the next checkpoint, and after a failed full snapshot the next is full.
// reason: every mutable field is read and written only while `condition` is locked.
final class CheckpointWriter: @unchecked Sendable {
    /// One checkpoint to write.
    enum Job {
        /// A whole state, in the given formats.
        case full(StateValue, formats: CheckpointStore.SaveFormats, time: Double)
        /// Binary changes against the last binary snapshot written.
        case delta(StateDelta, time: Double)
    }

    /// Where the binary chain stands.
    struct Chain {
        /// The newest binary snapshot written, which the next delta applies to.
        var head: CheckpointName?
        /// Deltas written since the last full snapshot, and their total size.
        var length = 0
        var deltaBytes = 0
        /// The size of the last full snapshot.
        var baseBytes = 0
    }

    let store: CheckpointStore
    let keepLast: Int?
    private let condition = NSCondition()
    private let queue = DispatchQueue(label: "lightning.checkpoint-writer")
    /// The most checkpoints that wait while one is written.
    static let maximumWaiting = 2
    private var waiting: [Job] = []
    private var busy = false
    private var retryEdits = StateDelta()
    private var chainState = Chain()
    private var fullNeeded = false
    private var written: [CheckpointInfo] = []
    private var failures: [String] = []

    init(store: CheckpointStore, keepLast: Int?) {
        self.store = store
        self.keepLast = keepLast
    }

    /// The binary chain as of the last finished save.
    var chain: Chain { locked { chainState } }
    /// Whether a save failed in a way that only a full snapshot repairs.
    var needsFullSnapshot: Bool { locked { fullNeeded } }
    /// The files written so far, oldest first.
    var files: [CheckpointInfo] { locked { written } }
    /// The failures so far, one line each.
    var errors: [String] { locked { failures } }

    /// Hands a checkpoint to the writer: written now, on this thread, when `background` is false;
    /// otherwise merged into the waiting job and written on the writer's thread.
    func submit(_ job: Job, background: Bool) {
        guard background else {
            write(job)
            return
        }
        // The job goes straight to the writer when it is idle; otherwise it waits, or merges.
        let start: Bool = locked {
            if !busy {
                busy = true
                return true
            }
            if waiting.count < Self.maximumWaiting {
                waiting.append(job)
            } else {
                waiting[waiting.count - 1] = merge(waiting[waiting.count - 1], job)
            }
            return false
        }
        if start { queue.async { self.drain(startingWith: job) } }
    }

    /// Blocks until every submitted checkpoint is written or has failed.
    func waitUntilIdle() {
        condition.lock()
        while busy { condition.wait() }
        condition.unlock()
    }

    private func drain(startingWith first: Job) {
        write(first)
        while let job: Job = locked({
            guard !waiting.isEmpty else {
                busy = false
                condition.broadcast()
                return nil
            }
            return waiting.removeFirst()
        }) {
            write(job)
        }
    }

    private func write(_ job: Job) {
        switch job {
        case .full(let state, let formats, let time):
            do {
                let files = try store.save(state, time: time, formats: formats)
                locked {
                    written += files
                    fullNeeded = false
                    retryEdits = StateDelta()
                    if let binary = files.first(where: { $0.format == .binary }) {
                        chainState = Chain(head: binary.name, baseBytes: binary.size)
                    }
                }
            } catch {
                fail("\(error)", fullNeeded: true)
            }
        case .delta(let delta, let time):
            let (head, edits): (CheckpointName?, StateDelta) = locked {
                var merged = retryEdits
                merged.append(contentsOf: delta)
                return (chainState.head, merged)
            }
            guard let head else { return fail("a delta has no snapshot to apply to", fullNeeded: true) }
            do {
                let file = try store.saveDelta(edits, parent: head, time: time)
                locked {
                    written.append(file)
                    retryEdits = StateDelta()
                    chainState.head = file.name
                    chainState.length += 1
                    chainState.deltaBytes += file.size
                }
            } catch {
                locked { retryEdits = edits }
                fail("\(error)", fullNeeded: false)
            }
        }
        if let keepLast {
            do {
                try store.keepLast(keepLast)
            } catch {
                fail("retention: \(error)", fullNeeded: false)
            }
        }
    }

    private func fail(_ message: String, fullNeeded needsFull: Bool) {
        let line = "checkpoint save failed: \(message); the next checkpoint retries what is unsaved"
        locked {
            failures.append(line)
            if needsFull { fullNeeded = true }
        }
        Console.writeErrorLine(line)
    }

    /// The job that writes both: a later full state wins; a later delta is appended to a waiting
    /// delta or applied to a waiting full state.
    private func merge(_ earlier: Job, _ later: Job) -> Job {
        switch (earlier, later) {
        case (_, .full):
            return later
        case (.delta(var edits, _), .delta(let more, let time)):
            edits.append(contentsOf: more)
            return .delta(edits, time: time)
        case (.full(let state, let formats, let earlierTime), .delta(let more, let time)):
            // The edits were captured against the state just taken, so they apply. If they did not,
            // the full state is written as it was, never half-edited, and the next checkpoint is
            // full again, which captures the edits anew.
            var merged = state
            do {
                try more.apply(to: &merged)
            } catch {
                failures.append("checkpoint merge failed: \(error); the next checkpoint is full")
                fullNeeded = true
                return .full(state, formats: formats, time: earlierTime)
            }
            return .full(merged, formats: formats, time: time)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
