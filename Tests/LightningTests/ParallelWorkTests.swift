import Foundation
import InMemoryLogging
@testable import Lightning
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import Synchronization
import Testing

/// Parallel works: their own thread, publications applied at the loop's boundaries, Lightning's
/// statuses, stops, restarts, and the loop that sleeps while a flow only watches.
@Suite("Parallel works")
struct ParallelWorkTests {
    /// Writes `stage` with plain writes (each published at once), waiting for `gate` in between.
    final class Gated: LightningWork {
        @Var var stage = "waiting"
        let gate: DispatchSemaphore
        let starts: Atomic<Int>

        init(gate: DispatchSemaphore = DispatchSemaphore(value: 0), cacheCalls: Bool? = nil) {
            self.gate = gate
            starts = Atomic(0)
            super.init(parallel: true, cacheCalls: cacheCalls)
        }

        override func run() throws {
            starts.add(1, ordering: .relaxed)
            stage = "started"
            guard gate.wait(timeout: .now() + 20) == .success else { throw TimedOut() }
            stage = "done"
        }

        struct TimedOut: Error {}
    }

    /// Publishes `a` and `b` together, `count` times, resting a millisecond every hundred.
    final class Pairs: LightningWork {
        @Var var a = 0
        @Var var b = 0
        let count: Int

        init(count: Int) {
            self.count = count
            super.init(parallel: true)
        }

        override func run() throws {
            for value in 1...count {
                if value % 100 == 0 { Thread.sleep(forTimeInterval: 0.001) }
                try publish {
                    a = value
                    b = value
                }
            }
        }
    }

    /// Publishes `ticks` every millisecond until asked to stop, or until `limit`.
    final class Ticker: LightningWork {
        @Var var ticks = 0
        let limit: Int

        init(limit: Int = 100_000) {
            self.limit = limit
            super.init(parallel: true)
        }

        override func run() throws {
            while ticks < limit {
                Thread.sleep(forTimeInterval: 0.001)
                let next = ticks + 1
                try publish { ticks = next }
            }
        }
    }

    /// A root holding one child — a work, or a structure of works — under `work`, that runs
    /// `script` as its iteration and saves after each.
    final class Holder: LightningFlow {
        let work: AnyObject
        let script: (Holder) throws -> Void
        var iterations = 0

        init(_ work: AnyObject, _ script: @escaping (Holder) throws -> Void) {
            self.work = work
            self.script = script
        }

        override func run() throws {
            iterations += 1
            try script(self)
        }

        override func shouldSaveCheckpoint() -> Bool { true }
    }

    static func stages(_ work: LightningWork) -> [String] {
        guard case .string(let hash)? = work.calls["latest_call_hash"] else { return [] }
        return (work.calls[hash]?["statuses"]?.arrayValue ?? []).compactMap { $0["stage"]?.stringValue?.string }
    }

    @Test("a parallel work runs on its own thread while the flow goes on looping; its plain writes reach the flow at the next boundary")
    func runsWhileFlowLoops() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Gated()
        var seenStarted = 0
        let root = Holder(work) { flow in
            try work.call()
            if work.stage == "started" {
                #expect(work.isRunning && work.hasStarted && work.callStatus.stage == .running)
                seenStarted += 1
                if seenStarted == 3 { work.gate.signal() }
            }
            if work.hasSucceeded { flow.stop() }
        }
        let app = LightningApp(root: root, name: "parallel")
        try app.run(from: .initialState, storageRoot: folder.path)
        #expect(seenStarted >= 3)
        #expect(work.stage == "done")
        #expect(work.starts.load(ordering: .relaxed) == 1, "calling a running work does not start it again")
        #expect(!work.isRunning && work.hasSucceeded)
        #expect(Self.stages(work) == ["succeeded"])
        #expect(work.calls[LightningWork.runCallHash]?["ret"] == .null)
    }

    @Test("a publication reaches the flow and every checkpoint whole: never one var of it without the other")
    func publicationsAreAtomic() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Pairs(count: 3000)
        var halves = 0
        var distinct = Set<Int>()
        let root = Holder(work) { flow in
            try work.call()
            if work.a != work.b { halves += 1 }
            distinct.insert(work.a)
            if work.hasSucceeded { flow.stop() }
        }
        let app = LightningApp(root: root, name: "parallel")
        app.stateAccumulateWait = .zero
        try app.run(from: .initialState, storageRoot: folder.path)
        #expect(halves == 0)
        #expect(distinct.count > 2, "the flow saw the work between its first and last publications")
        #expect(work.a == 3000 && work.b == 3000)
        let store = CheckpointStore(storageRoot: folder.path)
        let infos = try store.list()
        #expect(infos.count > 2)
        for info in infos {
            let state = try store.loadCheckpoint(info.name.stem).state
            let vars = try #require(state["works"]?["work"]?["vars"])
            #expect(vars["a"] == vars["b"], "checkpoint \(info.name) holds half a publication")
        }
    }

    @Test("a work that threw is recorded failed with its error, as Lightning does, and the flow goes on")
    func failureIsRecorded() throws {
        final class Throws: LightningWork {
            @Var var progress = 0
            init() { super.init(parallel: true) }
            override func run() throws {
                progress = 1
                throw Failing.Boom()
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Throws()
        let root = Holder(work) { flow in
            try work.call()
            if work.hasFailed { flow.stop() }
        }
        let app = LightningApp(root: root, name: "parallel")
        try app.run(from: .initialState, storageRoot: folder.path)
        #expect(work.hasFailed && !work.isRunning && !work.hasSucceeded)
        #expect(work.progress == 1, "what it published before failing is kept")
        #expect(work.callStatus.message == "boom")
        #expect(work.callStatus.reason == "user_exception")
        #expect(Self.stages(work) == ["pending", "running", "failed"])
        let saved = try CheckpointStore(storageRoot: folder.path).loadCheckpoint("latest").state
        #expect(saved["works"]?["work"]?["calls"] == .object(work.calls))
    }

    @Test("cache_calls, on by default for a parallel work: a call that succeeded is not run again; without it every call runs")
    func cacheCalls() throws {
        for cached in [nil, false] {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let work = Gated(cacheCalls: cached)
            #expect(work.cacheCalls == (cached ?? true))
            work.gate.signal()
            work.gate.signal()
            var successesSeen = 0
            let root = Holder(work) { flow in
                if work.hasSucceeded { successesSeen += 1 }
                if successesSeen == 2 { return flow.stop() }
                try work.call()
            }
            try LightningApp(root: root, name: "parallel").run(from: .initialState, storageRoot: folder.path)
            #expect(work.starts.load(ordering: .relaxed) == (work.cacheCalls ? 1 : 2), "cacheCalls: \(work.cacheCalls)")
        }
    }

    @Test("stop() on a work ends its run at its next publication, recorded stopped with reason pending")
    func workStop() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Ticker()
        let root = Holder(work) { flow in
            try work.call()
            if work.ticks >= 3 { work.stop() }
            if work.hasStopped { flow.stop() }
        }
        try LightningApp(root: root, name: "parallel").run(from: .initialState, storageRoot: folder.path)
        #expect(work.hasStopped && !work.isRunning)
        #expect(work.callStatus.reason == "pending")
        #expect(Self.stages(work) == ["pending", "running", "stopped"])
        #expect(work.ticks >= 3 && work.ticks < 100_000)
    }

    @Test("an app asked to stop waits for its running works to reach a publication, then saves them stopped")
    func appStopStopsWorks() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Ticker()
        let control = LightningAppControl()
        var asked = false
        let root = Holder(work) { _ in
            try work.call()
            if work.ticks >= 5 && !asked {
                asked = true
                Thread.detachNewThread { control.requestStop() }
            }
        }
        let app = LightningApp(root: root, name: "parallel")
        app.control = control
        try app.run(from: .initialState, storageRoot: folder.path)
        #expect(work.hasStopped && !work.isRunning)
        #expect(work.callStatus.reason == "sigterm_signal_handler")
        let saved = try CheckpointStore(storageRoot: folder.path).loadCheckpoint("latest").state
        let savedWork = try #require(saved["works"]?["work"])
        #expect(savedWork["vars"]?["ticks"] == .int(Int64(work.ticks)), "the final checkpoint holds the last publication")
        #expect(savedWork["calls"] == .object(work.calls))
    }

    @Test("after a restore, a work saved running is not running and not succeeded: the next call goes on from its saved vars")
    func resumeRestartsRunningWork() throws {
        final class Epochs: LightningWork {
            @Var var epoch = 0
            @Var var epochsThisRun = 0
            let gate: DispatchSemaphore
            init(gate: DispatchSemaphore) {
                self.gate = gate
                super.init(parallel: true, cacheCalls: true)
            }
            override func run() throws {
                while epoch < 6 {
                    // Held at epoch 3 until the gate opens or the app stops.
                    while epoch == 3 && !isStopRequested && gate.wait(timeout: .now() + .milliseconds(5)) == .timedOut {}
                    if isStopRequested { return }
                    let (next, count) = (epoch + 1, epochsThisRun + 1)
                    try publish {
                        epoch = next
                        epochsThisRun = count
                    }
                }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // The first run saves once the work reached epoch 3 (then running), and stops at once.
        let first = Epochs(gate: DispatchSemaphore(value: 0))
        var boundariesAtThree = 0
        let firstApp = LightningApp(root: Holder(first) { flow in
            try first.call()
            if first.epoch == 3 { boundariesAtThree += 1 }
            if boundariesAtThree == 2 { flow.stop() }  // after a checkpoint at epoch 3
        }, name: "parallel")
        firstApp.policy.checkpointsOnStop = false
        try firstApp.run(from: .initialState, storageRoot: folder.path)
        first.gate.signal()
        let store = CheckpointStore(storageRoot: folder.path)
        let running = try #require(try store.list().first { info in
            let work = try store.loadCheckpoint(info.name.stem).state["works"]?["work"]
            return work?["vars"]?["epoch"] == 3 && work?["calls"]?[LightningWork.runCallHash]?["statuses"]?.arrayValue?.last?["stage"] == "running"
        })

        let second = Epochs(gate: DispatchSemaphore(value: 0))
        second.gate.signal()  // (a semaphore made with a count must not end below it)
        var checkedAfterLoad = false
        let secondApp = LightningApp(root: Holder(second) { flow in
            if !checkedAfterLoad {
                checkedAfterLoad = true
                #expect(second.epoch == 3 && second.callStatus.stage == .running)
                #expect(!second.isRunning && !second.hasSucceeded)
            }
            try second.call()
            if second.hasSucceeded { flow.stop() }
        }, name: "parallel")
        try secondApp.run(from: .checkpoint(running.name.stem), storageRoot: folder.path)
        #expect(checkedAfterLoad)
        #expect(second.epoch == 6)
        #expect(second.epochsThisRun == 3 + 3, "it went on from epoch 3: three epochs before, three in this run")
    }

    @Test("a parallel work called outside an app's loop runs inline")
    func inlineOutsideLoop() throws {
        let work = Pairs(count: 4)
        try work.call()
        #expect(!work.isRunning && work.hasSucceeded)
        #expect(work.a == 4 && work.b == 4)
    }

    @Test("while a work runs, a flow that only watches sleeps between publications; a zero wait loops back to back")
    func accumulateWait() throws {
        final class Sleeper: LightningWork {
            init() { super.init(parallel: true) }
            override func run() throws { Thread.sleep(forTimeInterval: 0.6) }
        }
        var counts: [Int] = []
        for wait in [Duration.milliseconds(150), .zero] {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let work = Sleeper()
            let root = Holder(work) { flow in
                try work.call()
                if work.hasSucceeded { flow.stop() }
            }
            let app = LightningApp(root: root, name: "parallel")
            app.stateAccumulateWait = wait
            try app.run(from: .initialState, storageRoot: folder.path)
            counts.append(root.iterations)
        }
        // 0.6 s at most every 0.15 s, with a few extra turns for the start and the end.
        #expect(counts[0] <= 12, "a watching flow ran \(counts[0]) times in 0.6 s")
        #expect(counts[1] > 3 * max(counts[0], 5), "back to back, the flow ran only \(counts[1]) times in 0.6 s")
    }

    @Test("a flow whose run() averages over the threshold is told to move the work to a parallel work, once")
    func slowFlowWarning() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Holder(Counter()) { flow in
            Thread.sleep(forTimeInterval: 0.02)
            if flow.iterations == 6 { flow.stop() }
        }
        let app = LightningApp(root: root, name: "slow")
        let logs = InMemoryLogHandler()
        app.logger = Logger(label: "lightning.app", factory: { _ in logs })
        app.slowFlowThreshold = 0.01
        try app.run(from: .initialState, storageRoot: folder.path)
        let warnings = logs.entries.filter { $0.level == .warning && "\($0.message)".contains("move long work to a parallel LightningWork") }
        #expect(warnings.count == 1)
    }

    @Test("several works publishing continuously while the app checkpoints every iteration: every checkpoint holds whole publications")
    func manyWorksUnderCheckpoints() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let works = (0..<4).map { _ in Pairs(count: 400) }
        let root = Holder(LightningList<Pairs>(works)) { flow in
            for work in works { try work.call() }
            for work in works { #expect(work.a == work.b) }
            if works.allSatisfy(\.hasSucceeded) { flow.stop() }
        }
        let app = LightningApp(root: root, name: "parallel")
        app.stateAccumulateWait = .zero
        app.policy.maxDeltaChain = 4
        try app.run(from: .initialState, storageRoot: folder.path)
        let store = CheckpointStore(storageRoot: folder.path)
        for info in try store.list() {
            let state = try store.loadCheckpoint(info.name.stem).state
            for index in 0..<4 {
                let vars = state["structures"]?["work"]?["works"]?[StateString(String(index))]?["vars"]
                #expect(vars?["a"] == vars?["b"], "checkpoint \(info.name), work \(index)")
            }
        }
        let last = try store.loadCheckpoint("latest").state
        #expect(last["structures"]?["work"]?["works"]?["3"]?["vars"]?["a"] == 400)
    }

    @Test("a work asked to stop that returns, rather than throwing, is recorded stopped, not succeeded")
    func stopThenReturn() throws {
        final class Polite: LightningWork {
            @Var var ticks = 0
            init() { super.init(parallel: true) }
            override func run() throws {
                while !isStopRequested {
                    ticks += 1
                    Thread.sleep(forTimeInterval: 0.001)
                }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Polite()
        let root = Holder(work) { flow in
            try work.call()
            if work.ticks >= 3 { work.stop() }
            if work.hasStopped || work.hasSucceeded { flow.stop() }
        }
        try LightningApp(root: root, name: "parallel").run(from: .initialState, storageRoot: folder.path)
        #expect(work.hasStopped && !work.hasSucceeded)
        #expect(Self.stages(work) == ["pending", "running", "stopped"])
    }

    @Test("a publish block that throws publishes nothing, and puts back what it wrote in the work's copy")
    func throwingPublishRestores() throws {
        final class Careful: LightningWork {
            @Var var a = 0
            @Var var b = 0
            @Var var seenAfterThrow = -1
            init() { super.init(parallel: true) }
            struct Abandoned: Error {}
            override func run() throws {
                try publish {
                    a = 1
                    b = 1
                }
                try? publish {
                    a = 2
                    try? publish { b = 2 }  // nested: published with the outer block, or not at all
                    throw Abandoned()
                }
                seenAfterThrow = a * 10 + b
                try publish { b = 3 }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Careful()
        var seen: Set<[Int]> = []
        let root = Holder(work) { flow in
            try work.call()
            seen.insert([work.a, work.b])
            if work.hasSucceeded { flow.stop() }
        }
        let app = LightningApp(root: root, name: "parallel")
        app.stateAccumulateWait = .zero
        try app.run(from: .initialState, storageRoot: folder.path)
        #expect(work.seenAfterThrow == 11, "the work's own copy was put back")
        #expect(work.a == 1 && work.b == 3)
        #expect(!seen.contains { $0[0] == 2 || $0[1] == 2 }, "nothing of the abandoned block reached the flow: \(seen)")
    }

    /// Spins until `gate` opens, never publishing or checking for a stop.
    final class Deaf: LightningWork {
        @Var var done = false
        let gate = Atomic<Bool>(false)
        init() { super.init(parallel: true) }
        override func run() throws {
            while !gate.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.002) }
            done = true
        }
    }

    @Test("a second stop request ends the wait for works that do not stop")
    func stopNowEndsWorksWait() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Deaf()
        defer { work.gate.store(true, ordering: .releasing) }
        let control = LightningAppControl()
        var asked = false
        let root = Holder(work) { _ in
            try work.call()
            if work.isRunning && !asked {
                asked = true
                Thread.detachNewThread {
                    control.requestStop(timeout: .seconds(60))  // the works would get 30 s
                    Thread.sleep(forTimeInterval: 0.2)
                    control.stopNow()
                }
            }
        }
        let app = LightningApp(root: root, name: "parallel")
        app.control = control
        let clock = ContinuousClock()
        let started = clock.now
        _ = try? app.run(from: .initialState, storageRoot: folder.path)
        #expect(clock.now - started < .seconds(10), "the run waited \(clock.now - started)")
        #expect(work.isRunning, "the work was left running, as it would not stop")
    }

    @Test("a call still running when a run ended is taken up by the app's next run")
    func nextRunAdoptsRunningWork() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let work = Deaf()
        defer { work.gate.store(true, ordering: .releasing) }
        let control = LightningAppControl()
        var secondRun = false
        let root = Holder(work) { flow in
            try work.call()
            if !secondRun, work.isRunning { control.requestStop() }
            if secondRun, work.hasSucceeded { flow.stop() }
        }
        let app = LightningApp(root: root, name: "parallel")
        app.control = control
        app.policy.stopTimeout = 0.4  // the works get 0.2 s
        try app.run(from: .initialState, storageRoot: folder.path)
        #expect(work.isRunning && !work.done)
        secondRun = true
        work.gate.store(true, ordering: .releasing)
        try app.run(from: .initialState, storageRoot: folder.path)
        // The call the first run asked to stop ended stopped (reason sigterm_signal_handler), once
        // the second run took it up; the flow's next call started it again, and it succeeded.
        #expect(work.hasSucceeded && work.done)
        #expect(Self.stages(work) == ["succeeded"])
    }
}
