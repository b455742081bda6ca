import Foundation
import Lightning
import LightningCodecs
import LightningState
import LightningStore
import LightningTestSupport
import Testing

// The examples of the DocC articles (Sources/Lightning/Lightning.docc) and of the doc comments,
// as they are written there, compiled and run: an example that no longer compiles or no longer does
// what its text says fails here. Keep the two in step.

private enum GettingStarted {
    final class Counter: LightningWork {
        @Var var counter = 0                      // saved as "counter"
        override func run() throws { counter += 1 }
    }

    final class Root: LightningFlow {
        let w = Counter()                         // root.w
        override func run() throws {
            try w.call()                          // runs the work and records the call
            if w.counter % 3 == 0 { stop() }
        }
        override func shouldSaveCheckpoint() -> Bool { true }
    }
}

private enum DynamicChildren {
    final class Counter: LightningWork {
        @Var var counter = 0
        override func run() throws { counter += 1 }
    }
    final class Scorer: LightningWork {
        @Var var best = 0.0
    }

    final class Root: LightningFlow {
        var w: Counter?

        override func run() throws {
            if w == nil { w = Counter() }
            try w?.call()
            stop()
        }

        override func shouldSaveCheckpoint() -> Bool { true }

        override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
            if childrenStates["w"] != nil { w = Counter() }
            try super.loadStateDict(flowState: flowState, childrenStates: childrenStates, strict: strict)
        }
    }

    /// The same flow without the override.
    final class PlainRoot: LightningFlow {
        var w: Counter?
    }

    final class Structures: LightningFlow {
        let workers = LightningList<Counter>(makeElement: { _, _ in Counter() })
        let registry = LightningDict<LightningWork>(makeElement: { key, _ -> LightningWork in
            key.hasPrefix("eval") ? Scorer() : Counter()
        })
    }

    final class Trainer: LightningWork {
        @Var("learning_rate") var learningRate = 0.01
        @Var var epochs = 10
    }

    final class OldTrainer: LightningWork {
        @Var var lr = 0.5
        @Var var epochs = 3
    }

    final class OldRoot: LightningFlow {
        let trainer = OldTrainer()
    }

    final class MigratingRoot: LightningFlow {
        let trainer = Trainer()

        override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
            var children = childrenStates
            if (flowState.metadata?.schemaVersion ?? 0) < 2 {
                children["trainer"]?.renameVar("lr", to: "learning_rate")
                let epochs = try children["trainer"]?.value(of: "epochs", as: Int.self) ?? 10
                children["trainer"]?.setValue(epochs * 2, of: "epochs")
            }
            try super.loadStateDict(flowState: flowState, childrenStates: children, strict: strict)
        }
    }
}

@Suite("Documentation examples")
struct DocumentationExampleTests {
    @Test("The landing page: the first boot starts fresh, every later one resumes, with one call")
    func gettingStarted() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let storage = folder.path + "/.storage"
        let first = GettingStarted.Root()
        let app = LightningApp(root: first, name: "counter-app")
        try app.run(from: .newestCheckpointIfAny, storageRoot: storage)
        #expect(first.w.counter == 3)
        #expect(app.statistics.recentCheckpoints.count == 3)

        let second = GettingStarted.Root()
        try LightningApp(root: second, name: "counter-app").run(from: .newestCheckpointIfAny, storageRoot: storage)
        #expect(second.w.counter == 6)
    }

    @Test("Checkpoints and restore: switching on the error's code")
    func switchOnCode() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let app = LightningApp(root: GettingStarted.Root(), name: "counter-app")
        var handled: LightningError.Code?
        do {
            try app.run(checkpoint: "latest", store: store)
        } catch let error as LightningError {
            handled = error.code
            switch error.code {
            case .noCheckpoints:
                try app.run(checkpoint: nil, store: store)             // a first run
            case .checkpointCorrupt:
                try app.run(checkpoint: "latest-valid", store: store)  // the newest that loads
            case .storageInUse:
                print("another app is running: \(error)")
            default:
                throw error
            }
        }
        #expect(handled == .noCheckpoints)
        #expect(try store.list().count == 3)
    }

    @Test("Dynamic children: re-created in loadStateDict, and strict loading fails without it")
    func dynamicChildren() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try LightningApp(root: DynamicChildren.Root(), name: "dynamic").run(checkpoint: nil, storageRoot: folder.path)
        let resumed = DynamicChildren.Root()
        try LightningApp(root: resumed, name: "dynamic").run(checkpoint: "latest", storageRoot: folder.path)
        #expect(resumed.w?.counter == 2)
        let error = #expect(throws: LightningError.self) {
            try LightningApp(root: DynamicChildren.PlainRoot(), name: "dynamic").run(checkpoint: "latest", storageRoot: folder.path)
        }
        #expect(error?.description == "The component w wasn't instantiated for the component root")
    }

    @Test("Structures with element factories restore entries that come and go")
    func structures() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let original = DynamicChildren.Structures()
        original.workers.append(DynamicChildren.Counter())
        original.registry["evaluator"] = DynamicChildren.Scorer()
        original.registry["trainer"] = DynamicChildren.Counter()
        let saved = try LightningApp(root: original, name: "structures").saveCheckpoint(to: store)[0]
        let restored = DynamicChildren.Structures()
        try LightningApp(root: restored, name: "structures").load(try store.location(of: saved).load())
        #expect(restored.workers.count == 1)
        #expect(restored.registry["evaluator"] is DynamicChildren.Scorer)
        #expect(restored.registry["trainer"] is DynamicChildren.Counter)
    }

    @Test("Migrations: rename and convert vars of an older schema before loading")
    func migrations() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let old = try LightningApp(root: DynamicChildren.OldRoot(), name: "trainer", schemaVersion: 1).saveCheckpoint(to: store)[0]
        let root = DynamicChildren.MigratingRoot()
        let app = LightningApp(root: root, name: "trainer", schemaVersion: 2)
        try app.load(try store.location(of: old).load())
        #expect(root.trainer.learningRate == 0.5)
        #expect(root.trainer.epochs == 6)
    }

    @Test("Incremental and background saves: the policy example is valid")
    func policy() throws {
        let app = LightningApp(root: GettingStarted.Root(), name: "counter-app")
        var policy = CheckpointPolicy()
        policy.everySeconds = 30            // besides shouldSaveCheckpoint()
        policy.keepLast = 100               // and the snapshots their deltas need
        policy.whenBehind = .wait           // every requested checkpoint exists
        app.policy = policy
        try app.policy.validate()
    }

    @Test("Doc comment examples: deltas, snapshots, JSON and the store")
    func docComments() throws {
        var state: StateValue = ["works": ["w": ["vars": ["counter": 3]]]]
        var delta = StateDelta()
        delta.set(["works", "w", "vars", "counter"], to: 4)
        try delta.apply(to: &state)
        #expect(state["works"]?["w"]?["vars"]?["counter"] == 4)

        let bytes = try BinarySnapshot.encode(state)
        let back = try BinarySnapshot.decode(bytes)      // == state
        #expect(back == state)

        let read = try JSONReader.read(Array(#"{"vars": {"x": 1.0}}"#.utf8))
        #expect(String(decoding: JSONWriter.write(read, options: .init(indent: 2)), as: UTF8.self) == "{\n  \"vars\": {\n    \"x\": 1.0\n  }\n}")

        let a: StateString = "é"                 // U+00E9
        let b: StateString = "e\u{301}"          // e + COMBINING ACUTE ACCENT
        #expect(a != b)                          // different keys, as in Python

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let checkpoint = try LightningApp(root: GettingStarted.Root(), name: "doc").checkpointState(time: 1665501626)
        let saved = try store.save(checkpoint, time: 1665501626)    // lightningapp_checkpoint_1665501626.json
        #expect(saved.map(\.fileName) == ["lightningapp_checkpoint_1665501626.json"])
        let loaded = try store.loadCheckpoint("latest")            // or a name, a file path, or "latest-valid"
        #expect(loaded.state == checkpoint)
    }
}
