import Foundation
@testable import Lightning
import LightningCodecs
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import CoreMetrics
import Synchronization
import Testing

/// The writer's interleavings, driven step by step: a storage whose saves wait at a gate stands
/// for a disk slower than the loop.
@Suite("Checkpoint writer")
struct CheckpointWriterTests {
    /// Holds the first `held` creates until ``open()``; counts creates that reached it.
    final class Gate: @unchecked Sendable {
        // reason: `arrived` is guarded by `lock`; the semaphores are thread-safe.
        private let lock = NSLock()
        private let release = DispatchSemaphore(value: 0)
        private let reached = DispatchSemaphore(value: 0)
        private var arrived = 0
        let held: Int

        init(held: Int) { self.held = held }

        func pass(_ key: String) {
            let index = lock.withLock { arrived += 1; return arrived }
            guard index <= held else { return }
            reached.signal()
            release.wait()
        }

        /// Waits until a create is held at the gate.
        func awaitArrival() { reached.wait() }
        func open() { for _ in 0..<held { release.signal() } }
    }

    static func state(_ value: Int) -> StateValue { ["x": .int(Int64(value)), "pad": "p"] }
    static func delta(_ value: Int) -> StateDelta {
        var delta = StateDelta()
        delta.set(["x"], to: .int(Int64(value)))
        return delta
    }

    static func writer(_ storage: FaultyStorage, whenBehind: CheckpointPolicy.WhenBehind = .wait, retryDelay: Double = 0) -> CheckpointWriter {
        let settings = CheckpointWriter.Settings(
            policy: CheckpointPolicy(whenBehind: whenBehind, retryDelay: retryDelay),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            metrics: CheckpointMetrics(factory: NOOPMetricsHandler.instance))
        return CheckpointWriter(store: CheckpointStore(storage: storage), newest: nil, settings: settings)
    }

    /// A writer whose queue is full: its first save (of 0) held at the gate, deltas 1 and 2 waiting.
    static func writerWithFullQueue(_ folder: String) -> (CheckpointWriter, Gate) {
        let gate = Gate(held: 1)
        let writer = Self.writer(FaultyStorage(root: folder, fault: nil, beforeCreate: gate.pass))
        writer.submit(.full(Self.state(0), kept: [], formats: .binary, time: 100), background: true)
        gate.awaitArrival()
        writer.submit(.delta(CapturedChanges(Self.delta(1)), time: 100), background: true)
        writer.submit(.delta(CapturedChanges(Self.delta(2)), time: 100), background: true)
        return (writer, gate)
    }

    /// A storage lock that counts its releases.
    final class CountingLock: StorageLock {
        let releases = Mutex(0)
        func release() { releases.withLock { $0 += 1 } }
    }

    /// The `x` of every checkpoint in the folder, oldest first, with whether it is a delta.
    static func contents(_ folder: String) throws -> [(x: StateValue?, isDelta: Bool)] {
        let store = CheckpointStore(storageRoot: folder)
        return try store.list().map { (try store.location(of: $0).read()["x"], $0.isDelta) }
    }

    @Test("one thread for the writer's life: idle, it sleeps, and takes a checkpoint handed over long after; finish ends it")
    func oneThreadSleepsWhileIdle() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let writer = Self.writer(FaultyStorage(root: folder.path, fault: nil, beforeCreate: { _ in }))
        writer.submit(.full(Self.state(0), kept: [], formats: .binary, time: 100), background: true)
        writer.submit(.delta(CapturedChanges(Self.delta(1)), time: 100), background: true)
        #expect(writer.waitUntilIdle())
        Thread.sleep(forTimeInterval: 0.05)
        let written = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            writer.submit(.delta(CapturedChanges(Self.delta(2)), time: 100), background: true)
            writer.waitUntilIdle()
            written.signal()
        }
        // A checkpoint no thread takes would leave the writer busy for ever: bounded here.
        try #require(written.wait(timeout: .now() + 10) == .success)
        #expect(try Self.contents(folder.path).map(\.x) == [0, 1, 2])
        #expect(!writer.pending.isSomething)
        #expect(writer.finish(releasing: CountingLock()) { _ in LightningError("unused", code: .stopTimedOut) })
    }

    @Test("a stop's deadline ends the waits for room and for the last save; abandoned, the writer writes nothing more and gives the lock up once the save under way ends")
    func deadlineEndsWaits() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (writer, gate) = Self.writerWithFullQueue(folder.path)
        let started = ContinuousClock.now
        writer.stop(deadline: .now + .milliseconds(200), immediately: false)
        // The queue is full: the wait for room ends at the deadline, and the checkpoint is queued.
        writer.submit(.delta(CapturedChanges(Self.delta(3)), time: 100), background: true)
        #expect(!writer.waitUntilIdle())
        let lock = CountingLock()
        #expect(!writer.finish(releasing: lock) { durable in .stopTimedOut("a test's deadline", newestDurable: durable) })
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(190) && waited < .seconds(5))
        #expect(writer.stopWaitEnded)
        #expect(lock.releases.withLock { $0 } == 0)  // the save under way still writes
        gate.open()
        let deadline = ContinuousClock.now + .seconds(10)
        while lock.releases.withLock({ $0 }) == 0 && .now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(lock.releases.withLock { $0 } == 1)
        // The save under way finished; nothing queued after it was written.
        #expect(try Self.contents(folder.path).map(\.x) == [0])
    }

    @Test("an immediate stop ends a retry's pause: the writer gives up at once instead of sleeping")
    func immediateStopEndsRetries() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let storage = FaultyStorage(root: folder.path, fault: .init(.create, call: 1, count: 100, errno: EIO))
        let writer = Self.writer(storage, retryDelay: 30)
        writer.submit(.full(Self.state(0), kept: [], formats: .binary, time: 100), background: true)
        let deadline = ContinuousClock.now + .seconds(10)
        while storage.calls(of: .create) == 0 && .now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let started = ContinuousClock.now
        writer.stop(deadline: nil, immediately: true)
        // Out of its 30 s pause, the writer reports the save as failed.
        while writer.statistics.snapshot.failedSaves == 0 && .now < started + .seconds(10) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(storage.calls(of: .create) == 1)
        #expect(writer.statistics.snapshot.failedSaves == 1)
        #expect(writer.pending.isSomething)
    }

    @Test("with the storage behind, the loop waits for room and every checkpoint is written, in order")
    func backpressure() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // One save runs (held), two wait: the next submit must wait for room.
        let (writer, gate) = Self.writerWithFullQueue(folder.path)
        let submitted = DispatchSemaphore(value: 0)
        let waited = LockedBox(0.0)
        Thread.detachNewThread {
            waited.value = writer.submit(.delta(CapturedChanges(Self.delta(3)), time: 100), background: true)
            submitted.signal()
        }
        #expect(submitted.wait(timeout: .now() + 0.3) == .timedOut)  // still waiting for room
        gate.open()
        submitted.wait()
        writer.waitUntilIdle()
        #expect(waited.value > 0.2)
        let files = try Self.contents(folder.path)
        #expect(files.map(\.x) == [0, 1, 2, 3])
        #expect(files.map(\.isDelta) == [false, true, true, true])
        #expect(writer.statistics.snapshot.recentErrors.isEmpty)
    }

    @Test("merging is an opt-in: the loop never waits, and waiting checkpoints become one file")
    func mergeWhenBehind() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let gate = Gate(held: 1)
        let writer = Self.writer(FaultyStorage(root: folder.path, fault: nil, beforeCreate: gate.pass), whenBehind: .merge)
        writer.submit(.full(Self.state(0), kept: [], formats: .binary, time: 100), background: true)
        gate.awaitArrival()
        for value in 1...5 {
            #expect(writer.submit(.delta(CapturedChanges(Self.delta(value)), time: 100), background: true) == 0)
        }
        gate.open()
        writer.waitUntilIdle()
        // 1 and 2 wait; 3, 4 and 5 merge into 2's place.
        #expect(try Self.contents(folder.path).map(\.x) == [0, 1, 5])
    }

    @Test("past 16 checkpoints merged into one waiting job, the job is dropped as a gap and the next checkpoint is whole")
    func mergeBounded() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let gate = Gate(held: 1)
        let writer = Self.writer(FaultyStorage(root: folder.path, fault: nil, beforeCreate: gate.pass), whenBehind: .merge)
        writer.submit(.full(Self.state(0), kept: [], formats: .binary, time: 100), background: true)
        gate.awaitArrival()
        // 1 and 2 wait; 3 to 17 merge into 2's job (16 captures); 18 would be the 17th: a gap.
        for value in 1...20 {
            #expect(writer.submit(.delta(CapturedChanges(Self.delta(value)), time: 100), background: true) == 0)
        }
        gate.open()
        writer.waitUntilIdle()
        #expect(try Self.contents(folder.path).map(\.x) == [0, 1])
        #expect(writer.needsFullSnapshot)
        #expect(writer.statistics.snapshot.failedSaves == 1)
        // The next full snapshot holds everything.
        writer.submit(.full(Self.state(20), kept: [], formats: .binary, time: 100), background: true)
        writer.waitUntilIdle()
        #expect(try Self.contents(folder.path).map(\.x) == [0, 1, 20])
        #expect(!writer.needsFullSnapshot)
    }

    @Test("a delta queued behind a full snapshot that then fails is written whole with it, never against the older chain")
    func deltaBehindFailedFull() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Creates: 1 saves A; 2-4 are B's three attempts, all failing; the gate holds B's first.
        let gate = Gate(held: 2)
        let storage = FaultyStorage(root: folder.path, fault: .init(.create, call: 2, count: 3, errno: EIO), beforeCreate: gate.pass)
        let writer = Self.writer(storage)
        writer.submit(.full(Self.state(0), kept: [], formats: .binary, time: 100), background: true)
        gate.awaitArrival()
        writer.submit(.full(Self.state(10), kept: [], formats: .binary, time: 100), background: true)
        writer.submit(.delta(CapturedChanges(Self.delta(11)), time: 100), background: true)
        gate.open()
        gate.awaitArrival()
        writer.waitUntilIdle()
        let files = try Self.contents(folder.path)
        // A, then B with the delta applied, whole: no delta names A's chain after B failed.
        #expect(files.map(\.x) == [0, 11])
        #expect(files.map(\.isDelta) == [false, false])
        #expect(writer.statistics.snapshot.recentErrors.map(\.code) == [.io(errno: EIO)])
        if case .none = writer.pending {} else { Issue.record("the newest state is durable, yet the writer holds it as pending") }
    }

    @Test("a failed delta's edits go with the next delta, against the same durable parent")
    func failedDeltaCarried() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let writer = Self.writer(FaultyStorage(root: folder.path, fault: .init(.create, call: 2, count: 3, errno: ENOSPC)))
        writer.submit(.full(Self.state(0), kept: [], formats: .binary, time: 100), background: false)
        var first = StateDelta()
        first.set(["pad"], to: "changed")
        writer.submit(.delta(CapturedChanges(first), time: 100), background: false)
        #expect(writer.needsFullSnapshot)
        writer.submit(.delta(CapturedChanges(Self.delta(2)), time: 100), background: false)
        let store = CheckpointStore(storageRoot: folder.path)
        let files = try store.list()
        #expect(files.count == 2)
        #expect(files[1].parent == files[0].name)
        let last = try store.location(of: files[1]).read()
        #expect(last["pad"] == "changed")
        #expect(last["x"] == 2)
    }

    @Test("a save that cannot be encoded is not retried, and fails naming the problem")
    func encodingFailureIsNotRetried() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let storage = FaultyStorage(root: folder.path, fault: nil)
        let writer = Self.writer(storage)
        var deep: StateValue = 1
        for _ in 0..<1_100 { deep = [deep] }
        writer.submit(.full(["x": deep], kept: [], formats: .binary, time: 100), background: false)
        #expect(storage.calls(of: .create) == 0)
        let error = try #require(writer.statistics.snapshot.recentErrors.first)
        #expect(error.code == .encoding)
        #expect(error.description.hasSuffix(": the state nests 1101 levels deep, deeper than the 1024 a reader accepts; nothing was saved"))
    }
}
