import Foundation
import LightningCodecs
import LightningState
import LightningStore
import LightningTestSupport
import Testing

@Suite("Checkpoint store")
struct CheckpointStoreTests {
    static let state: StateValue = [
        "vars": ["_layout": [], "_paths": [:], "x": 1], "calls": [:], "flows": [:], "works": [:], "structures": [:],
        "changes": [:], "app_state": ["stage": "running"],
    ]

    @Test("two saves in the same second both survive, in save order")
    func sameSecond() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let first = try store.save(Self.state, time: 1_700_000_000.2)[0]
        let second = try store.save(Self.state, time: 1_700_000_000.7)[0]
        #expect(first.name.fileName(.json) == "lightningapp_checkpoint_1700000000.json")
        #expect(second.name.fileName(.json) == "lightningapp_checkpoint_1700000000_1.json")
        #expect(try store.list().map(\.name) == [first.name, second.name])
        #expect(try store.resolve("latest").description == second.path)
    }

    @Test("a clock that goes back never names a save before an earlier one")
    func clockGoesBack() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        _ = try store.save(Self.state, time: 2_000)[0]
        let later = try store.save(Self.state, time: 1_000)[0]
        #expect(later.name == CheckpointName(timestamp: 2_000, sequence: 1))
    }

    @Test("--checkpoint takes a path, a name with or without .json, or latest")
    func resolveForms() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let saved = try store.save(Self.state, time: 1_665_501_626)[0]
        #expect(try store.resolve(saved.path).description == saved.path)
        #expect(try store.resolve("lightningapp_checkpoint_1665501626").description == saved.path)
        #expect(try store.resolve("lightningapp_checkpoint_1665501626.json").description == saved.path)
        #expect(try store.resolve("latest").description == saved.path)
        let outside = try folder.write(Array("{}".utf8), to: "elsewhere/mine.json")
        #expect(try store.resolve(outside).description == outside)
    }

    @Test("an unknown name lists what exists; latest with none says so")
    func resolveErrors() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let empty = #expect(throws: CheckpointStoreError.self) { try store.resolve("latest") }
        #expect(empty?.description == "no checkpoint to take as 'latest': \(folder.path)/checkpoints holds none")
        let none = #expect(throws: CheckpointStoreError.self) { try store.resolve("nope") }
        #expect(none?.description == "no checkpoint named 'nope' in \(folder.path)/checkpoints (it holds no checkpoints)")
        let file = #expect(throws: CheckpointStoreError.self) { try store.resolve("mine.lsnap") }
        #expect(file?.description == "mine.lsnap: no such file (nor a checkpoint of that name in \(folder.path)/checkpoints)")
        #expect(file?.code == .notFound)
        _ = try store.save(Self.state, time: 10)[0]
        _ = try store.save(Self.state, time: 10)[0]
        let missing = #expect(throws: CheckpointStoreError.self) { try store.resolve("lightningapp_checkpoint_11") }
        #expect(missing?.description == "no checkpoint named 'lightningapp_checkpoint_11' in \(folder.path)/checkpoints (there are: lightningapp_checkpoint_10, lightningapp_checkpoint_10_1)")
    }

    @Test("a path to nothing or to a folder says so; an unknown name among many lists the newest ten, not all")
    func pathsAndLongLists() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let missing = #expect(throws: CheckpointStoreError.self) { try store.resolve("\(folder.path)/nope.lsnap") }
        #expect(missing?.description == "\(folder.path)/nope.lsnap: no such checkpoint file")
        #expect(missing?.code == .notFound)
        let directory = #expect(throws: CheckpointStoreError.self) { try store.resolve(folder.path) }
        #expect(directory?.description == "\(folder.path): is a folder, not a checkpoint file")
        for second in 0..<25 { try store.save(Self.state, time: Double(1_000 + second), formats: .binary) }
        let unknown = #expect(throws: CheckpointStoreError.self) { try store.resolve("nope") }
        let newest = (15..<25).map { "lightningapp_checkpoint_\(1_000 + $0)" }.joined(separator: ", ")
        #expect(unknown?.description == "no checkpoint named 'nope' in \(folder.path)/checkpoints (it holds 25; the newest 10: \(newest))")
    }

    @Test("missing, empty, garbage and malformed files: one line naming the file")
    func loadErrors() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let empty = try folder.write([], to: "empty.json")
        let garbage = try folder.write([0x00, 0xFF, 0x7B], to: "garbage.json")
        let truncated = try folder.write(Array(#"{"vars": {"x": "#.utf8), to: "truncated.json")
        let malformed = try folder.write(Array(#"{"vars": {}, "calls": {}, "flows": {"a": {"vars": {}}}, "works": {}, "structures": {}, "changes": {}, "app_state": {"stage": "running"}}"#.utf8), to: "malformed.json")
        let cases: [(String, String)] = [
            ("\(folder.path)/absent.json", "\(folder.path)/absent.json: open failed: No such file or directory"),
            (empty, "\(empty): the file is empty (0 bytes): neither a snapshot nor JSON"),
            (garbage, "\(garbage): neither a binary snapshot (no snapshot signature) nor JSON (it starts with byte 0x00)"),
            (truncated, "\(truncated):1:16: unexpected end of input: expected a value"),
            (malformed, #"\#(malformed): root.flows.a: missing "calls""#),
            (folder.path, "\(folder.path): is a directory, not a checkpoint file"),
        ]
        for (path, message) in cases {
            let error = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(path).load() }
            #expect(error?.description == message)
            #expect(error?.description.contains("\n") == false)
        }
    }

    @Test("a save never replaces an existing file and leaves no temporary file")
    func atomicSave() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let existing = try folder.write(Array("precious".utf8), to: "checkpoints/lightningapp_checkpoint_50.json")
        let saved = try store.save(Self.state, time: 50)[0]
        #expect(saved.name.fileName(.json) == "lightningapp_checkpoint_50_1.json")
        #expect(try FileIO.read(existing) == Array("precious".utf8))
        #expect(folder.names(in: "checkpoints") == ["lightningapp_checkpoint_50.json", "lightningapp_checkpoint_50_1.json"])
    }

    @Test("a save into an unwritable place fails without touching earlier checkpoints")
    func failedSave() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let blocker = try folder.write(Array("file".utf8), to: "blocked")
        let store = CheckpointStore(storageRoot: blocker)
        let error = #expect(throws: CheckpointStoreError.self) { try store.save(Self.state, time: 1)[0] }
        #expect(error?.description == "\(blocker)/checkpoints: open folder failed: Not a directory")
        #expect(error?.code == .io(errno: ENOTDIR))
        #expect(error?.isTransient == true)
    }

    @Test("a save refuses exactly the nesting a reader refuses, in either format, and writes nothing", arguments: CheckpointFormat.allCases)
    func nestingLimit(format: CheckpointFormat) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        func nested(_ depth: Int) -> StateValue {
            var value: StateValue = []
            for _ in 1..<depth { value = [value, 1] }
            return ["deep": value]  // one more level: the top-level object
        }
        let saves: CheckpointStore.SaveFormats = format == .json ? .json : .binary
        let deepest = try store.save(nested(1_023), time: 1, formats: saves)[0]
        #expect(try store.location(of: deepest).read() == nested(1_023))
        let error = #expect(throws: CheckpointStoreError.self) { try store.save(nested(1_024), time: 2, formats: saves) }
        #expect(error?.code == .encoding)
        #expect(error?.description.hasSuffix(": the state nests 1025 levels deep, deeper than the 1024 a reader accepts; nothing was saved") == true)
        #expect(try store.list().count == 1)
        // A delta is held to the depth its values reach in the state.
        var delta = StateDelta()
        delta.set(["a", "b", "c"], to: nested(1_022))
        let deltaError = #expect(throws: CheckpointStoreError.self) { try store.saveDelta(delta, parent: deepest.name, time: 3) }
        #expect(deltaError?.description.hasSuffix(": the state nests 1026 levels deep, deeper than the 1024 a reader accepts; nothing was saved") == true)
    }

    @Test("a delta is written and read to exactly the depth its values reach in the state, for short and long paths")
    func deltaNestingBoundary() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        /// A value that nests exactly `levels` levels.
        func nesting(_ levels: Int) -> StateValue {
            var value: StateValue = []
            for _ in 1..<levels { value = [value, 1] }
            return value
        }
        let parentState: StateValue = ["vars": [:], "a": ["b": ["c": ["d": [:]]]]]
        let parent = try store.save(parentState, time: 1, formats: .binary)[0]
        let long: [StateString] = ["a", "b", "c", "d", "e"]
        var time = 2.0
        for (path, reach) in [([] as [StateString], 1_024), (["vars"], 1_023), (long, 1_019)] {
            var delta = StateDelta()
            delta.set(path, to: nesting(reach))
            // At the limit: written, and read back to the state it says.
            let saved = try store.saveDelta(delta, parent: parent.name, time: time)
            var expected = parentState
            try delta.apply(to: &expected)
            #expect(try store.location(of: saved).read() == expected)
            #expect(expected.nestingDepth == 1_024)
            // One level more: refused, naming the depth in the state, with nothing written.
            var deeper = StateDelta()
            deeper.set(path, to: nesting(reach + 1))
            let error = #expect(throws: CheckpointStoreError.self) { try store.saveDelta(deeper, parent: parent.name, time: time + 0.5) }
            #expect(error?.description.hasSuffix(": the state nests 1025 levels deep, deeper than the 1024 a reader accepts; nothing was saved") == true)
            time += 1
        }
        #expect(try store.list().count == 4)
        // A writer of its own that skips the check: the reader applies the same rule, to short
        // paths (whose stream is within its limit) as to long ones.
        for (index, (path, levels)) in [(long, 1_020), (["vars"], 1_024)].enumerated() {
            var foreign = StateDelta()
            foreign.set(path, to: nesting(levels))
            let name = CheckpointName(timestamp: 100 + Int64(index))
            let bytes = try BinarySnapshot.encode(foreign, sequence: name.snapshotID, parent: parent.name.snapshotID)
            let file = try folder.write(bytes, to: "checkpoints/\(name.fileName(.binary))")
            let refused = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(file).read() }
            let dotted = path.map(\.displayString).joined(separator: ".")
            #expect(refused?.description == "\(file): over a limit: edit 0 at \(dotted) nests 1025 levels deep in the state, deeper than 1024")
        }
    }

    @Test("a snapshot is read under its own name; a full one also under a name that is no checkpoint's")
    func snapshotNames() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let full = try store.save(Self.state, time: 10, formats: .binary)[0]
        var delta = StateDelta()
        delta.set(["vars"], to: ["x": 2])
        let child = try store.saveDelta(delta, parent: full.name, time: 20)
        let fullBytes = try FileIO.read(full.path)
        let deltaBytes = try FileIO.read(child.path)
        // A full snapshot under a plain name reads; under another checkpoint's name it does not.
        let kept = try folder.write(fullBytes, to: "checkpoints/kept.lsnap")
        #expect(try CheckpointLocation.file(kept).load() == Self.state)
        let renamed = try folder.write(fullBytes, to: "checkpoints/lightningapp_checkpoint_30.lsnap")
        let error = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(renamed).load() }
        #expect(
            error?.description
                == "\(renamed): is the snapshot lightningapp_checkpoint_10.lsnap, renamed or copied to another checkpoint's name; read it under its own name or one that is no checkpoint's (kept.lsnap), from which `lightning-checkpoint convert` writes it under this one")
        // A delta only under its own name, whatever the other name is.
        for other in ["lightningapp_checkpoint_40.lsnap", "copy.lsnap"] {
            let moved = try folder.write(deltaBytes, to: "checkpoints/\(other)")
            let deltaError = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(moved).load() }
            #expect(deltaError?.description == "\(moved): is the delta lightningapp_checkpoint_20.lsnap, renamed or copied: a delta is read only under its own name, next to its parent (read it there; `lightning-checkpoint convert` makes a full copy that reads under any name)")
        }
        // An unnumbered full snapshot (a convert output) reads under any name, a checkpoint's too.
        let unnumbered = try folder.write(try BinarySnapshot.encode(Self.state), to: "checkpoints/lightningapp_checkpoint_50.lsnap")
        #expect(try CheckpointLocation.file(unnumbered).load() == Self.state)
        var changed = Self.state
        try delta.apply(to: &changed)
        #expect(try store.location(of: child).read() == changed)
        // Names whose parts overflow a snapshot number are no checkpoint's: no two names share a number.
        #expect(CheckpointName(fileName: "lightningapp_checkpoint_0_1048576.lsnap") == nil)
        #expect(CheckpointName(fileName: "lightningapp_checkpoint_17592186044416.lsnap") == nil)
        #expect(CheckpointName(fileName: "lightningapp_checkpoint_17592186044415_1048575.lsnap")?.snapshotID == UInt64.max)
    }

    @Test("latest is a renamed copy: refused, naming it; latest-valid passes over it to the newest that reads")
    func renamedNewest() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let full = try store.save(Self.state, time: 10, formats: .binary)[0]
        let copy = try folder.write(try FileIO.read(full.path), to: "checkpoints/lightningapp_checkpoint_20.lsnap")
        let latest = #expect(throws: CheckpointStoreError.self) { try store.loadCheckpoint("latest") }
        #expect(latest?.description.hasPrefix("\(copy): is the snapshot lightningapp_checkpoint_10.lsnap, renamed or copied") == true)
        #expect(try store.loadCheckpoint("latest-valid").location.description == full.path)
    }

    @Test("an empty file and a snapshot cut inside its signature are reported as such")
    func emptyAndCutSignature() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let empty = try folder.write([], to: "empty.lsnap")
        let cut = try folder.write([0x89, 0x4C, 0x43], to: "cut.json")
        let emptyError = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(empty).load() }
        #expect(emptyError?.description == "\(empty): the file is empty (0 bytes): neither a snapshot nor JSON")
        let cutError = #expect(throws: CheckpointStoreError.self) { try CheckpointLocation.file(cut).load() }
        #expect(cutError?.description == "\(cut): truncated: the file is 3 bytes, shorter than the 72 of an empty snapshot")
    }

    @Test("a storage failure that may pass is not damage: latest and latest-valid report it, never fall back past it")
    func transientIsNotDamage() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plain = CheckpointStore(storageRoot: folder.path)
        for time in [1.0, 2.0] { try plain.save(Self.state, time: time, formats: .binary) }
        // The first read fails once with EIO: the newest checkpoint is fine, the disk hiccupped.
        for value in ["latest", "latest-valid"] {
            let store = CheckpointStore(storage: FaultyStorage(root: folder.path, fault: .init(.read, call: 1, errno: EIO)))
            let error = #expect(throws: CheckpointStoreError.self) { try store.loadCheckpoint(value) }
            #expect(error?.code == .io(errno: EIO))
            #expect(error?.description.hasSuffix(": read failed: Input/output error") == true)
        }
        // A file path needs no listing: it loads even when listing the store fails.
        let unlistable = CheckpointStore(storage: FaultyStorage(root: folder.path, fault: .init(.list, call: 1, count: .max)))
        let path = "\(folder.path)/checkpoints/lightningapp_checkpoint_2.lsnap"
        #expect(try unlistable.loadCheckpoint(path).location.description == path)
    }

    @Test("metadata is one more top-level key and reads back")
    func metadata() throws {
        let metadata = CheckpointMetadata(schemaVersion: 3, createdAt: 1_700_000_000.5, appName: "demo")
        guard case .object(var members) = Self.state else { return }
        members[CheckpointMetadata.key] = metadata.stateValue
        #expect(CheckpointMetadata(checkpoint: .object(members)) == metadata)
        #expect(CheckpointMetadata(checkpoint: Self.state) == nil)
        try CheckpointLayout.validate(.object(members))
    }
    @Test("retention keeps the newest K and the first checkpoint of every period, with the snapshots their deltas need; a failure part way leaves every file loadable")
    func keepEvery() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        // Four hours of checkpoints, one every 20 minutes: a full snapshot each hour at :00 and
        // :40, deltas in between.
        var parent: CheckpointName?
        for minute in stride(from: 0, to: 240, by: 20) {
            let time = Double(1_800_000_000 + minute * 60)
            if minute % 40 == 0 || parent == nil {
                parent = try store.save(CheckpointStoreTests.state, time: time, formats: .binary)[0].name
            } else {
                var delta = StateDelta()
                delta.set(["vars", "minute"], to: .int(Int64(minute)))
                parent = try store.saveDelta(delta, parent: parent!, time: time).name
            }
        }
        let all = try store.list().map(\.name)
        #expect(all.count == 12)
        var parents: [CheckpointName: CheckpointName?] = [:]
        let deleted = try store.applyRetention(RetentionPolicy(keepLast: 2, keepEvery: 3600), knownParents: &parents)
        let kept = try store.list()
        // The first of each hour (at :00 past 1_800_000_000's hour boundary) and the newest two,
        // with every parent they need.
        let hours = Set(all.map { $0.timestamp / 3600 })
        for hour in hours {
            #expect(kept.contains { $0.name == all.first { $0.timestamp / 3600 == hour } })
        }
        #expect(kept.suffix(2).map(\.name) == all.suffix(2))
        for info in kept { #expect((try? store.location(of: info).load()) != nil) }
        #expect(deleted.count + kept.count == 12)
        #expect(!deleted.isEmpty)
        // Known parents are remembered, and forgotten with their files.
        #expect(parents.keys.allSatisfy { name in kept.contains { $0.name == name } })
        // Alone, keep-every keeps one per period and the newest.
        #expect(try store.applyRetention(RetentionPolicy(keepEvery: 3600), knownParents: &parents).count >= 0)
        #expect(try store.list().last?.name == all.last)
        // Nonsense is refused, deleting nothing.
        let before = try store.list().count
        #expect(throws: CheckpointStoreError.self) { try store.applyRetention(RetentionPolicy(keepEvery: 0), knownParents: &parents) }
        #expect(try store.list().count == before)
    }
}

@Suite("Interrupted saves")
struct InterruptedSaveTests {
    @Test("temporary files of dead processes on this host are removed; a live process's and another host's are kept; none is a checkpoint")
    func staleTemporaryFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(storageRoot: folder.path)
        let host = FileIO.hostName()
        let dead = ".lightningapp_checkpoint_5.lsnap.tmp-999999999-42-\(host)"
        let live = ".lightningapp_checkpoint_6.lsnap.tmp-\(getpid())-42-\(host)"
        let elsewhere = ".lightningapp_checkpoint_7.lsnap.tmp-999999999-42-other-machine.example"
        for name in [dead, live, elsewhere, ".notes"] { try folder.write([1, 2, 3], to: "checkpoints/\(name)") }
        #expect(try store.list().isEmpty)
        #expect(throws: CheckpointStoreError.self) { try store.resolve("latest") }
        #expect(try store.removeLeftovers() == 1)
        #expect(folder.names(in: "checkpoints") == [live, elsewhere, ".notes"].sorted())
    }

    @Test("a temporary file's name carries its writer: process, then host (which may hold dashes)")
    func temporaryNames() {
        let identity = WriterIdentity(host: "node-7.cluster", pid: 4242)
        let name = TemporaryName.make(for: "lightningapp_checkpoint_5.lsnap", identity: identity)
        #expect(name.hasPrefix(".lightningapp_checkpoint_5.lsnap.tmp-4242-"))
        #expect(TemporaryName.writer(of: name) == identity)
        #expect(TemporaryName.writer(of: "lightningapp_checkpoint_5.lsnap") == nil)
        #expect(TemporaryName.writer(of: ".x.tmp-12-notanumber-host") == nil)
        #expect(TemporaryName.writer(of: ".x.tmp-12-34-") == nil)
    }

}
