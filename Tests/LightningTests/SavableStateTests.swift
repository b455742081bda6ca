import Foundation
import Lightning
import LightningCodecs
import LightningState
import LightningStore
import LightningTestSupport
import Testing

/// Every state an app can save, it can restore; what it cannot save fails the save, naming why.
@Suite("Savable and restorable state")
struct SavableStateTests {
    final class Root: LightningFlow {
        @Var var step = 0
        let list = LightningList<Counter>(makeElement: { _, _ in Counter() })
        let dict = LightningDict<LightningComponent>(makeElement: { key, _ in key.hasPrefix("flow") ? Leaf() : Counter() })
    }

    /// Saves `root` through a real store, restores it into `fresh`, and returns the restored state.
    static func roundTrip(_ root: LightningFlow, into fresh: LightningFlow, strict: Bool = true) throws -> (saved: StateValue, restored: StateValue) {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let info = try LightningApp(root: root, name: "test").saveCheckpoint(to: store)[0]
        let saved = try store.location(of: info).load()
        let app = LightningApp(root: fresh, name: "test")
        try app.load(saved, strict: strict)
        return (RestoreTests.withoutMetadata(saved), RestoreTests.withoutMetadata(try app.checkpointState()))
    }

    @Test("lists and dicts restore after removals and re-creations, with the same keys, by their element factories", arguments: [true, false])
    func structuresRestore(strict: Bool) throws {
        let root = Root()
        for _ in 0..<4 { root.list.append(Counter()) }
        root.list.remove(at: 1)  // keys 0, 2, 3
        root.list[2].counter = 7
        root.dict["a"] = Counter()
        root.dict["flow_b"] = Leaf()
        root.dict["c"] = Counter()
        root.dict["a"] = nil
        root.dict["a"] = Counter()  // re-created at the end
        (root.dict["flow_b"] as! Leaf).work_level_3.counter = 5
        let fresh = Root()
        fresh.list.append(Counter())  // an entry the checkpoint does not hold under this object is replaced
        fresh.dict["stale"] = Counter()
        let (saved, restored) = try Self.roundTrip(root, into: fresh, strict: strict)
        #expect(restored == saved)
        #expect(fresh.list.keys == ["0", "2", "3"])
        #expect(fresh.list[2].counter == 7)
        #expect(Set(fresh.dict.keys) == ["a", "flow_b", "c"])
        #expect((fresh.dict["flow_b"] as? Leaf)?.work_level_3.counter == 5)
        // The restored list goes on as the saved one would: the next key follows the largest.
        fresh.list.append(Counter())
        root.list.append(Counter())
        #expect(fresh.list.keys == root.list.keys)
    }

    @Test("a list's keys: the number after the largest held, so removing the last frees its key")
    func listKeys() {
        let list = LightningList<Counter>()
        for _ in 0..<3 { list.append(Counter()) }
        list.remove(at: 0)
        list.append(Counter())
        #expect(list.keys == ["1", "2", "3"])
        list.remove(at: 2)
        list.append(Counter())
        #expect(list.keys == ["1", "2", "3"])
    }

    @Test("without a factory, an entry the app lacks fails strictly with Lightning's message and is skipped otherwise")
    func noFactory() throws {
        final class Plain: LightningFlow {
            let list = LightningList<Counter>()
        }
        let root = Plain()
        for _ in 0..<2 { root.list.append(Counter()) }
        let strictError = #expect(throws: LightningError.self) { try Self.roundTrip(root, into: Plain()) }
        #expect(strictError?.description == "The provided state doesn't match the `List` root.list. Found `{'0', '1'}` un-matching keys")
        let fresh = Plain()
        _ = try Self.roundTrip(root, into: fresh, strict: false)
        #expect(fresh.list.isEmpty)
    }

    @Test("a factory that fails, or makes a work where the checkpoint holds a flow, is an error naming the entry")
    func badFactory() throws {
        struct Refused: Error, CustomStringConvertible { var description: String { "no such kind" } }
        final class Failing: LightningFlow {
            let dict = LightningDict<LightningComponent>(makeElement: { key, _ in
                if key == "refused" { throw Refused() }
                return Counter()
            })
        }
        let root = Failing()
        root.dict["refused"] = Counter()
        let refused = #expect(throws: LightningError.self) { try Self.roundTrip(root, into: Failing()) }
        #expect(refused?.description == "The Dict root.dict could not re-create its entry refused: no such kind")

        let withFlow = Failing()
        withFlow.dict["leaf"] = Leaf()
        let mismatch = #expect(throws: LightningError.self) { try Self.roundTrip(withFlow, into: Failing()) }
        #expect(mismatch?.description == "The state of root.dict.leaf is a flow in the checkpoint, but the element factory made a work")
    }

    @Test("a LightningDict key with '.' does not trap: the next save fails with Lightning's message")
    func dottedKey() throws {
        let root = Root()
        root.dict["a.b"] = Counter()
        let error = #expect(throws: LightningError.self) { try LightningApp(root: root, name: "test").checkpointState() }
        #expect(error?.description == "The provided name a.b contains . which is forbidden.")
        #expect(error?.code == .unsavableState)
        root.dict["c.d"] = Counter()
        root.dict["a.b"] = nil
        let second = #expect(throws: LightningError.self) { try LightningApp(root: root, name: "test").checkpointState() }
        #expect(second?.description == "The provided name c.d contains . which is forbidden.")
        root.dict["c.d"] = nil
        _ = try LightningApp(root: root, name: "test").checkpointState()
    }

    @Test("a dotted key added after the first checkpoint fails the next delta too, and the app stops with exit code and message")
    func dottedKeyInDelta() throws {
        final class Growing: LightningFlow {
            let dict = LightningDict<Counter>()
            var step = 0
            override func run() throws {
                step += 1
                if step == 2 { dict["x.y"] = Counter() }
                if step == 3 { stop() }
            }
            override func shouldSaveCheckpoint() -> Bool { true }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let error = #expect(throws: LightningError.self) { try LightningApp(root: Growing(), name: "test").run(checkpoint: nil, storageRoot: folder.path) }
        #expect(error?.description == "The provided name x.y contains . which is forbidden.")
        let store = CheckpointStore(storageRoot: folder.path)
        #expect(try store.list().count == 1)  // the first checkpoint, whole and loadable
        _ = try store.resolve("latest").load()
    }

    @Test("a Codable var holding NaN fails the save naming the var, instead of saving null")
    func nanInCodable() throws {
        struct Stats: Codable, StateConvertible {
            var loss: Double
        }
        final class Tracker: LightningWork {
            @Var var stats = Stats(loss: 1)
            @Var var history: [Stats] = []
            @Var var plain = Double.nan  // a plain Double holds NaN, as Python's json does
        }
        final class Holder: LightningFlow {
            let tracker = Tracker()
            override func run() throws {
                tracker.history.append(Stats(loss: .nan))
                stop()
            }
            override func shouldSaveCheckpoint() -> Bool { true }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Holder()
        let error = #expect(throws: LightningError.self) { try LightningApp(root: root, name: "test").run(checkpoint: nil, storageRoot: folder.path) }
        #expect(error?.code == .unsavableState)
        #expect(error?.description.hasPrefix("The var history of root.tracker cannot be saved: expected Stats to encode as JSON, found ") == true)
        #expect(try CheckpointStore(storageRoot: folder.path).list().isEmpty)
    }

    @Test("a policy that cannot work is refused by the library before anything runs")
    func invalidPolicies() throws {
        let cases: [(CheckpointPolicy, String)] = [
            (CheckpointPolicy(keepLast: 0), "keepLast must be at least 1, not 0 (it would delete every checkpoint)"),
            (CheckpointPolicy(everyIterations: 0), "everyIterations must be at least 1, not 0"),
            (CheckpointPolicy(everySeconds: -1), "everySeconds must be above 0, not -1.0"),
            (CheckpointPolicy(maxDeltaChain: -2), "maxDeltaChain must be 0 or more, not -2"),
            (CheckpointPolicy(maxDeltaBytesFraction: .nan), "maxDeltaBytesFraction must be 0 or more, not nan"),
            (CheckpointPolicy(saveAttempts: 0), "saveAttempts must be at least 1, not 0"),
            (CheckpointPolicy(retryDelay: -0.5), "retryDelay must be 0 or more seconds, not -0.5"),
        ]
        for (policy, problem) in cases {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let app = LightningApp(root: Root(), name: "test")
            app.policy = policy
            let error = #expect(throws: LightningError.self) { try app.run(checkpoint: nil, storageRoot: folder.path) }
            #expect(error?.description == "Invalid checkpoint policy: \(problem)")
            #expect(error?.code == .invalidPolicy)
            #expect(folder.names(in: "checkpoints").isEmpty)
        }
        #expect(throws: CheckpointStoreError.self) { try CheckpointStore(storageRoot: "/nonexistent").keepLast(0) }
    }
}

@Suite("Plain var values")
struct PlainVarTests {
    final class Plain: LightningWork {
        @Var var loss = Double.nan
        @Var var peak = -Double.infinity
        @Var var count = 3
        @Var var label = "x"
        @Var var done = true
    }

    final class Root: LightningFlow {
        let plain = Plain()
        override func run() throws { stop() }
        override func shouldSaveCheckpoint() -> Bool { true }
    }

    @Test("plain Double, Int, String and Bool vars save as themselves: NaN and infinities too, as Python's json writes them")
    func nonFiniteDoubles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let app = LightningApp(root: Root(), name: "plain")
        app.checkpointFormats = .both
        try app.run(checkpoint: nil, storageRoot: folder.path)
        let json = try String(contentsOfFile: try #require(app.statistics.recentCheckpoints.first { $0.path.hasSuffix(".json") }).path, encoding: .utf8)
        #expect(json.contains(#""loss": NaN, "peak": -Infinity, "count": 3, "label": "x", "done": true"#))
        let restored = Root()
        try LightningApp(root: restored, name: "plain").run(checkpoint: "latest", storageRoot: folder.path)
        #expect(restored.plain.loss.isNaN && restored.plain.peak == -.infinity)
    }
}
