import Foundation
import InMemoryLogging
import Lightning
import LightningCodecs
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import Testing

@Suite("Restoring apps from checkpoints")
struct RestoreTests {
    /// Saves `root`'s app in a fresh store and returns the store and the saved state.
    static func saved(_ root: LightningFlow, in folder: TemporaryFolder) throws -> (CheckpointStore, StateValue) {
        let store = CheckpointStore(storageRoot: folder.path)
        let info = try LightningApp(root: root, name: "test").saveCheckpoint(to: store)[0]
        return (store, try CheckpointLocation.file(info.path).load())
    }

    /// The state without the volatile metadata key.
    static func withoutMetadata(_ state: StateValue) -> StateValue {
        guard case .object(var members) = state else { return state }
        members.removeValue(forKey: CheckpointMetadata.key)
        return .object(members)
    }

    @Test("nested flows, works and List/Dict structures restore exactly")
    func staticTree() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let original = StaticRoot()
        original.text = "changed"
        original.weights = ["a": 1.5, "b": -0.0]
        try original.w.call()
        try original.w.call()
        (original.items[0] as! Counter).counter = 41
        (original.registry["trainer"] as! Scorer).best = 0.93
        (original.registry["evaluator"] as! Leaf).work_level_3.history = ["x", "é"]
        let (_, state) = try Self.saved(original, in: folder)

        let restored = StaticRoot()
        let app = LightningApp(root: restored, name: "test")
        try app.load(state)
        #expect(restored.text == "changed")
        #expect(restored.w.counter == 2)
        #expect((restored.items[0] as! Counter).counter == 41)
        #expect((restored.registry["trainer"] as! Scorer).best == 0.93)
        #expect((restored.registry["evaluator"] as! Leaf).work_level_3.history == ["x", "é"])
        #expect(Self.withoutMetadata(try app.checkpointState(time: 1)) == Self.withoutMetadata(state))
    }

    @Test("dynamic children three levels deep are re-created by loadStateDict")
    func dynamicChildren() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = DynamicRoot()
        try LightningApp(root: first, name: "test").run(checkpoint: nil, storageRoot: folder.path)
        #expect(first.flow_level_1?.flow_level_2?.work_level_3?.counter == 2)
        #expect(first.flow_level_1?.flow_level_2?.work_level_3?.name == "root.flow_level_1.flow_level_2.work_level_3")

        let second = DynamicRoot()
        try LightningApp(root: second, name: "test").run(checkpoint: "latest", storageRoot: folder.path)
        #expect(second.flow_level_1?.flow_level_2?.work_level_3?.counter == 4)
        #expect(second.flow_level_1?.flow_level_2?.work_level_3?.history == ["ran 1", "ran 2", "ran 3", "ran 4"])
        #expect(folder.names(in: "checkpoints").count == 4)
    }

    @Test("strict loading fails with Lightning's exact message, naming the parent's full name")
    func strictFailure() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try LightningApp(root: DynamicRoot(), name: "test").run(checkpoint: nil, storageRoot: folder.path)

        let root = DynamicRoot()
        root.recreates = false
        let error = #expect(throws: LightningError.self) {
            try LightningApp(root: root, name: "test").run(checkpoint: "latest", storageRoot: folder.path)
        }
        #expect(error?.description == "The component flow_level_1 wasn't instantiated for the component root")
        #expect(error?.code == .componentNotInstantiated)
        #expect(root.flow_level_1 == nil)  // nothing ran
    }

    @Test("a checkpoint of another app: Lightning's message, then which app wrote it")
    func otherAppsCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try LightningApp(root: DynamicRoot(), name: "trainer").run(checkpoint: nil, storageRoot: folder.path)
        let root = DynamicRoot()
        root.recreates = false
        let error = #expect(throws: LightningError.self) {
            try LightningApp(root: root, name: "server").run(checkpoint: "latest", storageRoot: folder.path)
        }
        #expect(error?.description == "The component flow_level_1 wasn't instantiated for the component root (the checkpoint was written by the app 'trainer'; this app is 'server')")
        #expect(error?.code == .componentNotInstantiated)
    }

    @Test("a missing child deeper down names its parent's full name")
    func strictFailureDeep() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try LightningApp(root: DynamicRoot(), name: "test").run(checkpoint: nil, storageRoot: folder.path)
        let state = try CheckpointStore(storageRoot: folder.path).resolve("latest").load()

        final class Level2WithoutRecreate: LightningFlow {
            let flow_level_2: DynamicLevel3Holder = {
                let holder = DynamicLevel3Holder()
                holder.recreates = false
                return holder
            }()
        }
        final class Root: LightningFlow {
            let flow_level_1 = Level2WithoutRecreate()
        }
        let error = #expect(throws: LightningError.self) { try LightningApp(root: Root(), name: "test").load(state) }
        #expect(error?.description == "The component work_level_3 wasn't instantiated for the component root.flow_level_1.flow_level_2")
    }

    @Test("non-strict loading skips what the code did not create")
    func nonStrict() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try LightningApp(root: DynamicRoot(), name: "test").run(checkpoint: nil, storageRoot: folder.path)
        let root = DynamicRoot()
        root.recreates = false
        let app = LightningApp(root: root, name: "test")
        let logs = InMemoryLogHandler()
        app.logger = Logger(label: "app", factory: { _ in logs })
        try app.run(checkpoint: "latest", storageRoot: folder.path, strict: false)
        #expect(root.flow_level_1?.flow_level_2?.work_level_3?.counter == 2)  // started from zero
        // What was skipped is said, once, a skipped flow standing for what it holds.
        let warnings = logs.entries.filter { $0.level == .warning }.map { "\($0.message)" }
        #expect(warnings == ["loaded without strict checks: skipped what this app does not have: 1 component (root.flow_level_1)"])
    }

    @Test("a structure entry the checkpoint holds and the app cannot make fails like Lightning's Dict; extra entries are dropped")
    func structureMismatch() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (_, state) = try Self.saved(StaticRoot(), in: folder)
        let root = StaticRoot()
        root.registry["trainer"] = nil
        root.registry["extra"] = Counter()
        let error = #expect(throws: LightningError.self) { try LightningApp(root: root, name: "test").load(state) }
        #expect(error?.description == "The provided state doesn't match the `Dict` root.registry. Found `{'trainer'}` un-matching keys")
        #expect(error?.code == .checkpointMismatch)
    }

    @Test("vars the code does not declare fail strictly and are skipped otherwise")
    func undeclaredVars() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var (_, state) = try Self.saved(StaticRoot(), in: folder)
        guard case .object(var members) = state, case .object(var vars)? = members["vars"] else { return }
        vars["ghost"] = 1
        members["vars"] = .object(vars)
        state = .object(members)
        let error = #expect(throws: LightningError.self) { try LightningApp(root: StaticRoot(), name: "test").load(state) }
        #expect(error?.description == "The checkpoint sets the var ghost of root, which StaticRoot does not declare")
        #expect(error?.code == .undeclaredVar)
        let other = #expect(throws: LightningError.self) { try LightningApp(root: StaticRoot(), name: "other").load(state) }
        #expect(other?.description == "The checkpoint sets the var ghost of root, which StaticRoot does not declare (the checkpoint was written by the app 'test'; this app is 'other')")
        let app = LightningApp(root: StaticRoot(), name: "test")
        let logs = InMemoryLogHandler()
        app.logger = Logger(label: "app", factory: { _ in logs })
        try app.load(state, strict: false)
        #expect(logs.entries.map { "\($0.message)" } == ["loaded without strict checks: skipped what this app does not have: 1 var (root.ghost)"])
    }

    @Test("a var of the wrong kind names the component and the var")
    func wrongKind() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (_, state) = try Self.saved(StaticRoot(), in: folder)
        var text = String(decoding: JSONWriter.write(state), as: UTF8.self)
        text = text.replacingOccurrences(of: #""text": "Hello Root Flow!""#, with: #""text": 3"#)
        let error = #expect(throws: LightningError.self) {
            try LightningApp(root: StaticRoot(), name: "test").load(try JSONReader.read(Array(text.utf8)))
        }
        #expect(error?.description == "The var text of root: expected a String, found the int 3")
        #expect(error?.code == .checkpointMismatch)
        #expect(error?.underlying is StateConversionError)
    }

    @Test("loadStateDict can migrate vars with the typed accessor and read the metadata")
    func migration() throws {
        final class OldWork: LightningWork {
            @Var var lr = 0.5
        }
        final class OldRoot: LightningFlow {
            let trainer = OldWork()
        }
        final class NewRoot: LightningFlow {
            let trainer = Scorer()
            var seenSchema: Int?
            override func run() throws { stop() }
            override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
                seenSchema = flowState.metadata?.schemaVersion
                var children = childrenStates
                if (flowState.metadata?.schemaVersion ?? 0) < 2 {
                    #expect(try children["trainer"]?.value(of: "lr", as: Double.self) == 0.5)
                    children["trainer"]?.renameVar("lr", to: "learning_rate")
                }
                try super.loadStateDict(flowState: flowState, childrenStates: children, strict: strict)
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let info = try LightningApp(root: OldRoot(), name: "old", schemaVersion: 1).saveCheckpoint(to: store)[0]
        let root = NewRoot()
        try LightningApp(root: root, name: "new", schemaVersion: 2).run(checkpoint: info.path, storageRoot: folder.path)
        #expect(root.seenSchema == 1)
        #expect(root.trainer.learningRate == 0.5)
    }

    @Test("an error a flow throws while loading its state is kept as the underlying error")
    func loadErrorKept() throws {
        struct TooOld: Error {}
        final class Root: LightningFlow {
            override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
                throw TooOld()
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (_, state) = try Self.saved(Root(), in: folder)
        let error = #expect(throws: LightningError.self) { try LightningApp(root: Root(), name: "test").load(state) }
        #expect(error?.code == .checkpointMismatch)
        #expect(error?.underlying is TooOld)
        #expect(error?.description.hasPrefix("The checkpoint could not be loaded: TooOld") == true)
    }

    @Test("a first run can tell 'no checkpoint yet' apart and start fresh")
    func startFreshWhenNone() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = DynamicRoot()
        let app = LightningApp(root: root, name: "test")
        do {
            try app.run(checkpoint: "latest", storageRoot: folder.path)
            Issue.record("an empty storage had a latest checkpoint")
        } catch let error as LightningError where error.code == .noCheckpoints {
            try app.run(checkpoint: nil, storageRoot: folder.path)
        }
        #expect(root.flow_level_1?.flow_level_2?.work_level_3?.counter == 2)
    }

    @Test("missing, empty and garbage checkpoint files stop the app before it runs")
    func badFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let empty = try folder.write([], to: "empty.json")
        let garbage = try folder.write([0x89, 0x50, 0x4E, 0x47], to: "garbage.json")
        let cases: [(String, String, LightningError.Code)] = [
            (empty, "\(empty): the file is empty (0 bytes): neither a snapshot nor JSON", .checkpointCorrupt),
            (garbage, "\(garbage): neither a binary snapshot (no snapshot signature) nor JSON (it starts with byte 0x89)", .checkpointCorrupt),
            ("latest", "no checkpoint to take as 'latest': \(folder.path)/checkpoints holds none", .noCheckpoints),
            ("lightningapp_checkpoint_1", "no checkpoint named 'lightningapp_checkpoint_1' in \(folder.path)/checkpoints (it holds no checkpoints)", .checkpointNotFound),
        ]
        for (value, message, code) in cases {
            let root = DynamicRoot()
            let error = #expect(throws: LightningError.self) {
                try LightningApp(root: root, name: "test").run(checkpoint: value, storageRoot: folder.path)
            }
            #expect(error?.description == message)
            #expect(error?.code == code, "\(value)")
            #expect(error?.storeError?.description == message)
            #expect(root.flow_level_1 == nil)
        }
    }

    @Test("Codable values are state too")
    func codableVars() throws {
        struct Config: Codable, Equatable, StateConvertible {
            var name: String
            var layers: [Int]
        }
        final class Holder: LightningWork {
            @Var var config = Config(name: "small", layers: [1, 2])
        }
        final class Root: LightningFlow {
            let holder = Holder()
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let original = Root()
        original.holder.config = Config(name: "large", layers: [64, 64, 10])
        let (_, state) = try Self.saved(original, in: folder)
        #expect(state["works"]?["holder"]?["vars"]?["config"] == ["layers": [64, 64, 10], "name": "large"])
        let restored = Root()
        try LightningApp(root: restored, name: "test").load(state)
        #expect(restored.holder.config == Config(name: "large", layers: [64, 64, 10]))
    }
}
