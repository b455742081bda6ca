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
}
