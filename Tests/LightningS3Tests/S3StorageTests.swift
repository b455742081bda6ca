import Foundation
@testable import Lightning
import LightningCLI
@testable import LightningS3
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import Testing

/// The S3 storage against a real S3 server (moto, checking signatures), started by `Scripts/test.sh`.
@Suite("S3 storage", .enabled(if: S3TestEnvironment.isAvailable, Comment(rawValue: S3TestEnvironment.skipReason)))
struct S3StorageTests {
    static func configuration() throws -> S3Configuration { try S3Configuration.fromEnvironment(S3TestEnvironment.variables) }

    static func storage(_ label: String, leaseSeconds: Double = 30, configuration: S3Configuration? = nil) throws -> S3Storage {
        S3Storage(
            bucket: S3TestEnvironment.bucket!, prefix: "tests/\(S3TestEnvironment.uniquePrefix(label))",
            configuration: try configuration ?? Self.configuration(), leaseSeconds: leaseSeconds)
    }

    @Test("objects: a create never replaces; whole and range reads; listing with sizes; replace; remove")
    func objects() throws {
        let storage = try Self.storage("objects")
        #expect(try storage.list(folder: "checkpoints").isEmpty)
        #expect(try storage.create("checkpoints/a.lsnap", chunks: [[1, 2, 3], [4, 5]]))
        #expect(try storage.create("checkpoints/a.lsnap", chunks: [[9]]) == false)
        #expect(try storage.read("checkpoints/a.lsnap") == [1, 2, 3, 4, 5])
        #expect(try storage.read("checkpoints/a.lsnap", range: 1..<3) == [2, 3])
        #expect(try storage.read("checkpoints/a.lsnap", range: 3..<64) == [4, 5])
        #expect(try storage.read("checkpoints/a.lsnap", range: 10..<64) == [])
        try storage.replace("checkpoints/b.json", chunks: [Array("{}".utf8)])
        try storage.replace("checkpoints/b.json", chunks: [Array("[1]".utf8)])
        #expect(try storage.list(folder: "checkpoints").sorted { $0.key < $1.key } == [
            StorageEntry(key: "checkpoints/a.lsnap", size: 5), StorageEntry(key: "checkpoints/b.json", size: 3),
        ])
        try storage.remove("checkpoints/a.lsnap")
        try storage.remove("checkpoints/never-there")
        let missing = #expect(throws: CheckpointStoreError.self) { try storage.read("checkpoints/a.lsnap") }
        #expect(missing?.isMissingObject == true)
        #expect(missing?.description == "s3://\(storage.bucket)/\(storage.prefix)/checkpoints/a.lsnap: read failed: no such object (404 NoSuchKey)")
    }

    @Test("a snapshot over the multipart threshold goes up in parts; a second create of its name fails and leaves no parts")
    func multipart() throws {
        let storage = try Self.storage("multipart")
        var generator = SeededRandom(seed: 11)
        let bytes = (0..<(31 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let chunks = stride(from: 0, to: bytes.count, by: 3 << 20).map { Array(bytes[$0..<min($0 + (3 << 20), bytes.count)]) }
        #expect(try storage.create("checkpoints/big.lsnap", chunks: chunks))
        #expect(try storage.read("checkpoints/big.lsnap") == bytes)
        #expect(try storage.create("checkpoints/big.lsnap", chunks: chunks) == false)
        #expect(try storage.removeLeftovers(folder: "checkpoints") == 0)
        #expect(try storage.list(folder: "checkpoints") == [StorageEntry(key: "checkpoints/big.lsnap", size: bytes.count)])
    }

    @Test("more than 1,000 checkpoints list through continuation tokens; latest is the newest")
    func pagination() throws {
        let storage = try Self.storage("pages")
        let count = 1_100
        DispatchQueue.concurrentPerform(iterations: count) { index in
            _ = try? storage.create("checkpoints/lightningapp_checkpoint_\(1_000 + index).json", chunks: [Array("{}".utf8)])
        }
        let store = CheckpointStore(storage: storage)
        #expect(try store.list().count == count)
        #expect(try store.newestName() == CheckpointName(timestamp: Int64(1_000 + count - 1)))
        #expect(try store.resolve("latest").key == "checkpoints/lightningapp_checkpoint_\(1_000 + count - 1).json")
    }

    @Test("wrong credentials and a missing bucket fail at once, naming the bucket, the key and S3's code")
    func refusals() throws {
        var wrong = try Self.configuration()
        wrong.secretAccessKey = "not-the-secret"
        let storage = try Self.storage("refused", configuration: wrong)
        let started = Date()
        let denied = #expect(throws: CheckpointStoreError.self) { try storage.read("checkpoints/x.lsnap") }
        #expect(denied?.code == .refused(status: 403))
        #expect(denied?.description.hasPrefix("s3://\(storage.bucket)/\(storage.prefix)/checkpoints/x.lsnap: read refused: 403 SignatureDoesNotMatch") == true)
        #expect(Date().timeIntervalSince(started) < 2)  // not retried

        let nowhere = S3Storage(bucket: "no-such-bucket-here", prefix: "p", configuration: try Self.configuration())
        let missing = #expect(throws: CheckpointStoreError.self) { try nowhere.list(folder: "checkpoints") }
        #expect(missing?.code == .refused(status: 404))
        #expect(missing?.description == "s3://no-such-bucket-here: list refused: 404 NoSuchBucket: The specified bucket does not exist")
    }

    @Test("a dead server is a clear error within a bounded time, naming the endpoint and the operation")
    func deadServer() throws {
        var configuration = try Self.configuration()
        configuration.endpoint = "http://127.0.0.1:\(S3TestEnvironment.freePort())"
        let storage = try Self.storage("dead", configuration: configuration)
        let started = Date()
        let error = #expect(throws: CheckpointStoreError.self) { _ = try storage.create("checkpoints/x.lsnap", chunks: [[1]]) }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(error?.isTransient == true)
        #expect(error?.description.contains("create failed after 4 attempts at \(configuration.endpoint!): ") == true)
    }

    @Test("one writer per prefix: a lease; a second app is refused naming the holder; an expired lease is taken over")
    func lease() throws {
        let storage = try Self.storage("lease")
        let store = CheckpointStore(storage: storage)
        let lock = try store.lockForWriting()
        let refused = #expect(throws: CheckpointStoreError.self) { try store.lockForWriting() }
        #expect(refused?.code == .lockHeld)
        #expect(refused?.description.hasPrefix("\(storage.description): the storage is in use by process \(getpid()) on host ") == true)
        #expect(refused?.description.contains("(lease \(storage.description)/.writer-lease, expires in ") == true)
        lock.release()
        let again = try store.lockForWriting()
        again.release()
        // A holder that died: its lease expired a minute ago.
        try storage.replace(".writer-lease", chunks: [Array("process 1 on host gone; expires \(Int(Date().timeIntervalSince1970) - 60)".utf8)])
        let takenOver = try store.lockForWriting()
        // Another app takes the lease over (as after this one stalled past its term): releasing
        // ours must not delete theirs.
        let theirs = Array("process 2 on host elsewhere; expires \(Int(Date().timeIntervalSince1970) + 60)".utf8)
        try storage.replace(".writer-lease", chunks: [theirs])
        takenOver.release()
        #expect(try storage.read(".writer-lease") == theirs)
        #expect(try storage.list(folder: "checkpoints").isEmpty)  // the lease is not a checkpoint
    }

    @Test("two writers racing for the same names never overwrite each other")
    func racingWriters() throws {
        let storage = try Self.storage("race")
        let stores = [CheckpointStore(storage: storage), CheckpointStore(storage: S3Storage(bucket: storage.bucket, prefix: storage.prefix, configuration: try Self.configuration()))]
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            for index in 0..<12 {
                _ = try? stores[writer].save(["writer": .int(Int64(writer)), "index": .int(Int64(index))], time: 1_000, formats: .binary)
            }
        }
        let files = try stores[0].list()
        #expect(files.count == 24)
        var seen = Set<StateValue>()
        for file in files { seen.insert(try stores[0].location(of: file).read()) }
        #expect(seen.count == 24)
    }

    /// Counts; saves every iteration; stops after `iterations`, or kills the server at `killAt`.
    final class Root: LightningFlow {
        @Var var count = 0
        let items = LightningList<Counter>(makeElement: { _, _ in Counter() })
        let iterations: Int
        var onIteration: ((Int) -> Void)?

        init(iterations: Int) { self.iterations = iterations }

        override func run() throws {
            count += 1
            if count % 2 == 0 { items.append(Counter()) }
            onIteration?(count)
            if count >= iterations { stop() }
        }
        override func shouldSaveCheckpoint() -> Bool { true }
    }

    final class Counter: LightningWork {
        @Var var value = 0
    }

    @Test("an app saves to S3 and resumes from latest, deltas and full snapshots alike")
    func appResumes() throws {
        let storage = try Self.storage("app")
        let first = Root(iterations: 6)
        try LightningApp(root: first, name: "s3").run(checkpoint: nil, store: CheckpointStore(storage: storage))
        let second = Root(iterations: 9)
        try LightningApp(root: second, name: "s3").run(checkpoint: "latest", store: CheckpointStore(storage: storage))
        #expect(second.count == 9)
        #expect(second.items.keys == ["0", "1", "2", "3"])
        let store = CheckpointStore(storage: storage)
        let files = try store.list()
        #expect(files.count == 9)
        #expect(files.contains { $0.isDelta })
        for file in files { _ = try store.location(of: file).load() }
    }

    @Test("the server stopped in the middle of a run: the app fails within a bounded time, naming what is durable", .enabled(if: S3TestEnvironment.serverProgram != nil))
    func serverStoppedMidRun() throws {
        let port = S3TestEnvironment.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: S3TestEnvironment.serverProgram!)
        server.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        var configuration = try Self.configuration()
        configuration.endpoint = "http://127.0.0.1:\(port)"
        // The lease cannot be released once the server is gone: logged, and asserted elsewhere.
        let quiet = Logger(label: "s3", factory: { _ in SwiftLogNoOpLogHandler() })
        let storage = S3Storage(bucket: "stopped", prefix: "run", configuration: configuration, timeouts: S3Timeouts(attempts: 2), logger: quiet)
        // moto without signature checking accepts any key; make the bucket with a raw request.
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? storage.client.send(S3Request(operation: "create bucket", method: .PUT, bucket: "stopped", key: ""))) != nil
            if !ready { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(ready)
        let root = Root(iterations: 8)
        root.onIteration = { count in
            if count == 4 {
                // moto ignores SIGTERM; SIGKILL is also the harder stop.
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
        }
        let app = LightningApp(root: root, name: "s3")
        app.logger = Logger(label: "s3", factory: { _ in SwiftLogNoOpLogHandler() })  // the failures are asserted, not printed
        app.policy.writesInBackground = false
        app.policy.retryDelay = 0.01
        let started = Date()
        let error = #expect(throws: LightningError.self) { try app.run(checkpoint: nil, store: CheckpointStore(storage: storage)) }
        #expect(Date().timeIntervalSince(started) < 120)
        #expect(error?.code == .stateNotSaved)
        #expect(error?.newestDurableCheckpoint == app.statistics.recentCheckpoints.last?.name)
        #expect(app.statistics.recentCheckpoints.count == 3)
        #expect(error?.description.contains("failed after 2 attempts at http://127.0.0.1:\(port)") == true)
    }
}
