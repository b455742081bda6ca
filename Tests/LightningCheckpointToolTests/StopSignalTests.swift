import Foundation
import LightningState
import LightningStore
import LightningTestSupport
import Testing

/// What an app run through the library's options does at each signal, run as a supervisor runs it.
@Suite("Signals and stopping, through the built apps")
struct StopSignalTests {
    /// Whether an app running in `folder` took the storage's lock: its signal handlers are in
    /// place by then. Removes a lock file left by an earlier run first.
    static func lockTaken(in folder: String) -> @Sendable () -> Bool {
        let path = "\(folder)/.storage/.writer.lock"
        try? FileManager.default.removeItem(atPath: path)
        return { FileManager.default.fileExists(atPath: path) }
    }

    static func counter(in folder: String) throws -> StateValue? {
        try CheckpointStore(storageRoot: "\(folder)/.storage").loadCheckpoint("latest").state["works"]?["w"]?["vars"]?["counter"]
    }

    @Test("SIGTERM and SIGINT stop an app gracefully: exit 0, the newest checkpoint holds the state printed, no temporary file is left", arguments: [SIGTERM, SIGINT])
    func gracefulStop(signal: Int32) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Saves only every 100,000 iterations: without the final checkpoint most of the run is lost.
        let run = try Executable.run(
            "counter-app", ["--iterations", "100000000", "--policy-only", "--checkpoint-every", "100000"], in: folder.path,
            signals: [(after: 1.5, signal: signal)], ready: Self.lockTaken(in: folder.path))
        #expect(run.status == 0)
        let printed = try #require(Int64(run.standardOutput.dropFirst("counter=".count).dropLast()))
        #expect(try Self.counter(in: folder.path) == .int(printed))
        #expect(run.standardError.contains("stopping as requested: finishing the saves\n"))
        #expect(run.standardError.contains("stopped; the newest state is saved as lightningapp_checkpoint_"))
        #expect(folder.names(in: ".storage/checkpoints").allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("SIGUSR1 asks for a checkpoint: an app whose hook never saves gets one per signal, and the final one")
    func checkpointSignal() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try Executable.run(
            "counter-app", ["--iterations", "100000000", "--policy-only", "--sleep", "0.01"], in: folder.path,
            signals: [(after: 1, signal: SIGUSR1), (after: 0.5, signal: SIGUSR1), (after: 0.5, signal: SIGTERM)], ready: Self.lockTaken(in: folder.path))
        #expect(run.status == 0)
        #expect(folder.names(in: ".storage/checkpoints").count == 3)
    }

    @Test("a stop that cannot finish in time exits 2 naming the newest durable checkpoint, whether a flow does not return or a second signal comes")
    func stopCutShort() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try Executable.run("counter-app", ["--iterations", "2"], in: folder.path)
        let newest = try #require(folder.names(in: ".storage/checkpoints").last?.split(separator: ".").first)
        // Each iteration sleeps 30 s: the iteration in progress outlives the stop timeout.
        let started = Date()
        let stuck = try Executable.run(
            "counter-app", ["--resume", "--sleep", "30", "--stop-timeout", "0.5"], in: folder.path,
            signals: [(after: 1, signal: SIGTERM)], ready: Self.lockTaken(in: folder.path))
        #expect(stuck.status == 2)
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(stuck.standardError.hasSuffix(
            "The app did not stop in time (its stop timeout of 0.5 s ran out, and the iteration in progress has not returned); the newest durable checkpoint is \(newest): resume from latest\n"))
        let twice = try Executable.run(
            "counter-app", ["--resume", "--sleep", "30"], in: folder.path,
            signals: [(after: 1, signal: SIGINT), (after: 0.3, signal: SIGINT)], ready: Self.lockTaken(in: folder.path))
        #expect(twice.status == 2)
        #expect(twice.standardError.contains("(a second signal ended the wait, and the iteration in progress has not returned); the newest durable checkpoint is \(newest)"))
        #expect(try Self.counter(in: folder.path) == 2)
    }

    @Test("--resume starts from the initial state on an empty storage and from the newest checkpoint after; with --checkpoint it is refused")
    func resume() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try Executable.run("counter-app", ["--resume"], in: folder.path)
        #expect(first.status == 0)
        #expect(first.standardOutput == "counter=3\n")
        #expect(first.standardError == "no checkpoint in .storage/checkpoints: starting from the initial state\n")
        let second = try Executable.run("counter-app", ["--resume"], in: folder.path)
        #expect(second.standardOutput == "counter=6\n")
        #expect(second.standardError.hasPrefix("resumed from .storage/checkpoints/lightningapp_checkpoint_"))
        let both = try Executable.run("counter-app", ["--resume", "--checkpoint", "latest"], in: folder.path)
        #expect(both.status != 0)
        #expect(both.standardError.contains("--resume and --checkpoint latest both say where to start: give one"))
    }

    @Test("service-app runs the app in a ServiceGroup: SIGTERM shuts the group down gracefully, with the final state saved")
    func serviceApp() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try Executable.run(
            "service-app", ["--pause", "0.01", "--report-interval", "0.5"], in: folder.path,
            signals: [(after: 2, signal: SIGTERM)], ready: Self.lockTaken(in: folder.path))
        #expect(run.status == 0)
        let printed = try #require(Int64(run.standardOutput.dropFirst("counter=".count).dropLast()))
        #expect(try Self.counter(in: folder.path) == .int(printed))
        #expect(run.standardError.contains("checkpoint asked for by the reporter: lightningapp_checkpoint_"))
        let again = try Executable.run("service-app", ["--pause", "0.01"], in: folder.path, signals: [(after: 1, signal: SIGINT)], ready: Self.lockTaken(in: folder.path))
        #expect(again.status == 0)
        #expect(again.standardError.hasPrefix("resumed from .storage/checkpoints/lightningapp_checkpoint_"))
        #expect(Int64(again.standardOutput.dropFirst("counter=".count).dropLast()) ?? 0 > printed)
    }
}
