import Foundation
import InMemoryLogging
@testable import Lightning
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import Synchronization
import Testing

/// Stopping an app from outside its loop, asking it for checkpoints, running it as a task, and
/// what every stop leaves durable.
@Suite("Stopping and controlling an app")
struct StopAndControlTests {
    /// Counts until stopped from outside; tells `reached` when it passes `signalAt`.
    final class Endless: LightningFlow {
        let w = Counter()
        let signalAt: Int
        let reached: DispatchSemaphore
        let saves: Bool
        let failAt: Int?

        init(signalAt: Int = 5, saves: Bool = false, failAt: Int? = nil, reached: DispatchSemaphore = DispatchSemaphore(value: 0)) {
            self.signalAt = signalAt
            self.saves = saves
            self.failAt = failAt
            self.reached = reached
        }

        override func run() throws {
            try w.call()
            if w.counter == failAt { throw Failure() }
            if w.counter == signalAt { reached.signal() }
        }

        override func shouldSaveCheckpoint() -> Bool { saves }

        struct Failure: Error, CustomStringConvertible {
            var description: String { "the flow failed on purpose" }
        }
    }

    /// A storage whose first save passes and whose second is held until `gate` is signalled;
    /// `arrived` is signalled when the second reaches it.
    static func storageHoldingSecondSave(_ folder: String) -> (FaultyStorage, arrived: DispatchSemaphore, gate: DispatchSemaphore) {
        let arrived = DispatchSemaphore(value: 0)
        let gate = DispatchSemaphore(value: 0)
        let creates = Mutex(0)
        let storage = FaultyStorage(root: folder, fault: nil) { _ in
            if creates.withLock({ $0 += 1; return $0 }) == 2 {
                arrived.signal()
                gate.wait()
            }
        }
        return (storage, arrived, gate)
    }

    /// Asks for a stop, from another thread, once `reached` is signalled.
    static func requestStop(_ control: LightningAppControl, when reached: DispatchSemaphore) {
        Thread.detachNewThread {
            reached.wait()
            control.requestStop()
        }
    }

    static func counter(in folder: String) throws -> StateValue? {
        try CheckpointStore(storageRoot: folder).loadCheckpoint("latest").state["works"]?["w"]?["vars"]?["counter"]
    }

    @Test("a stop asked for from another thread ends the run after the iteration in progress, and the final checkpoint holds the state it stopped with")
    func stopFromAnotherThread() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Endless(signalAt: 50)
        let app = LightningApp(root: root, name: "endless")
        let control = app.control
        Self.requestStop(control, when: root.reached)
        try app.run(checkpoint: nil, storageRoot: folder.path)
        #expect(root.w.counter >= 50)
        #expect(app.stage == .stopping)
        // The hook never asked: the only checkpoint is the final one, with the newest state.
        #expect(app.statistics.saves == 1)
        #expect(try Self.counter(in: folder.path) == .int(Int64(root.w.counter)))
        #expect(!control.isStopRequested)  // the run consumed it
    }

    @Test("a stop asked for before the run ends it before the first iteration: the initial state is saved once; a loaded newest checkpoint is not saved again")
    func stopBeforeTheRun() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = LightningApp(root: Endless(), name: "endless")
        first.control.requestStop()
        try first.run(checkpoint: nil, storageRoot: folder.path)
        #expect(first.statistics.saves == 1)
        #expect(try Self.counter(in: folder.path) == 0)
        let second = LightningApp(root: Endless(), name: "endless")
        second.control.requestStop()
        try second.run(from: .newestCheckpointIfAny, storageRoot: folder.path)
        #expect(second.statistics.saves == 0)
        #expect(try CheckpointStore(storageRoot: folder.path).list().count == 1)
    }

    @Test("a run resumed from the newest checkpoint takes no final checkpoint when nothing changed; after a change it does, whole")
    func resumedRunSavesOnlyChanges() throws {
        final class Idle: LightningFlow {
            let w = Counter()
            var changeAt: Int?
            var iterations = 0
            override func run() throws {
                iterations += 1
                if iterations == changeAt { try w.call() }
                if iterations == 5 { stop() }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try LightningApp(root: Idle(), name: "idle").run(checkpoint: nil, storageRoot: folder.path)
        let store = CheckpointStore(storageRoot: folder.path)
        let before = try store.list().count
        // Nothing changes in five iterations: the stop writes nothing.
        let idle = LightningApp(root: Idle(), name: "idle")
        try idle.run(from: .newestCheckpointIfAny, storageRoot: folder.path)
        #expect(idle.statistics.checkpointsTaken == 0)
        #expect(try store.list().count == before)
        // A change at iteration 3: the final checkpoint holds it, whole (this run's chain starts there).
        let root = Idle()
        root.changeAt = 3
        let changed = LightningApp(root: root, name: "idle")
        try changed.run(from: .newestCheckpointIfAny, storageRoot: folder.path)
        #expect(changed.statistics.fullSaves == 1)
        #expect(changed.statistics.deltaSaves == 0)
        #expect(try store.loadCheckpoint("latest").state["works"]?["w"]?["vars"]?["counter"] == 1)
    }

    @Test("checkpoint() returns the name of a durable checkpoint holding the state at the boundary; task cancellation stops the app gracefully")
    func awaitedCheckpointAndCancellation() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let control = LightningAppControl()
        let path = folder.path
        let run = Task {
            let root = Endless()
            let app = LightningApp(root: root, name: "endless")
            app.control = control
            try await app.run(from: .initialState, store: CheckpointStore(storageRoot: path))
            return root.w.counter
        }
        let name = try await control.checkpoint()
        let store = CheckpointStore(storageRoot: path)
        guard case .int(let saved) = try store.loadCheckpoint(name.stem).state["works"]?["w"]?["vars"]?["counter"] else {
            Issue.record("the checkpoint holds no counter")
            return
        }
        #expect(saved >= 1)
        #expect(control.statistics.newestDurable != nil)
        run.cancel()
        let final = try await run.value
        #expect(final >= Int(saved))
        #expect(try Self.counter(in: path) == .int(Int64(final)))
    }

    @Test("a checkpoint asked for before a run is taken at its first boundary; one the run ends without taking fails with the run's error")
    func requestsAcrossRuns() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let results = Mutex<[Result<CheckpointName, LightningError>]>([])
        let app = LightningApp(root: Endless(signalAt: 3), name: "endless")
        app.control.requestCheckpoint { result in results.withLock { $0.append(result) } }
        let root = app.root as! Endless
        let control = app.control
        Self.requestStop(control, when: root.reached)
        try app.run(checkpoint: nil, storageRoot: folder.path)
        let first = try #require(results.withLock { $0.first })
        let name = try first.get()
        #expect(try CheckpointStore(storageRoot: folder.path).loadCheckpoint(name.stem).state["works"]?["w"]?["vars"]?["counter"] == 1)

        // A checkpoint asked for during an iteration that fails is never taken.
        final class AsksThenFails: LightningFlow {
            let control: LightningAppControl
            let late: LockedBox<Result<CheckpointName, LightningError>?>
            init(control: LightningAppControl, late: LockedBox<Result<CheckpointName, LightningError>?>) {
                self.control = control
                self.late = late
            }
            override func run() throws {
                control.requestCheckpoint { [late] result in late.value = result }
                throw Endless.Failure()
            }
        }
        let control2 = LightningAppControl()
        let late = LockedBox<Result<CheckpointName, LightningError>?>(nil)
        let failing = LightningApp(root: AsksThenFails(control: control2, late: late), name: "failing")
        failing.control = control2
        #expect(throws: Endless.Failure.self) { try failing.run(checkpoint: nil, storageRoot: folder.path) }
        let refused = try #require(late.value)
        let error = #expect(throws: LightningError.self) { try refused.get() }
        #expect(error?.code == .notRunning)
        #expect(error?.description == "The checkpoint was not taken: the app's run ended before its next iteration boundary")
    }

    @Test("a stop whose saves do not end in time throws stopTimedOut naming the newest durable checkpoint, and the lock is kept until the save under way ends")
    func stopTimesOut() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (storage, arrived, gate) = Self.storageHoldingSecondSave(folder.path)
        let app = LightningApp(root: Endless(saves: true), name: "slow")
        let control = app.control
        Thread.detachNewThread {
            arrived.wait()
            control.requestStop(timeout: .milliseconds(300))
        }
        let started = ContinuousClock.now
        let error = #expect(throws: LightningError.self) { try app.run(checkpoint: nil, store: CheckpointStore(storage: storage)) }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(error?.code == .stopTimedOut)
        let first = try #require(CheckpointStore(storageRoot: folder.path).list().first?.name)
        #expect(error?.newestDurableCheckpoint == first)
        #expect(error?.description == "The app stopped before its newest state was saved (its stop timeout of 0.3 s ran out); the newest durable checkpoint is \(first): resume from latest")
        // The abandoned save still holds the storage: no second writer meanwhile.
        #expect(throws: CheckpointStoreError.self) { try CheckpointStore(storageRoot: folder.path).lockForWriting().release() }
        gate.signal()
        let deadline = ContinuousClock.now + .seconds(10)
        var lock: (any StorageLock)?
        while lock == nil && .now < deadline {
            lock = try? CheckpointStore(storageRoot: folder.path).lockForWriting()
            if lock == nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        #expect(lock != nil)
        lock?.release()
    }

    @Test("a checkpoint awaited while its save hangs past the stop's deadline is told stopTimedOut, not left waiting")
    func waiterOfAbandonedSave() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (storage, arrived, gate) = Self.storageHoldingSecondSave(folder.path)
        defer { gate.signal() }
        let control = LightningAppControl()
        let run = Task {
            let app = LightningApp(root: Endless(), name: "slow")
            app.control = control
            app.policy.stopTimeout = 0.3
            try await app.run(from: .initialState, store: CheckpointStore(storage: storage))
        }
        _ = try await control.checkpoint()  // the first save passes
        let second = Task { () async -> LightningError? in
            do {
                _ = try await control.checkpoint()
                return nil
            } catch {
                return error as? LightningError
            }
        }
        // The second save hangs; wait for it on a thread of its own, not on the cooperative pool.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                arrived.wait()
                continuation.resume()
            }
        }
        control.requestStop()
        let outcome = await second.value
        #expect(outcome?.code == LightningError.Code.stopTimedOut)
        let ended = await run.result
        #expect(throws: LightningError.self) { try ended.get() }
    }

    @Test("a run that cannot start tells pending checkpoint requests so, and consumes a pending stop; a control held by a running app is refused to another")
    func failedStartAndSharedControl() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let held = try CheckpointStore(storageRoot: folder.path).lockForWriting()
        let app = LightningApp(root: Endless(), name: "blocked")
        let told = LockedBox<Result<CheckpointName, LightningError>?>(nil)
        app.control.requestCheckpoint { told.value = $0 }
        app.control.requestStop()
        let error = #expect(throws: LightningError.self) { try app.run(checkpoint: nil, storageRoot: folder.path) }
        #expect(error?.code == .storageInUse)
        let refusal = try #require(told.value)
        #expect(throws: LightningError.self) { try refusal.get() }
        #expect(!app.control.isStopRequested)
        held.release()

        let other = try TemporaryFolder()
        defer { other.remove() }
        let root = Endless(signalAt: 3)
        let first = LightningApp(root: root, name: "first")
        let control = first.control
        let reached = root.reached
        let secondError = LockedBox<LightningError?>(nil)
        let path = other.path
        Thread.detachNewThread {
            reached.wait()  // the first app runs now
            let second = LightningApp(root: Endless(), name: "second")
            second.control = control
            do {
                try second.run(checkpoint: nil, storageRoot: path)
            } catch {
                secondError.value = error as? LightningError
            }
            control.requestStop()  // the refused run left the first one's control as it was
        }
        try first.run(checkpoint: nil, storageRoot: folder.path)
        #expect(secondError.value?.code == .controlInUse)
        #expect(secondError.value?.description == "The app's control is already used by another running app: give each app its own, or run them one after the other")
        #expect(root.w.counter >= 3)
    }

    @Test("stopNow ends a stop's wait at once, with the reason in the message")
    func stopNow() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (storage, arrived, gate) = Self.storageHoldingSecondSave(folder.path)
        defer { gate.signal() }
        let app = LightningApp(root: Endless(saves: true), name: "slow")
        let control = app.control
        Thread.detachNewThread {
            arrived.wait()
            control.requestStop()  // 25 s by the policy
            Thread.sleep(forTimeInterval: 0.1)
            control.stopNow()
        }
        let started = ContinuousClock.now
        let error = #expect(throws: LightningError.self) { try app.run(checkpoint: nil, store: CheckpointStore(storage: storage)) }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(error?.code == .stopTimedOut)
        #expect(error?.description.hasPrefix("The app stopped before its newest state was saved (a second stop request ended the wait); the newest durable checkpoint is lightningapp_checkpoint_") == true)
    }

    @Test("newestCheckpointIfAny starts fresh on an empty storage and resumes after; a damaged newest checkpoint is an error, not a fresh start")
    func resumeIfAny() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = LightningApp(root: Endless(), name: "endless")
        first.control.requestStop()
        let logs = InMemoryLogHandler()
        first.logger = Logger(label: "lightning.app", factory: { _ in logs })
        try first.run(from: .newestCheckpointIfAny, storageRoot: folder.path)
        #expect(logs.entries.contains { $0.level == .notice && "\($0.message)" == "no checkpoint in \(folder.path)/checkpoints: starting from the initial state" })
        let root = Endless(signalAt: 3)
        let second = LightningApp(root: root, name: "endless")
        let control = second.control
        Self.requestStop(control, when: root.reached)
        try second.run(from: .newestCheckpointIfAny, storageRoot: folder.path)
        let third = Endless()
        let resumed = LightningApp(root: third, name: "endless")
        resumed.control.requestStop()
        try resumed.run(from: .newestCheckpointIfAny, storageRoot: folder.path)
        #expect(third.w.counter == root.w.counter)
        // Damage the newest file: resuming refuses, naming it.
        let newest = try #require(CheckpointStore(storageRoot: folder.path).list().last)
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: newest.path))
        let error = #expect(throws: LightningError.self) { try LightningApp(root: Endless(), name: "x").run(from: .newestCheckpointIfAny, storageRoot: folder.path) }
        #expect(error?.code == .checkpointCorrupt)
        #expect(error?.description.hasPrefix(newest.path) == true)
    }

    @Test("the statistics stay bounded over many checkpoints: totals grow, windows do not")
    func boundedStatistics() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Endless(signalAt: 300, saves: true)
        let app = LightningApp(root: root, name: "many")
        app.policy.keepLast = 5
        let control = app.control
        Self.requestStop(control, when: root.reached)
        try app.run(checkpoint: nil, storageRoot: folder.path)
        let statistics = app.statistics
        #expect(statistics.saves >= 300)
        #expect(statistics.checkpointsTaken == statistics.saves)
        #expect(statistics.recentCheckpoints.count == CheckpointStatistics.recentCheckpointLimit)
        #expect(statistics.pauses.count == statistics.checkpointsTaken)
        #expect(statistics.pauses.recentSeconds.count == statistics.checkpointsTaken)
        #expect(statistics.newestDurable == statistics.recentCheckpoints.last?.name)
        #expect(statistics.bytesWritten >= statistics.recentCheckpoints.reduce(0) { $0 + $1.size })
        #expect(try CheckpointStore(storageRoot: folder.path).list().count <= 5 + 17)  // the newest 5 and their chain
    }

    @Test("error codes are values: compared, switched over with a default, and named")
    func errorCodes() {
        let code = LightningError.Code.stopTimedOut
        #expect(code == .stopTimedOut)
        #expect(code != .stateNotSaved)
        #expect("\(code)" == "stopTimedOut")
        let matched: String = switch code {
        case .stateNotSaved: "not saved"
        case .stopTimedOut: "timed out"
        default: "other"
        }
        #expect(matched == "timed out")
        #expect(CheckpointStoreError.Code.io(errno: 28) == .io(errno: 28))
        #expect(CheckpointStoreError.Code.io(errno: 28) != .io(errno: 5))
        #expect(CheckpointStoreError.Code.io(errno: 28).errno == 28)
        #expect(CheckpointStoreError.Code.refused(status: 403).httpStatus == 403)
        #expect("\(CheckpointStoreError.Code.refused(status: 403))" == "refused(status: 403)")
        #expect("\(CheckpointStoreError.Code.notFound)" == "notFound")
    }

    @Test("policy: keepEvery and stopTimeout are checked")
    func policyChecks() {
        #expect(throws: LightningError.self) { try CheckpointPolicy(keepEvery: 0).validate() }
        #expect(throws: LightningError.self) { try CheckpointPolicy(stopTimeout: -1).validate() }
        #expect((try? CheckpointPolicy(keepEvery: 3600, stopTimeout: nil).validate()) != nil)
    }
}
