import CoreMetrics
import Foundation
import InMemoryLogging
import Lightning
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import MetricsTestKit
import Testing

/// What an app tells the logging and metrics backends of its host: every save, retry, failure
/// and load, with the documented names, levels and metadata.
@Suite("Logging and metrics")
struct TelemetryTests {
    /// An app that saves after each of its `iterations` iterations.
    final class Root: LightningFlow {
        @Var var iteration = 0
        let iterations: Int
        init(iterations: Int) { self.iterations = iterations }
        override func run() throws {
            iteration += 1
            if iteration >= iterations { stop() }
        }
        override func shouldSaveCheckpoint() -> Bool { true }
    }

    struct Run {
        let logs = InMemoryLogHandler()
        let metrics = TestMetrics()
        var error: (any Error)?

        func entries(_ level: Logger.Level) -> [InMemoryLogHandler.Entry] { logs.entries.filter { $0.level == level } }
    }

    static func run(iterations: Int, fault: FaultyStorage.Fault?, checkpoint: String? = nil, folder: String) -> Run {
        var result = Run()
        let app = LightningApp(root: Root(iterations: iterations), name: "telemetry")
        var logger = Logger(label: "lightning.app", factory: { [logs = result.logs] _ in logs })
        logger.logLevel = .trace
        app.logger = logger
        app.metricsFactory = result.metrics
        // Deltas whatever their size against the tiny base, so that the kinds do not depend on timing.
        app.policy = CheckpointPolicy(maxDeltaBytesFraction: .infinity, retryDelay: 0)
        do {
            try app.run(checkpoint: checkpoint, store: CheckpointStore(storage: FaultyStorage(root: folder, fault: fault)))
        } catch {
            result.error = error
        }
        return result
    }

    @Test("every save is counted, timed and sized by kind; a transient failure is one retry, logged at info")
    func savesAndRetries() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = Self.run(iterations: 4, fault: FaultyStorage.Fault(.create, call: 2, errno: EIO), folder: folder.path)
        #expect(run.error == nil)
        #expect(run.metrics.counterTotal(label: "lightning_checkpoint_saves_total", dimensions: [("kind", "full")]) == 1)
        #expect(run.metrics.counterTotal(label: "lightning_checkpoint_saves_total", dimensions: [("kind", "delta")]) == 3)
        #expect(try run.metrics.expectTimer("lightning_checkpoint_save_duration", [("kind", "delta")]).values.count == 3)
        #expect(try run.metrics.expectRecorder("lightning_checkpoint_save_bytes").values.count == 4)
        #expect(try run.metrics.expectTimer("lightning_checkpoint_pause").values.count == 4)
        #expect(try run.metrics.expectTimer("lightning_checkpoint_queue_wait").values.count == 4)
        #expect(run.metrics.counterTotal(label: "lightning_checkpoint_storage_retries_total") == 1)
        #expect(run.metrics.counterTotal(label: "lightning_checkpoint_save_failures_total") == 0)

        let retry = try #require(run.entries(.info).first)
        #expect(retry.message.description.hasPrefix("storage operation failed (attempt 1 of 3), trying again: "))
        #expect(retry.message.description.hasSuffix("Input/output error"))
        #expect(retry.metadata["attempt"] == "1")
        let saves = run.entries(.debug).filter { $0.message.description.hasPrefix("saved checkpoint lightningapp_checkpoint_") }
        #expect(saves.count == 4)
        for save in saves {
            #expect(Set(save.metadata.keys) == ["checkpoint", "kind", "bytes", "seconds"])
            #expect(Int(save.metadata["bytes"]?.description ?? "") ?? 0 > 0)
        }
        #expect(run.entries(.error).isEmpty)
    }

    @Test("a save that keeps failing is counted and logged as an error with its cause")
    func failures() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = Self.run(iterations: 3, fault: FaultyStorage.Fault(.create, call: 2, count: 3, errno: ENOSPC), folder: folder.path)
        #expect(run.error == nil)  // the next save carries the changes
        #expect(run.metrics.counterTotal(label: "lightning_checkpoint_save_failures_total") == 1)
        #expect(run.metrics.counterTotal(label: "lightning_checkpoint_storage_retries_total") == 2)
        let failure = try #require(run.entries(.error).first)
        #expect(failure.message.description.hasPrefix("checkpoint save failed after 3 attempts: "))
        #expect(failure.message.description.hasSuffix("create failed: No space left on device; its changes go with the next checkpoint"))
        #expect(failure.metadata["attempts"] == "3")
        #expect(failure.metadata["error"] != nil)
    }

    @Test("a resume is counted, timed and logged at notice; a checkpoint that cannot be found counts as a failed load")
    func loads() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = Self.run(iterations: 2, fault: nil, folder: folder.path)
        let newest = try #require(try CheckpointStore(storageRoot: folder.path).list().last)
        let resumed = Self.run(iterations: 3, fault: nil, checkpoint: "latest", folder: folder.path)
        #expect(resumed.error == nil)
        #expect(resumed.metrics.counterTotal(label: "lightning_checkpoint_loads_total") == 1)
        #expect(try resumed.metrics.expectTimer("lightning_checkpoint_load_duration").values.count == 1)
        let notice = try #require(resumed.entries(.notice).first)
        #expect(notice.message.description == "resumed from \(newest.path)")
        #expect(notice.metadata["checkpoint"] != nil)

        let missing = Self.run(iterations: 1, fault: nil, checkpoint: "nope", folder: folder.path)
        #expect((missing.error as? LightningError)?.code == .checkpointNotFound)
        #expect(missing.metrics.counterTotal(label: "lightning_checkpoint_load_failures_total") == 1)
        #expect(missing.metrics.counterTotal(label: "lightning_checkpoint_loads_total") == 0)
    }
}
