import Foundation
import Lightning
import LightningCodecs
import LightningState
import LightningStore
import LightningTestSupport
import Testing

/// A `Codable` element: a var of these is converted on the loop and compared as state.
struct Sample: Codable, StateConvertible, Equatable {
    var step: Int
    var loss: Double
}

/// A work holding large vars of every kind the writer compares inside.
final class Recorder: LightningWork {
    @Var var history: [Double] = []
    @Var var table: [String: Double] = [:]
    @Var var lists: [String: [Int]] = [:]
    @Var var rows: [[String: String]] = []
    @Var var text = ""
    @Var var maybe: [Double]?
    @Var var samples: [Sample] = []
    @Var var tree: StateValue = ["a": [1, 2, 3], "b": ["c": "x"]]
    @Var var flags: [Bool] = []
}

/// A root whose run edits the recorder's vars (and its own) at random: appends, ranges replaced
/// or removed, keys set, inserted where they sort and removed, text appended, values swapped
/// whole, special floats.
final class EditingRoot: RecordingRoot {
    @Var var counts: [Int] = []
    @Var var names: [String: String] = [:]
    let recorder = Recorder()
    var random: SeededRandom
    var remaining: Int

    init(seed: UInt64, iterations: Int) {
        random = SeededRandom(seed: seed)
        remaining = iterations
    }

    private func key() -> String { "k\(Int.random(in: 0..<40, using: &random))" }
    private func double() -> Double {
        Bool.random(using: &random) ? Double.random(in: -1e3...1e3, using: &random) : RandomState.specialDoubles.randomElement(using: &random)!
    }

    override func run() throws {
        let r = recorder
        for _ in 0..<Int.random(in: 1...5, using: &random) {
            switch Int.random(in: 0..<22, using: &random) {
            case 0, 1: r.history.append(contentsOf: (0..<Int.random(in: 1...5, using: &random)).map { _ in double() })
            case 2:
                if !r.history.isEmpty {
                    let start = Int.random(in: 0..<r.history.count, using: &random)
                    let end = Int.random(in: start...min(r.history.count, start + 3), using: &random)
                    r.history.replaceSubrange(start..<end, with: (0..<Int.random(in: 0...3, using: &random)).map { _ in double() })
                }
            case 3: if !r.history.isEmpty { r.history.removeLast(Int.random(in: 1...min(3, r.history.count), using: &random)) }
            case 4: r.table[key()] = double()
            case 5: r.table[key()] = nil
            case 6: r.lists[key(), default: []].append(Int.random(in: -9...9, using: &random))
            case 7: if let k = r.lists.keys.randomElement(using: &random) { r.lists[k] = Bool.random(using: &random) ? nil : [] }
            case 8: r.rows.append(["id": "\(Int.random(in: 0..<99, using: &random))"])
            case 9: if !r.rows.isEmpty { r.rows[Int.random(in: 0..<r.rows.count, using: &random)]["seen"] = "yes" }
            case 10: r.text += String(repeating: "é😀x", count: Int.random(in: 1...9, using: &random))
            case 11: r.text = Bool.random(using: &random) ? "" : "restart \(remaining)"
            case 12: r.maybe = r.maybe == nil ? [1, 2] : (Bool.random(using: &random) ? nil : r.maybe! + [3])
            case 13: r.samples.append(Sample(step: remaining, loss: Double.random(in: -1...1, using: &random)))
            case 14: if !r.samples.isEmpty { r.samples[0].loss = Double.random(in: -1...1, using: &random) }
            case 15:
                if case .object(var members) = r.tree {
                    members[StateString(key())] = .array([.float(double())])
                    if Bool.random(using: &random), let first = members.keys.first { members.removeValue(forKey: first) }
                    r.tree = .object(members)
                }
            case 16: r.flags.append(Bool.random(using: &random))
            case 17: counts.append(Int.random(in: 0...99, using: &random))
            case 18: names[key()] = "n\(remaining)"
            case 19: if let k = names.keys.randomElement(using: &random) { names[k] = nil }
            case 20: r.history = r.history.reversed()
            default: r.table = Dictionary(uniqueKeysWithValues: r.table.keys.map { ($0, double()) })
            }
        }
        remaining -= 1
        if remaining == 0 { stop() }
    }
}

@Suite("Edits inside vars")
struct VarEditTests {
    /// The deltas among `files`, decoded, with their files.
    static func deltas(_ files: [CheckpointInfo]) throws -> [(file: CheckpointInfo, delta: StateDelta)] {
        try files.filter(\.isDelta).compactMap { file in
            guard case .delta(let delta, _) = try BinarySnapshot.decodeContents(Array(try Data(contentsOf: URL(fileURLWithPath: file.path)))).contents else { return nil }
            return (file, delta)
        }
    }

    /// The verbs of every edit in the deltas of `files`.
    static func verbs(_ files: [CheckpointInfo]) throws -> Set<String> {
        Set(try deltas(files).flatMap { $0.delta.edits.map(\.verb) })
    }

    @Test("random edits inside vars: every snapshot of every chain restores exactly the state at its save", arguments: Array(1...12) as [UInt64])
    func randomEdits(seed: UInt64) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (files, _) = try IncrementalCheckpointTests.runExpectingEverySave(EditingRoot(seed: seed, iterations: 60), name: "edits", in: folder)
        #expect(files.count == 60)
        #expect(try Self.verbs(files).isSuperset(of: ["append", "splice", "set"]))
    }

    @Test("merged while the writer is behind: the newest snapshot is the final state, and every one reads")
    func mergedInQueue() throws {
        for whenBehind in [CheckpointPolicy.WhenBehind.merge, .wait] {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let root = EditingRoot(seed: 99, iterations: 150)
            let app = LightningApp(root: root, name: "merged")
            app.policy = CheckpointPolicy(maxDeltaChain: 40, maxDeltaBytesFraction: .infinity, whenBehind: whenBehind)
            var last = StateValue.null
            root.onSave = { [unowned app] in last = IncrementalCheckpointTests.withoutMetadata(try! app.checkpointState()) }
            try app.run(checkpoint: nil, storageRoot: folder.path)
            let files = try CheckpointStore(storageRoot: folder.path).list()
            for file in files { _ = try CheckpointLocation.file(file.path).load() }
            #expect(IncrementalCheckpointTests.withoutMetadata(try CheckpointLocation.file(files.last!.path).load()) == last)
        }
    }

    @Test("a growing history and a large table cost what changed: a delta of a few hundred bytes")
    func deltaFollowsTheChange() throws {
        final class Trainer: LightningWork {
            @Var var history = (0..<200_000).map { Double($0).squareRoot() }
            @Var var table = Dictionary(uniqueKeysWithValues: (0..<20_000).map { ("key\($0)", Double($0)) })
        }
        final class Root: RecordingRoot {
            let trainer = Trainer()
            var iteration = 0
            override func run() throws {
                iteration += 1
                trainer.history.append(Double(iteration) / 3)
                trainer.table["key\(iteration * 7)"] = -1
                trainer.table["added\(iteration)"] = 0.5  // sorts first: inserted
                if iteration == 6 { stop() }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (files, _) = try IncrementalCheckpointTests.runExpectingEverySave(Root(), name: "trainer", in: folder)
        #expect(files.map(\.isDelta) == [false, true, true, true, true, true])
        for file in files.dropFirst() { #expect(file.size < 1024, "\(file.name): \(file.size) bytes") }
        #expect(files[0].size > 500_000)
        #expect(try Self.verbs(files) == ["append", "set", "insert"])
    }

    @Test("containers inside containers are edited inside, however many change; an emptied table is one edit")
    func nestedContainers() throws {
        final class Root: RecordingRoot {
            @Var var series: [String: [Double]] = ["a": Array(repeating: 1, count: 1_000), "b": Array(repeating: 2, count: 1_000), "c": []]
            @Var var table: [String: Int] = Dictionary(uniqueKeysWithValues: (0..<100).map { ("k\($0)", $0) })
            var iteration = 0
            override func run() throws {
                iteration += 1
                series["a"]!.append(Double(iteration))
                series["b"]!.append(-Double(iteration))
                if iteration == 3 { table.removeAll() }
                if iteration == 4 { stop() }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (files, _) = try IncrementalCheckpointTests.runExpectingEverySave(Root(), name: "nested", in: folder)
        for (file, delta) in try Self.deltas(files) {
            let inVars = delta.edits.filter { $0.path.first == "vars" }
            #expect(inVars.allSatisfy { $0.verb == "append" || $0.path == ["vars", "table"] }, "\(inVars.map { "\($0.verb) \($0.path)" })")
            #expect(inVars.filter { $0.path == ["vars", "table"] }.count <= 1)
            #expect(file.size < 1_024)
        }
    }

    @Test("a var set to an equal value writes no edit for it")
    func unchangedValue() throws {
        final class Root: RecordingRoot {
            @Var var series = [1.0, 2.0, 3.0, 4.0]
            @Var var tick = 0
            var iteration = 0
            override func run() throws {
                iteration += 1
                series = series.map { $0 }
                tick = iteration
                if iteration == 3 { stop() }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (files, _) = try IncrementalCheckpointTests.runExpectingEverySave(Root(), name: "same", in: folder)
        for (_, delta) in try Self.deltas(files) {
            #expect(!delta.edits.contains { $0.path.last == "series" }, "\(delta.edits)")
        }
    }

    @Test("JSON and both formats: every checkpoint is whole, its large vars converted by the writer, and exact", arguments: [CheckpointStore.SaveFormats.json, .both])
    func wholeFormats(formats: CheckpointStore.SaveFormats) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = EditingRoot(seed: 5, iterations: 12)
        let app = LightningApp(root: root, name: "json")
        app.checkpointFormats = formats
        var expected: [StateValue] = []
        root.onSave = { [unowned app] in expected.append(IncrementalCheckpointTests.withoutMetadata(try! app.checkpointState())) }
        try app.run(checkpoint: nil, storageRoot: folder.path)
        let files = try CheckpointStore(storageRoot: folder.path).list()
        #expect(files.count == (formats == .both ? 24 : 12))
        #expect(!files.contains { $0.isDelta })
        for file in files {
            #expect(expected.contains(IncrementalCheckpointTests.withoutMetadata(try CheckpointLocation.file(file.path).load())), "\(file.name)")
        }
        #expect(IncrementalCheckpointTests.withoutMetadata(try CheckpointLocation.file(files.last!.path).load()) == expected.last)
    }

    @Test("a restarted app starts a new chain with a full snapshot, and its deltas hold what changed inside the vars")
    func restart() throws {
        final class Root: RecordingRoot {
            @Var var series: [Double] = []
            @Var var table: [String: Int] = [:]
            var iteration = 0
            override func run() throws {
                iteration += 1
                series.append(Double(series.count))
                table["t\(series.count)"] = series.count
                if iteration == 4 { stop() }
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for run in 0..<3 {
            let app = LightningApp(root: Root(), name: "again")
            app.policy.writesInBackground = false
            try app.run(checkpoint: run == 0 ? nil : "latest", storageRoot: folder.path)
        }
        let files = try CheckpointStore(storageRoot: folder.path).list()
        let last = try CheckpointLocation.file(files.last!.path).load()
        #expect(last["vars"]?["series"] == .array((0..<12).map { .float(Double($0)) }))
        #expect(last["vars"]?["table"]?.objectValue?.count == 12)
        #expect(try Self.verbs(files).contains("append"))
    }
}
