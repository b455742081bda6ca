import Foundation
import Lightning
import LightningCodecs
import LightningState
import LightningStore
import LightningTestSupport
import Testing

/// A root that saves after every iteration and calls `onSave` first, so that a test can record the
/// state the app asks to save.
class RecordingRoot: LightningFlow {
    var onSave: (() -> Void)?

    override func shouldSaveCheckpoint() -> Bool {
        onSave?()
        return true
    }
}

/// A root whose run makes seeded random changes: vars edited, works and flows added to and removed
/// from a Dict, a List grown and shrunk, a dynamic child flow dropped and re-created; components
/// swapped between properties, moved between structures, held in two places at once, written
/// before they are attached and after they are detached, and re-attached later.
final class ChurningRoot: RecordingRoot {
    @Var var step = 0
    var dynamic: Middle?
    var spare: Middle? = Middle()
    var left: Counter? = Counter()
    var right: Counter?
    let registry = LightningDict<LightningComponent>()
    let items = LightningList<Counter>()
    let steady = Counter()
    /// Components taken out of the tree, written while out, and sometimes put back.
    var pocket: [Counter] = []
    var random: SeededRandom
    var remaining: Int

    init(seed: UInt64, iterations: Int) {
        random = SeededRandom(seed: seed)
        remaining = iterations
    }

    override func run() throws {
        step += 1
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<17, using: &random) {
            case 7: registry["x"] = Bool.random(using: &random) ? Counter() : Leaf()
            case 0: registry["w\(Int.random(in: 0..<5, using: &random))"] = Counter()
            case 1: registry["f\(Int.random(in: 0..<3, using: &random))"] = Leaf()
            case 2: if let key = registry.keys.randomElement(using: &random) { registry[key] = nil }
            case 3: items.append(Counter())
            case 4: if !items.isEmpty { items.remove(at: Int.random(in: 0..<items.count, using: &random)) }
            case 5: dynamic = dynamic == nil ? Middle() : nil
            case 6: if let item = items.randomElement(using: &random) { try item.call() }
            case 8: (left, right) = (right, left)
            case 9: (dynamic, spare) = (spare, dynamic)
            case 10: registry["shared"] = registry["shared"] == nil ? steady : nil
            case 11: if !items.isEmpty { registry["moved"] = items.remove(at: 0) }
            case 12:
                let fresh = Counter()
                fresh.counter = 5
                items.append(fresh)
                fresh.counter += 1
            case 13:
                let key = "f\(Int.random(in: 0..<3, using: &random))"
                (registry[key] as? Leaf).map { $0.text = "edited at \(step)" }
                (registry[key] as? Leaf).map { $0.work_level_3.counter += 1 }
            case 14: if !items.isEmpty { pocket.append(items.remove(at: items.count - 1)) }
            case 15:
                pocket.forEach { $0.counter += 100 }
                if Bool.random(using: &random), let back = pocket.popLast() { items.append(back) }
            case 16: (left ?? right)?.history.append("slot \(step)")
            default: (dynamic?.flow_level_2.work_level_3).map { $0.counter += 10 }
            }
        }
        if Bool.random(using: &random) { steady.history.append("step \(step)") }
        remaining -= 1
        if remaining == 0 { stop() }
    }
}

@Suite("Incremental checkpoints")
struct IncrementalCheckpointTests {
    static func withoutMetadata(_ state: StateValue) -> StateValue {
        guard case .object(var members) = state else { return state }
        members.removeValue(forKey: CheckpointMetadata.key)
        return .object(members)
    }

    /// Runs a churning app, recording the state at each save, and returns them with the store.
    static func run(seed: UInt64, iterations: Int, policy: CheckpointPolicy, folder: TemporaryFolder) throws -> [StateValue] {
        let root = ChurningRoot(seed: seed, iterations: iterations)
        let app = LightningApp(root: root, name: "churn")
        app.policy = policy
        var expected: [StateValue] = []
        root.onSave = { [unowned app] in expected.append(Self.withoutMetadata(try! app.checkpointState())) }
        try app.run(checkpoint: nil, storageRoot: folder.path)
        return expected
    }

    /// Runs `root` with synchronous saves, recording the state at each save, and expects every
    /// snapshot to restore exactly that state; returns the files and the states.
    /// The files stay in `folder` when one is given.
    static func runExpectingEverySave(_ root: RecordingRoot, name: String, in given: TemporaryFolder? = nil) throws -> (files: [CheckpointInfo], states: [StateValue]) {
        let folder = try given ?? TemporaryFolder()
        defer { if given == nil { folder.remove() } }
        let app = LightningApp(root: root, name: name)
        app.policy = CheckpointPolicy(maxDeltaChain: 10, maxDeltaBytesFraction: .infinity, writesInBackground: false)
        var expected: [StateValue] = []
        root.onSave = { [unowned app] in expected.append(Self.withoutMetadata(try! app.checkpointState())) }
        try app.run(checkpoint: nil, storageRoot: folder.path)
        let files = try CheckpointStore(storageRoot: folder.path).list()
        #expect(files.count == expected.count)
        for (file, state) in zip(files, expected) {
            #expect(Self.withoutMetadata(try CheckpointLocation.file(file.path).load()) == state, "\(file.name)")
        }
        return (files, expected)
    }

    @Test("every snapshot of every chain restores exactly the state at its save", arguments: Array(1...8) as [UInt64])
    func randomChains(seed: UInt64) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let expected = try Self.run(seed: seed, iterations: 40, policy: CheckpointPolicy(maxDeltaChain: 7, maxDeltaBytesFraction: .infinity, writesInBackground: false), folder: folder)
        let files = try CheckpointStore(storageRoot: folder.path).list()
        #expect(files.count == 40)
        #expect(files.filter(\.isDelta).count == 40 - 40 / 8)  // a full one, then chains of 7 deltas
        for (file, state) in zip(files, expected) {
            #expect(Self.withoutMetadata(try CheckpointLocation.file(file.path).load()) == state, "\(file.name)")
        }
    }

    @Test("background writing gives a valid chain whose newest snapshot is the final state")
    func background() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let expected = try Self.run(seed: 9, iterations: 40, policy: CheckpointPolicy(), folder: folder)
        let files = try CheckpointStore(storageRoot: folder.path).list()
        #expect(!files.isEmpty && files.count <= 40)
        #expect(files.contains { $0.isDelta })
        #expect(Self.withoutMetadata(try CheckpointLocation.file(files.last!.path).load()) == expected.last)
        for file in files { _ = try CheckpointLocation.file(file.path).load() }
    }

    @Test("a delta holds only what changed")
    func deltaSize() throws {
        final class Big: LightningWork {
            @Var var series = (0..<20_000).map { Double($0) * 0.37 }
            @Var var tick = 0
        }
        final class Root: LightningFlow {
            let works = LightningList<Big>((0..<20).map { _ in Big() })
            var iteration = 0
            override func run() throws {
                works[iteration % 20].tick += 1
                iteration += 1
                if iteration == 3 { stop() }
            }
            override func shouldSaveCheckpoint() -> Bool { true }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let app = LightningApp(root: Root(), name: "big")
        app.policy.writesInBackground = false
        try app.run(checkpoint: nil, storageRoot: folder.path)
        let files = try CheckpointStore(storageRoot: folder.path).list()
        #expect(files.map(\.isDelta) == [false, true, true])
        // One work of twenty changed: its delta is about a twentieth of the full snapshot.
        #expect(files[1].size * 10 < files[0].size)
    }

    @Test("a child taken out of a flow's property and written afterwards is not saved in its old place")
    func writtenAfterReplacement() throws {
        // A capture visits only the children that asked; a child replaced before the last capture
        // still links to the flow, and must not be taken for the one the property holds now.
        final class Root: RecordingRoot {
            @Child var slot = Counter()
            @Child var inner = Leaf()
            var old: [LightningComponent] = []
            var iteration = 0
            override func run() throws {
                iteration += 1
                switch iteration {
                case 2:
                    old = [slot, inner]
                    slot = Counter()
                    inner = Leaf()
                case 3:
                    (old[0] as! Counter).counter = 99
                    (old[1] as! Leaf).text = "written while out"
                    (old[1] as! Leaf).work_level_3.counter = 5
                case 4: slot.counter = 7
                default: break
                }
                if iteration == 5 { stop() }
            }
        }
        let (files, expected) = try Self.runExpectingEverySave(Root(), name: "replaced")
        #expect(files.map(\.isDelta) == [false, true, true, true, true])
        #expect(expected.last?["works"]?["slot"]?["vars"]?["counter"] == 7)
    }

    @Test("a structure held by three flows is saved in every place after every edit and every write to an entry")
    func structureInSeveralFlows() throws {
        // A capture skips an unedited structure's saved record; with three holders, each must still
        // see every edit and every entry written, whichever visits the structure first.
        final class Holder: LightningFlow {
            let items: LightningList<Counter>
            init(_ items: LightningList<Counter>) {
                self.items = items
            }
        }
        final class Root: RecordingRoot {
            let shared: LightningList<Counter>  // held by the root too: three holders
            let a: Holder
            let b: Holder
            var iteration = 0
            override init() {
                shared = LightningList<Counter>([Counter()])
                a = Holder(shared)
                b = Holder(shared)
            }
            override func run() throws {
                iteration += 1
                switch iteration {
                case 2: shared.append(Counter())
                case 3: shared[1].counter = 3
                case 4: shared.remove(at: 0)
                case 5: shared[0].counter += 1
                case 6: a.items[0].history.append("via a")
                default: break
                }
                if iteration == 7 { stop() }
            }
        }
        let (files, expected) = try Self.runExpectingEverySave(Root(), name: "shared")
        #expect(files.map(\.isDelta) == [false] + Array(repeating: true, count: 6))
        // The list keeps its keys: the entry appended second is "1", in all three places.
        let last = try #require(expected.last)
        for entries in [last["flows"]?["a"]?["structures"]?["items"], last["flows"]?["b"]?["structures"]?["items"], last["structures"]?["shared"]] {
            #expect(entries?["works"]?.objectValue?.keys.map(\.string) == ["1"])
            let entry = entries?["works"]?["1"]
            #expect(entry?["vars"]?["counter"] == 4)
            #expect(entry?["vars"]?["history"] == ["via a"])
        }
    }

    /// A root whose second iteration hides the checkpoints folder (a file takes its place) until
    /// the third, so that the second save fails.
    final class FailingStorageRoot: LightningFlow {
        let w = Counter()
        var iteration = 0
        let folder: String
        /// Seconds to wait for a background save to finish before hiding or restoring the folder.
        let settle: Double

        init(folder: String, settle: Double) {
            self.folder = folder
            self.settle = settle
        }

        override func run() throws {
            try w.call()
            iteration += 1
            // With background writing, wait for the save in flight to land before each change.
            if iteration == 2 {
                usleep(UInt32(settle * 1e6))
                try FileManagerShim.swapFolderForFile("\(folder)/checkpoints")
            }
            if iteration == 3 {
                usleep(UInt32(settle * 1e6))
                try FileManagerShim.restoreFolder("\(folder)/checkpoints")
            }
            if iteration == 4 { stop() }
        }

        override func shouldSaveCheckpoint() -> Bool { true }
    }

    @Test("a failed save is reported and its changes are written by the next one", arguments: [false, true])
    func failedSaveIsRetried(background: Bool) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let app = LightningApp(root: FailingStorageRoot(folder: folder.path, settle: background ? 0.5 : 0), name: "retry")
        app.policy.writesInBackground = background
        try app.run(checkpoint: nil, storageRoot: folder.path)
        #expect(app.statistics.recentErrors.count == 1)
        #expect(app.statistics.recentErrors.first?.code == .io(errno: ENOTDIR))
        let files = try CheckpointStore(storageRoot: folder.path).list()
        #expect(files.count == 3)
        let last = try CheckpointLocation.file(files.last!.path).load()
        #expect(last["works"]?["w"]?["vars"]?["counter"] == 4)
        #expect(last["works"]?["w"]?["vars"]?["history"] == ["ran 1", "ran 2", "ran 3", "ran 4"])
        // The save after the failure carries the failed one's changes: its chain restores them.
        for file in files { _ = try CheckpointLocation.file(file.path).load() }
    }

    @Test("retention keeps the newest checkpoints and every snapshot they need")
    func retention() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let expected = try Self.run(seed: 5, iterations: 12, policy: CheckpointPolicy(maxDeltaChain: 4, maxDeltaBytesFraction: .infinity, keepLast: 3, writesInBackground: false), folder: folder)
        let store = CheckpointStore(storageRoot: folder.path)
        let files = try store.list()
        // Saves 0 and 5 and 10 are full; the newest three (9, 10, 11) need 5 through 8 for 9.
        #expect(files.count == 7)
        #expect(files.filter { !$0.isDelta }.count == 2)
        for file in files.suffix(3) {
            _ = try CheckpointLocation.file(file.path).load()
        }
        #expect(Self.withoutMetadata(try CheckpointLocation.file(files.last!.path).load()) == expected.last)
    }

    @Test("compaction turns a delta into a full snapshot of the same state; its children still load")
    func compaction() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let expected = try Self.run(seed: 6, iterations: 6, policy: CheckpointPolicy(maxDeltaBytesFraction: .infinity, writesInBackground: false), folder: folder)
        let store = CheckpointStore(storageRoot: folder.path)
        let files = try store.list()
        let middle = files[3]
        #expect(middle.isDelta)
        _ = try CheckpointStore.compact(store.location(of: middle))
        #expect(try store.list()[3].isDelta == false)
        for (index, file) in try store.list().enumerated() {
            #expect(Self.withoutMetadata(try CheckpointLocation.file(file.path).load()) == expected[index])
        }
        // The older snapshots can go now: the newest ones no longer need them.
        try store.keepLast(3)
        #expect(try store.list().count == 3)
        #expect(Self.withoutMetadata(try store.resolve("latest").load()) == expected.last)
    }

    @Test("a missing or damaged parent is reported by name, as the error of the checkpoint asked for")
    func brokenChain() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try Self.run(seed: 7, iterations: 4, policy: CheckpointPolicy(maxDeltaBytesFraction: .infinity, writesInBackground: false), folder: folder)
        let files = try CheckpointStore(storageRoot: folder.path).list()
        #expect(files.count == 4 && files.dropFirst().allSatisfy(\.isDelta))
        let name = { (index: Int) in files[index].name.fileName(.binary) }
        var damaged = try FileIO.read(files[1].path)
        damaged[damaged.count / 2] ^= 1
        try FileIO.replace(files[1].path, chunks: [damaged])
        let deep = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(files[3].path).load() }
        #expect(deep?.description.hasPrefix("\(files[3].path): \(name(1)) in its chain of deltas: checksum mismatch: the file is corrupt") == true)
        #expect(deep?.code == .corrupt)
        try FileIO.remove(files[1].path)
        let error = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(files[2].path).load() }
        #expect(error?.description == "\(files[2].path): its parent snapshot \(name(1)) is missing")
        let further = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(files[3].path).load() }
        #expect(further?.description == "\(files[3].path): \(name(2)) in its chain of deltas: its parent snapshot \(name(1)) is missing")
    }

    @Test("save policies: every N iterations and every T seconds, with or without the hook")
    func policies() throws {
        final class Quiet: LightningFlow {
            let w = Counter()
            var left = 10
            override func run() throws {
                try w.call()
                left -= 1
                if left == 0 { stop() }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let app = LightningApp(root: Quiet(), name: "quiet")
        app.policy = CheckpointPolicy(everyIterations: 3, writesInBackground: false, checkpointsOnStop: false)
        try app.run(checkpoint: nil, storageRoot: folder.path)
        #expect(try CheckpointStore(storageRoot: folder.path).list().count == 3)  // after iterations 3, 6, 9
        // By default a stop also saves the state it stops with: after iteration 10 too.
        let final = try TemporaryFolder()
        defer { final.remove() }
        let third = LightningApp(root: Quiet(), name: "quiet")
        third.policy = CheckpointPolicy(everyIterations: 3, writesInBackground: false)
        try third.run(checkpoint: nil, storageRoot: final.path)
        let saved = try CheckpointStore(storageRoot: final.path).list()
        #expect(saved.count == 4)
        #expect(try CheckpointStore(storageRoot: final.path).loadCheckpoint("latest").state["works"]?["w"]?["vars"]?["counter"] == 10)
        let timed = try TemporaryFolder()
        defer { timed.remove() }
        let second = LightningApp(root: Quiet(), name: "quiet")
        second.policy = CheckpointPolicy(everySeconds: 1e-9, writesInBackground: false)
        try second.run(checkpoint: nil, storageRoot: timed.path)
        #expect(try CheckpointStore(storageRoot: timed.path).list().count == 10)
    }
}
