import Foundation
import InMemoryLogging
@testable import Lightning
@testable import LightningS3
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import Testing

/// The S3 storage through a fault-injecting proxy (``FaultProxy``) in front of the local S3 server:
/// lost answers, resets, stalls, cut bodies, error bursts, a slow link and a silent server. Each
/// test checks the server directly afterwards: nothing acknowledged lost, nothing half visible,
/// never two writers, leases and uploads cleaned up.
@Suite("S3 under network faults", .serialized, .enabled(if: S3TestEnvironment.isAvailable, Comment(rawValue: S3TestEnvironment.skipReason)))
struct S3FaultTests {
    /// Bounds for tests that do not measure time: room for a loaded machine, and for every
    /// injected failure plus two.
    static let timeouts = S3Timeouts(idle: 3, base: 5, minimumRate: 256 * 1_024, attempts: 4)

    /// Waits until `condition` holds, for at most `seconds`; whether it did.
    static func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > end { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    /// A proxy in front of the test server, and two storages on one fresh prefix: one through the
    /// proxy (the app under test), one straight to the server (the checker, and a second app).
    struct Setup {
        let proxy: FaultProxy
        let storage: S3Storage
        let direct: S3Storage
        let logs: InMemoryLogHandler
    }

    static func setup(_ label: String, leaseSeconds: Double = 30, multipartThreshold: Int = 16 << 20, timeouts: S3Timeouts = timeouts) throws -> Setup {
        let proxy = try FaultProxy(upstream: S3TestEnvironment.variables["AWS_ENDPOINT_URL"]!)
        var configuration = try S3Configuration.fromEnvironment(S3TestEnvironment.variables)
        let direct = S3Storage(
            bucket: S3TestEnvironment.bucket!, prefix: "tests/\(S3TestEnvironment.uniquePrefix(label))", configuration: configuration, leaseSeconds: leaseSeconds)
        configuration.endpoint = proxy.endpoint
        let logs = InMemoryLogHandler()
        let storage = S3Storage(
            bucket: direct.bucket, prefix: direct.prefix, configuration: configuration, multipartThreshold: multipartThreshold, partSize: 5 << 20,
            leaseSeconds: leaseSeconds, timeouts: timeouts, logger: Logger(label: "s3", factory: { _ in logs }))
        return Setup(proxy: proxy, storage: storage, direct: direct, logs: logs)
    }

    static func isLeaseWrite(_ condition: String) -> @Sendable (FaultProxy.Request) -> Bool {
        { $0.method == "PUT" && $0.path.hasSuffix("/.writer-lease") && $0.headers[condition] != nil }
    }

    static func errors(_ logs: InMemoryLogHandler) -> [String] {
        logs.entries.filter { $0.level >= .error }.map { "\($0.message)" }
    }

    static func leaseExists(_ direct: S3Storage) throws -> Bool {
        do {
            _ = try direct.read(".writer-lease")
            return true
        } catch where error.isMissingObject {
            return false
        }
    }

    // MARK: - The lease

    @Test("a lost answer to the lease's creation, or to its take-over: the app holds its own lease, and release leaves nothing")
    func leaseAcquireAnswerLost() throws {
        for condition in ["if-none-match", "if-match"] {
            let setup = try Self.setup("acquire")
            defer { setup.proxy.stop() }
            if condition == "if-match" {
                // A holder that died: its lease expired a minute ago, so this app takes it over.
                try setup.direct.replace(".writer-lease", chunks: [Array("process 1 on host gone; expires \(Int(Date().timeIntervalSince1970) - 60)".utf8)])
            }
            setup.proxy.inject(.loseAnswer, when: Self.isLeaseWrite(condition))
            let lock = try setup.storage.lockForWriting()
            #expect(setup.proxy.seen.contains { $0.hasSuffix("[lose answer]") })
            let second = #expect(throws: CheckpointStoreError.self) { try setup.direct.lockForWriting() }
            #expect(second?.code == .lockHeld)
            #expect(try setup.storage.create("checkpoints/a.json", chunks: [Array("{}".utf8)]))
            lock.release()
            #expect(try Self.leaseExists(setup.direct) == false)
            #expect(Self.errors(setup.logs).isEmpty)
        }
    }

    @Test("a lost answer to a renewal: no false take-over, the lease is renewed on, a second app stays out, and release leaves nothing")
    func renewalAnswerLost() throws {
        let setup = try Self.setup("renewal", leaseSeconds: 3)
        defer { setup.proxy.stop() }
        let lock = try setup.storage.lockForWriting()
        setup.proxy.inject(.loseAnswer, when: Self.isLeaseWrite("if-match"))
        // Past the first renewal (1 s, lost and settled by reading back) and the lease's first term.
        Thread.sleep(forTimeInterval: 4)
        #expect(setup.proxy.seen.contains { $0.hasSuffix("[lose answer]") })
        #expect(Self.errors(setup.logs).isEmpty)
        let second = #expect(throws: CheckpointStoreError.self) { try setup.direct.lockForWriting() }
        #expect(second?.code == .lockHeld)
        #expect(try setup.storage.create("checkpoints/a.json", chunks: [Array("{}".utf8)]))
        lock.release()
        #expect(try Self.leaseExists(setup.direct) == false)
    }

    @Test("renewals that cannot get through: commits stop when the lease's validity ends, another app takes over after its term, and the first never writes again")
    func renewalsBlocked() throws {
        let setup = try Self.setup("blocked", leaseSeconds: 3)
        defer { setup.proxy.stop() }
        let lock = try setup.storage.lockForWriting()
        setup.proxy.inject(.status(503, code: "SlowDown"), times: 1_000, when: Self.isLeaseWrite("if-match"))
        #expect(try setup.storage.create("checkpoints/early.json", chunks: [Array("{}".utf8)]))
        // The validity (3 s less the margin) passes without a confirmed renewal: commits stop, said once.
        #expect(Self.eventually { setup.storage.leaseValidity.hasLapsed })
        let refused = #expect(throws: CheckpointStoreError.self) { try setup.storage.create("checkpoints/late.json", chunks: [Array("{}".utf8)]) }
        #expect(refused?.isTransient == true)
        #expect(refused?.description.hasSuffix("checkpoints/late.json: not done: the writer lease could not be renewed in time, so another app may take the storage over; nothing is written until it is") == true)
        #expect(Self.errors(setup.logs).count == 1)
        #expect(Self.errors(setup.logs).first?.contains("the writer lease could not be renewed in time") == true)
        // After the term (and the second it is rounded up to), another app takes the storage over.
        var taken: (any StorageLock)?
        #expect(Self.eventually { taken = try? setup.direct.lockForWriting(); return taken != nil })
        let theirs = try #require(taken)
        // The network heals: the first app's next renewal finds another app's token.
        setup.proxy.clear()
        #expect(Self.eventually { if case .lost = setup.storage.leaseValidity.current { true } else { false } })
        let lost = #expect(throws: CheckpointStoreError.self) { try setup.storage.create("checkpoints/later.json", chunks: [Array("{}".utf8)]) }
        #expect(lost?.code == .lockHeld)
        #expect(Self.errors(setup.logs).last?.contains("the writer lease was taken over by process \(getpid()) on host") == true)
        lock.release()
        #expect(try Self.leaseExists(setup.direct))  // the other app's lease stays
        #expect(try setup.direct.list(folder: "checkpoints").map(\.key) == ["checkpoints/early.json"])
        theirs.release()
        #expect(try Self.leaseExists(setup.direct) == false)
    }

    @Test("a lost answer to the release still releases; a release that cannot get through is logged, naming the lease's term")
    func release() throws {
        let setup = try Self.setup("release")
        defer { setup.proxy.stop() }
        setup.proxy.inject(.loseAnswer) { $0.method == "DELETE" && $0.path.hasSuffix("/.writer-lease") }
        try setup.storage.lockForWriting().release()
        #expect(try Self.leaseExists(setup.direct) == false)
        #expect(Self.errors(setup.logs).isEmpty)

        setup.proxy.inject(.resetRequest, times: 1_000) { $0.method == "DELETE" && $0.path.hasSuffix("/.writer-lease") }
        try setup.storage.lockForWriting().release()
        #expect(Self.errors(setup.logs).count == 1)
        #expect(Self.errors(setup.logs).first?.contains("could not release the writer lease") == true)
        #expect(Self.errors(setup.logs).first?.contains("it keeps other apps out until it expires, within 30 s") == true)
        setup.proxy.clear()
        try setup.direct.remove(".writer-lease")
    }

    // MARK: - Objects

    @Test("a lost answer to a checkpoint's PUT: saved once, under its name, not again under the next")
    func checkpointAnswerLost() throws {
        let setup = try Self.setup("put")
        defer { setup.proxy.stop() }
        let store = CheckpointStore(storage: setup.storage)
        setup.proxy.inject(.loseAnswer) { $0.method == "PUT" && $0.path.contains("/checkpoints/") }
        let saved = try store.save(["x": 1], time: 1_000, formats: .binary)
        #expect(saved.map(\.name.stem) == ["lightningapp_checkpoint_1000"])
        #expect(try CheckpointStore(storage: setup.direct).list().map(\.name.stem) == ["lightningapp_checkpoint_1000"])
        #expect(try CheckpointStore(storage: setup.direct).location(of: saved[0]).read() == ["x": 1])
    }

    @Test("resets, cut bodies, stalls and bursts of 503 and 500: retried, the bytes exact")
    func transientFaults() throws {
        // Stalls longer than the idle bound, so that they are given up and tried again.
        let setup = try Self.setup("transient", timeouts: S3Timeouts(idle: 1.5, base: 5, minimumRate: 256 * 1_024, attempts: 4))
        defer { setup.proxy.stop() }
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let faults: [FaultProxy.Fault] = [.resetRequest, .status(503, code: "SlowDown"), .status(500, code: "InternalError")]
        for (index, fault) in faults.enumerated() {
            setup.proxy.inject(fault, times: 2) { $0.method == "PUT" }
            #expect(try setup.storage.create("checkpoints/\(index).bin", chunks: [bytes]))
        }
        for fault in [FaultProxy.Fault.resetResponse, .cutBody, .stall(2.5), .status(503, code: "SlowDown")] {
            setup.proxy.inject(fault, times: 2) { $0.method == "GET" }
            #expect(try setup.storage.read("checkpoints/0.bin") == bytes)
        }
        #expect(setup.proxy.seen.filter { $0.hasSuffix("]") }.count == 14)
        #expect(try setup.direct.list(folder: "checkpoints").map(\.size) == [bytes.count, bytes.count, bytes.count])
    }

    @Test("a slow link: a transfer's deadline grows with the object's size, both ways; a link too slow for it fails in bounded time")
    func slowLink() throws {
        let timeouts = S3Timeouts(idle: 2, base: 1, minimumRate: 512 * 1_024, attempts: 1)
        let setup = try Self.setup("slow", timeouts: timeouts)
        defer { setup.proxy.stop() }
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        // 1 MiB at 800 kB/s takes 1.3 s, past the 1 s base, within 1 s + 1 MiB at 512 KiB/s.
        setup.proxy.inject(.slow(bytesPerSecond: 800_000)) { $0.method == "PUT" }
        #expect(try setup.storage.create("checkpoints/big.bin", chunks: [bytes]))
        setup.proxy.inject(.slow(bytesPerSecond: 800_000)) { $0.method == "GET" }
        #expect(try setup.storage.read("checkpoints/big.bin") == bytes)
        // At 200 kB/s it would take 5 s: cut at its 3 s deadline.
        setup.proxy.inject(.slow(bytesPerSecond: 200_000)) { $0.method == "GET" }
        let started = Date()
        let error = #expect(throws: CheckpointStoreError.self) { try setup.storage.read("checkpoints/big.bin") }
        #expect(Date().timeIntervalSince(started) < 4.5)
        #expect(error?.description.contains("no answer in time (over its deadline of 3 s for its size)") == true)
    }

    @Test("a server that accepts and never answers: each request fails within its documented worst case, naming the endpoint")
    func silentServer() throws {
        let timeouts = S3Timeouts(idle: 1, base: 2, minimumRate: 256 * 1_024, attempts: 3)
        let setup = try Self.setup("silent", timeouts: timeouts)
        defer { setup.proxy.stop() }
        setup.proxy.inject(.silent, times: 1_000) { _ in true }
        let started = Date()
        let error = #expect(throws: CheckpointStoreError.self) { try setup.storage.lockForWriting() }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 3 * timeouts.idle)
        #expect(elapsed < timeouts.worstCaseSilentServer + 2)
        #expect(error?.isTransient == true)
        #expect(error?.description.contains("write lease failed after 3 attempts at \(setup.proxy.endpoint): no answer in time (none within 1 s)") == true, "\(String(describing: error))")
        // An app's start is that one request: the app does not retry what the storage retried.
        let app = LightningApp(root: Root(iterations: 1), name: "silent")
        app.logger = Logger(label: "app", factory: { _ in SwiftLogNoOpLogHandler() })
        let appStarted = Date()
        let appError = #expect(throws: LightningError.self) { try app.run(checkpoint: nil, store: CheckpointStore(storage: setup.storage)) }
        #expect(Date().timeIntervalSince(appStarted) < timeouts.worstCaseSilentServer + 2)
        #expect(appError?.description.contains("no answer in time (none within 1 s)") == true)
        // The defaults' worst case, as README states it: 4 × 10 s + 1.5 × (0.1 + 0.4 + 1.6) s.
        #expect(abs(S3Timeouts().worstCaseSilentServer - 43.15) < 0.001)
    }

    // MARK: - Multipart

    @Test("multipart: a lost start leaves no orphan, a completion's 200 with InternalError is retried, a lost completion is ours, a reset part is sent again")
    func multipartFaults() throws {
        let setup = try Self.setup("parts", multipartThreshold: 1_024)
        defer { setup.proxy.stop() }
        let bytes = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let cases: [(FaultProxy.Fault, @Sendable (FaultProxy.Request) -> Bool)] = [
            (.loseAnswer, { $0.method == "POST" && $0.query == "uploads=" }),
            (.status(200, code: "InternalError"), { $0.method == "POST" && $0.query.hasPrefix("uploadId=") }),
            (.loseAnswer, { $0.method == "POST" && $0.query.hasPrefix("uploadId=") }),
            (.resetRequest, { $0.method == "PUT" && $0.query.hasPrefix("partNumber=") }),
        ]
        for (index, (fault, matches)) in cases.enumerated() {
            setup.proxy.inject(fault, when: matches)
            #expect(try setup.storage.create("checkpoints/\(index).bin", chunks: [bytes]))
            #expect(try setup.direct.read("checkpoints/\(index).bin") == bytes)
        }
        #expect(setup.proxy.seen.filter { $0.hasSuffix("]") }.count == cases.count)
        // The conditional completion: a second create of a name is refused, and leaves no parts.
        #expect(try setup.storage.create("checkpoints/0.bin", chunks: [bytes]) == false)
        #expect(try setup.direct.removeLeftovers(folder: "checkpoints") == 0)
        #expect(try setup.direct.list(folder: "checkpoints").count == cases.count)
    }

    /// Counts and saves every iteration, with a var big enough for the multipart threshold.
    final class Root: LightningFlow {
        @Var var count = 0
        @Var var series: [Double] = []
        let iterations: Int
        var onIteration: ((Int) -> Void)?

        init(iterations: Int) { self.iterations = iterations }

        override func run() throws {
            count += 1
            series.append(Double(count))
            onIteration?(count)
            if count >= iterations { stop() }
        }
        override func shouldSaveCheckpoint() -> Bool { true }
    }

    @Test("an app whose checkpoints go up in parts: conditional multipart creates, a lost completion in the middle, and it resumes")
    func appMultipart() throws {
        let setup = try Self.setup("app-parts", multipartThreshold: 256)
        defer { setup.proxy.stop() }
        setup.proxy.inject(.loseAnswer) { $0.method == "POST" && $0.query.hasPrefix("uploadId=") }
        let first = Root(iterations: 5)
        try LightningApp(root: first, name: "parts").run(checkpoint: nil, store: CheckpointStore(storage: setup.storage))
        let second = Root(iterations: 8)
        try LightningApp(root: second, name: "parts").run(checkpoint: "latest", store: CheckpointStore(storage: setup.storage))
        #expect(second.series == (1...8).map(Double.init))
        let store = CheckpointStore(storage: setup.direct)
        #expect(try store.list().count == 8)
        #expect(try setup.direct.removeLeftovers(folder: "checkpoints") == 0)
        #expect(try Self.leaseExists(setup.direct) == false)
        #expect(setup.proxy.seen.contains { $0.hasPrefix("POST") && $0.contains("uploads") })
    }

    @Test("an app whose lease lapses and is taken over: it stops committing, never writes after the take-over, and exits with an error naming what is durable")
    func appLeaseTakenOver() throws {
        let setup = try Self.setup("app-lease", leaseSeconds: 3)
        defer { setup.proxy.stop() }
        let root = Root(iterations: 10)
        var theirs: (any StorageLock)?
        var durableAtTakeOver: [StorageEntry] = []
        root.onIteration = { count in
            if count == 3 { setup.proxy.inject(.status(503, code: "SlowDown"), times: 1_000, when: Self.isLeaseWrite("if-match")) }
            if count == 4 {
                // Renewals fail past the term (3 s, and the second its expiry is rounded up to).
                _ = Self.eventually { theirs = try? setup.direct.lockForWriting(); return theirs != nil }
                durableAtTakeOver = (try? setup.direct.list(folder: "checkpoints")) ?? []
                setup.proxy.clear()
                // The first app learns at its next renewal that the lease is another's.
                _ = Self.eventually { if case .lost = setup.storage.leaseValidity.current { true } else { false } }
            }
        }
        let app = LightningApp(root: root, name: "lease")
        app.logger = Logger(label: "app", factory: { _ in SwiftLogNoOpLogHandler() })
        app.policy.retryDelay = 0.01
        let error = #expect(throws: LightningError.self) { try app.run(checkpoint: nil, store: CheckpointStore(storage: setup.storage)) }
        #expect(theirs != nil)
        #expect(error?.code == .stateNotSaved)
        #expect(error?.newestDurableCheckpoint != nil)
        #expect(try setup.direct.list(folder: "checkpoints") == durableAtTakeOver)
        #expect(Self.errors(setup.logs).contains { $0.contains("the writer lease was taken over by process \(getpid())") })
        theirs?.release()
        #expect(try Self.leaseExists(setup.direct) == false)
    }
}
