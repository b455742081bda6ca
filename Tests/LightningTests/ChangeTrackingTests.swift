import Lightning
import LightningState
import LightningStore
import LightningTestSupport
import Testing

/// A var value that counts how often a checkpoint converts it: what a capture visits.
struct Tally: StateConvertible {
    final class Counter: @unchecked Sendable {
        var conversions = 0
    }

    var value = 0
    let counter: Counter

    init(counter: Counter) {
        self.counter = counter
    }

    init(state: StateValue) throws(StateConversionError) {
        value = try Int(state: state)
        counter = Counter()
    }

    var stateValue: StateValue {
        counter.conversions += 1
        return .int(Int64(value))
    }
}

@Suite("Change tracking")
struct ChangeTrackingTests {
    final class Tallied: LightningWork {
        @Var var tally: Tally

        init(counter: Tally.Counter) {
            tally = Tally(counter: counter)
        }
    }

    final class Group: LightningFlow {
        @Var var edits = 0
        let works = LightningList<Tallied>()
    }

    /// 20 groups of 50 works; each iteration writes `changing` works chosen by a seeded generator.
    final class Wide: LightningFlow {
        let groups = LightningList<Group>()
        var all: [Tallied] = []
        var changing = 3
        var iterations = 6
        var random = SeededRandom(seed: 11)
        let conversions = Tally.Counter()

        override init() {
            super.init()
            for _ in 0..<20 {
                let group = Group()
                for _ in 0..<50 {
                    let work = Tallied(counter: conversions)
                    group.works.append(work)
                    all.append(work)
                }
                groups.append(group)
            }
        }

        var conversionsPerSave: [Int] = []
        private var conversionsAtLastSave = 0

        override func run() throws {
            for _ in 0..<changing { all[Int.random(in: 0..<all.count, using: &random)].tally.value += 1 }
            iterations -= 1
            if iterations == 0 { stop() }
        }

        override func shouldSaveCheckpoint() -> Bool {
            // Counted when the app asks, i.e. up to the previous checkpoint's capture.
            conversionsPerSave.append(conversions.conversions - conversionsAtLastSave)
            conversionsAtLastSave = conversions.conversions
            return true
        }
    }

    @Test("a checkpoint converts only the works written since the last one, out of 1,000", arguments: [0, 1, 3])
    func capturesFollowTheChange(changing: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Wide()
        root.changing = changing
        let app = LightningApp(root: root, name: "wide")
        app.policy = CheckpointPolicy(maxDeltaBytesFraction: .infinity, writesInBackground: false)
        try app.run(checkpoint: nil, storageRoot: folder.path)
        // The first save converts all 1,000 works; later ones (deltas) convert the works written,
        // at most `changing` (a work written twice is converted once). Read at the next save.
        #expect(root.conversionsPerSave[1] == 1000, "\(root.conversionsPerSave)")
        for count in root.conversionsPerSave.dropFirst(2) { #expect(count <= changing && (changing == 0 || count > 0)) }
        #expect(app.statistics.recentCheckpoints.dropFirst().allSatisfy { $0.isDelta })
    }

    final class Stopper: LightningFlow {
        override func run() throws { stop() }
    }

    final class Spawner: LightningFlow {
        var child: Stopper?
        var iterations = 0

        override func run() throws {
            iterations += 1
            if iterations == 3 {
                child = Stopper()
                try child?.run()
            }
        }
    }

    @Test("a flow created and stopped in the same iteration ends the app after it")
    func stopFromNewFlow() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Spawner()
        let app = LightningApp(root: root, name: "spawner")
        try app.run(checkpoint: nil, storageRoot: folder.path)
        #expect(root.iterations == 3)
        #expect(app.stage == .stopping)
    }

    final class ListSpawner: LightningFlow {
        let flows = LightningList<Stopper>()
        var iterations = 0

        override func run() throws {
            iterations += 1
            if iterations == 2 {
                flows.append(Stopper())
                try flows[0].run()
            }
        }
    }

    @Test("a flow appended to a list and stopped in the same iteration ends the app after it")
    func stopFromNewListEntry() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = ListSpawner()
        try LightningApp(root: root, name: "spawner").run(checkpoint: nil, storageRoot: folder.path)
        #expect(root.iterations == 2)
    }

    @Test("after a resume, deltas follow the resumed app: each restores to the app's state at its save")
    func deltasAfterResume() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        func run(resuming: Bool) throws -> (LightningApp, Wide) {
            let root = Wide()
            root.iterations = 3
            let app = LightningApp(root: root, name: "wide")
            app.policy = CheckpointPolicy(maxDeltaBytesFraction: .infinity, writesInBackground: false)
            try app.run(checkpoint: resuming ? "latest" : nil, storageRoot: folder.path)
            return (app, root)
        }
        _ = try run(resuming: false)
        let (app, root) = try run(resuming: true)
        #expect(app.statistics.recentCheckpoints.count == 3)
        #expect(app.statistics.recentCheckpoints.first?.isDelta == false)
        #expect(app.statistics.recentCheckpoints.dropFirst().allSatisfy { $0.isDelta })
        let expected = IncrementalCheckpointTests.withoutMetadata(try app.checkpointState())
        let restored = IncrementalCheckpointTests.withoutMetadata(try CheckpointStore(storageRoot: folder.path).resolve("latest").load())
        #expect(restored == expected)
        #expect(root.all.map(\.tally.value).reduce(0, +) == 18)  // 3 writes in each of 6 iterations
    }

    final class Mover: LightningFlow {
        var slot: Counter?
        let list = LightningList<Counter>()
        let dict = LightningDict<Counter>()
        var step = 0
        var names: [String] = []
        /// Held in an array, which is not a child property: its places are the list, the dict, the slot.
        let pocket = [Counter()]
        var moved: Counter { pocket[0] }

        override func run() throws {
            step += 1
            switch step {
            case 1: list.append(moved)
            case 2: dict["kept"] = list.remove(at: 0)
            case 3:
                dict["kept"] = nil
                slot = moved
            default: stop()
            }
        }

        override func shouldSaveCheckpoint() -> Bool {
            names.append(moved.name)
            return false
        }
    }

    @Test("a component is renamed after each iteration that moves it")
    func namesFollowMoves() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Mover()
        try LightningApp(root: root, name: "mover").run(checkpoint: nil, storageRoot: folder.path)
        #expect(root.names == ["root.list.0", "root.dict.kept", "root.slot", "root.slot"])
    }
}
