import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

@Suite("State deltas")
struct StateDeltaTests {
    @Test("set and remove edit nested members in order, keeping key order")
    func edits() throws {
        var state: StateValue = ["flows": ["a": ["vars": ["x": 1]]], "works": ["w": ["vars": [:]]], "z": 0]
        var delta = StateDelta()
        delta.set(["flows", "a", "vars", "x"], to: 2)
        delta.set(["flows", "b"], to: ["vars": [:]])
        delta.remove(["works", "w"])
        delta.set(["z"], to: "last")
        try delta.apply(to: &state)
        #expect(state == ["flows": ["a": ["vars": ["x": 2]], "b": ["vars": [:]]], "works": [:], "z": "last"])
    }

    @Test("edits that do not fit name the edit and the path")
    func errors() {
        var state: StateValue = ["a": ["b": 1]]
        let cases: [(StateDelta, String)] = [
            (StateDelta(edits: [.remove(path: ["a", "c"])]), "edit 0 at a.c: no such member to remove"),
            (StateDelta(edits: [.set(path: ["x", "y"], value: 1)]), "edit 0 at x.y: no member \"x\" on the way"),
            (StateDelta(edits: [.set(path: ["a"], value: 1), .set(path: ["a", "b", "c"], value: 1)]), "edit 1 at a.b.c: the parent is not an object"),
            (StateDelta(edits: [.remove(path: [])]), "edit 0 at : cannot remove the whole state"),
        ]
        for (delta, message) in cases {
            var copy = state
            let error = #expect(throws: StateDeltaError.self) { try delta.apply(to: &copy) }
            #expect(error?.description == message)
        }
        state = 3
        let top = #expect(throws: StateDeltaError.self) { try StateDelta(edits: [.set(path: ["a"], value: 1)]).apply(to: &state) }
        #expect(top?.description == "edit 0 at a: the state is not an object")
    }

    @Test("a delta snapshot round-trips and names its parent")
    func snapshot() throws {
        var delta = StateDelta()
        delta.set(["works", "w", "vars", "series"], to: [1.5, 2.5, 3.5, 4.5, -0.0])
        delta.remove(["flows", "gone"])
        let bytes = try BinarySnapshot.encode(delta, sequence: 7, parent: 5)
        let decoded = try BinarySnapshot.decodeContents(bytes)
        #expect(decoded.header.isDelta)
        #expect(decoded.header.sequence == 7)
        guard case .delta(let back, let parent) = decoded.contents else {
            Issue.record("not a delta")
            return
        }
        #expect(parent == 5)
        #expect(back == delta)
        let error = #expect(throws: SnapshotError.self) { try BinarySnapshot.decode(bytes) }
        #expect(error?.description == "malformed at byte 12: a delta snapshot needs its parent to be read")
    }

    @Test("random edit sequences applied through snapshots give the same trees as applied directly")
    func randomSequences() throws {
        var random = SeededRandom(seed: 2_024)
        for _ in 0..<100 {
            var state = RandomState.value(depth: 3, using: &random)
            guard case .object = state else { continue }
            var delta = StateDelta()
            var expected = state
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                guard case .object(let members) = expected, let key = members.keys.randomElement(using: &random) else { break }
                let edit: StateDelta.Edit = Bool.random(using: &random)
                    ? .set(path: [key], value: RandomState.value(depth: 2, using: &random))
                    : .remove(path: [key])
                try StateDelta(edits: [edit]).apply(to: &expected)
                delta.edits.append(edit)
            }
            let bytes = try BinarySnapshot.encode(delta, sequence: 2, parent: 1)
            guard case .delta(let back, _) = try BinarySnapshot.decodeContents(bytes).contents else { continue }
            try back.apply(to: &state)
            #expect(state == expected)
        }
    }

    /// A random edit that applies to `state` (which it is applied to): sets of existing and new
    /// members at any depth, whole objects replaced, members removed.
    static func randomEdit(on state: inout StateValue, using random: inout SeededRandom) throws -> StateDelta.Edit {
        // Walk down from the top to an object, choosing a member at each step.
        var path: [StateString] = []
        var node = state
        while case .object(let members) = node, !members.isEmpty, Int.random(in: 0..<3, using: &random) > 0 {
            let key = members.keys[Int.random(in: 0..<members.count, using: &random)]
            guard case .object = members[key]! else { break }
            path.append(key)
            node = members[key]!
        }
        guard case .object(let members) = node else { preconditionFailure("the walk stops on objects") }
        let names: [StateString] = ["a", "b", "c", "d"]
        let edit: StateDelta.Edit
        switch Int.random(in: 0..<5, using: &random) {
        case 0 where !members.isEmpty:
            edit = .remove(path: path + [members.keys[Int.random(in: 0..<members.count, using: &random)]])
        case 1, 2:
            let child: StateValue = Bool.random(using: &random) ? ["a": .int(Int64.random(in: 0..<9, using: &random))] : [:]
            edit = .set(path: path + [names.randomElement(using: &random)!], value: child)
        default:
            edit = .set(path: path + [names.randomElement(using: &random)!], value: .int(Int64.random(in: 0..<99, using: &random)))
        }
        try StateDelta(edits: [edit]).apply(to: &state)
        return edit
    }

    @Test("merging deltas applies exactly as applying them in turn, key order included, and folds repeated writes", arguments: 0..<40)
    func mergeFolds(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let start: StateValue = ["a": ["b": ["c": 1]], "b": 2, "c": ["d": [:]]]
        var state = start
        var merged = StateDelta()
        var count = 0
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            var delta = StateDelta()
            for _ in 0..<Int.random(in: 1...12, using: &random) { delta.edits.append(try Self.randomEdit(on: &state, using: &random)) }
            count += delta.edits.count
            merged.merge(delta)
            var applied = start
            try merged.apply(to: &applied)
            // The result is the state the edits lead to, member order included.
            #expect(JSONWriter.write(applied) == JSONWriter.write(state))
        }
        #expect(merged.edits.count <= count)
    }

    @Test("a var written in every one of many merged deltas stays one edit; what a later edit replaces or removes is dropped")
    func mergeBounds() {
        var merged = StateDelta()
        for value in 0..<1_000 {
            var delta = StateDelta()
            delta.set(["works", "w", "vars", "counter"], to: .int(Int64(value)))
            delta.set(["app_state"], to: ["stage": "running"])
            merged.merge(delta)
        }
        #expect(merged.edits == [.set(path: ["works", "w", "vars", "counter"], value: 999), .set(path: ["app_state"], value: ["stage": "running"])])
        var replaced = StateDelta(edits: [.set(path: ["w", "vars", "x"], value: 1), .set(path: ["w", "calls"], value: [:])])
        replaced.merge(StateDelta(edits: [.remove(path: ["w"])]))
        #expect(replaced.edits == [.remove(path: ["w"])])
        // set, remove, set of one node: the order of members they leave depends on the state, so all stay.
        var toggled = StateDelta(edits: [.set(path: ["x"], value: 1), .remove(path: ["x"])])
        toggled.merge(StateDelta(edits: [.set(path: ["x"], value: 2)]))
        #expect(toggled.edits.count == 3)
    }
}
