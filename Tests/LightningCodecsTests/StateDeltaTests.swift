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

    @Test("insert, append and splice edit inside members, in place")
    func editsInside() throws {
        var state: StateValue = ["vars": ["h": [1.0, 2.0], "t": ["a": 1, "c": 3], "s": "ab"]]
        try StateDelta(edits: [
            .append(path: ["vars", "h"], tail: [3.0]),
            .insert(path: ["vars", "t", "b"], position: 1, value: 2),
            .insert(path: ["vars", "t", "0"], position: 0, value: 0),
            .append(path: ["vars", "s"], tail: "cd"),
            .splice(path: ["vars", "h"], range: 0..<1, elements: [-1.0, -0.5]),
            .insert(path: ["vars", "z"], position: 3, value: true),
        ]).apply(to: &state)
        #expect(JSONWriter.write(state) == JSONWriter.write(["vars": ["h": [-1.0, -0.5, 2.0, 3.0], "t": ["0": 0, "a": 1, "b": 2, "c": 3], "s": "abcd", "z": true]]))
    }

    @Test("appending to and splicing a list apply in place: the list is not copied for each delta", arguments: [false, true])
    func appendsInPlace(floats: Bool) throws {
        var list = floats ? StateArray(floats: [0.5]) : StateArray(["x"])
        list.reserveCapacity(64)
        var state: StateValue = ["works": ["w": ["vars": ["history": .array(list)]]]]
        list = []
        func buffer() -> UnsafeRawPointer? {
            guard case .array(let list)? = state["works"]?["w"]?["vars"]?["history"] else { return nil }
            switch list.storage {
            case .floats(let numbers): return numbers.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            case .values(let values): return values.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            case .ints, .narrowInts, .pooled, .columns: return nil
            }
        }
        let before = try #require(buffer())
        var delta = StateDelta()
        delta.edits.append(.append(path: ["works", "w", "vars", "history"], tail: floats ? .array(StateArray(floats: [1.5])) : ["y"]))
        delta.edits.append(.splice(path: ["works", "w", "vars", "history"], range: 0..<1, elements: [floats ? 2.5 : "z"]))
        try delta.apply(to: &state)
        #expect(buffer() == before)
        #expect(state["works"]?["w"]?["vars"]?["history"] == (floats ? [2.5, 1.5] : ["z", "y"]))
    }

    @Test("edits that do not fit name the edit and the path")
    func errors() {
        var state: StateValue = ["a": ["b": 1, "l": [1, 2], "s": .string(StateString(codePoints: [0x78, 0xD800]))]]
        let cases: [(StateDelta, String)] = [
            (StateDelta(edits: [.insert(path: ["a", "b"], position: 0, value: 1)]), "edit 0 at a.b: the member to insert exists"),
            (StateDelta(edits: [.insert(path: ["a", "n"], position: 4, value: 1)]), "edit 0 at a.n: position 4 is outside the parent's 3 members"),
            (StateDelta(edits: [.append(path: ["a", "n"], tail: [1])]), "edit 0 at a.n: no such member to append to"),
            (StateDelta(edits: [.append(path: ["a", "b"], tail: [1])]), "edit 0 at a.b: the member is not an array"),
            (StateDelta(edits: [.append(path: ["a", "l"], tail: "x")]), "edit 0 at a.l: the member is not a string"),
            (StateDelta(edits: [.append(path: ["a", "l"], tail: 1)]), "edit 0 at a.l: appends neither elements nor text"),
            (StateDelta(edits: [.append(path: ["a", "s"], tail: .string(StateString(codePoints: [0xDC00])))]), "edit 0 at a.s: the text appended would join a lone high surrogate to a low one"),
            (StateDelta(edits: [.splice(path: ["a", "l"], range: 1..<3, elements: [])]), "edit 0 at a.l: elements 1..<3 are outside an array of 2"),
            (StateDelta(edits: [.splice(path: ["a", "s"], range: 0..<0, elements: [])]), "edit 0 at a.s: the member is not an array"),
            (StateDelta(edits: [.splice(path: ["a", "n"], range: 0..<0, elements: [])]), "edit 0 at a.n: no such member to splice"),
            (StateDelta(edits: [.append(path: [], tail: [1])]), "edit 0 at the top: cannot append the whole state"),
            (StateDelta(edits: [.remove(path: ["a", "c"])]), "edit 0 at a.c: no such member to remove"),
            (StateDelta(edits: [.set(path: ["x", "y"], value: 1)]), "edit 0 at x.y: no member \"x\" on the way"),
            (StateDelta(edits: [.set(path: ["a"], value: 1), .set(path: ["a", "b", "c"], value: 1)]), "edit 1 at a.b.c: the parent is not an object"),
            (StateDelta(edits: [.remove(path: [])]), "edit 0 at the top: cannot remove the whole state"),
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
        let arrays = members.filter { $0.value.arrayValue != nil }.map(\.key)
        let strings = members.filter { $0.value.stringValue != nil }.map(\.key)
        func number() -> StateValue { .int(Int64.random(in: 0..<99, using: &random)) }
        let edit: StateDelta.Edit
        switch Int.random(in: 0..<9, using: &random) {
        case 0 where !members.isEmpty:
            edit = .remove(path: path + [members.keys[Int.random(in: 0..<members.count, using: &random)]])
        case 1, 2:
            let child: StateValue = Bool.random(using: &random) ? ["a": number()] : (Bool.random(using: &random) ? [:] : [number(), number()])
            edit = .set(path: path + [names.randomElement(using: &random)!], value: child)
        case 3:
            let fresh = names.filter { members[$0] == nil }
            guard let name = fresh.randomElement(using: &random) else { return try randomEdit(on: &state, using: &random) }
            edit = .insert(path: path + [name], position: Int.random(in: 0...members.count, using: &random), value: number())
        case 4 where !arrays.isEmpty:
            edit = .append(path: path + [arrays.randomElement(using: &random)!], tail: .array((0..<Int.random(in: 0...5, using: &random)).map { _ in number() }))
        case 5 where !strings.isEmpty:
            edit = .append(path: path + [strings.randomElement(using: &random)!], tail: "+ab")
        case 6 where !arrays.isEmpty:
            let key = arrays.randomElement(using: &random)!
            let count = members[key]!.arrayValue!.count
            let start = Int.random(in: 0...count, using: &random)
            let end = Int.random(in: start...count, using: &random)
            edit = .splice(path: path + [key], range: start..<end, elements: (0..<Int.random(in: 0...3, using: &random)).map { _ in number() })
        default:
            edit = .set(path: path + [names.randomElement(using: &random)!], value: number())
        }
        try StateDelta(edits: [edit]).apply(to: &state)
        return edit
    }

    @Test("merging deltas applies exactly as applying them in turn, key order included, and folds repeated writes", arguments: 0..<40)
    func mergeFolds(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let start: StateValue = ["a": ["b": ["c": 1], "l": [1, 2]], "b": 2, "c": ["d": [:]], "s": "text"]
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

    /// `value` changed at random, at any depth: elements appended, replaced, removed; members
    /// set, inserted anywhere, removed, reordered; text appended or replaced; kinds swapped.
    static func mutated(_ value: StateValue, depth: Int = 0, using random: inout SeededRandom) -> StateValue {
        switch value {
        case .array(var elements):
            switch Int.random(in: 0..<6, using: &random) {
            case 0: elements.append(contentsOf: (0..<Int.random(in: 1...4, using: &random)).map { _ in RandomState.scalar(using: &random) })
            case 1 where !elements.isEmpty:
                let start = Int.random(in: 0..<elements.count, using: &random)
                elements.replaceSubrange(start..<Int.random(in: start...elements.count, using: &random), with: [RandomState.value(depth: 2, using: &random)])
            case 2 where !elements.isEmpty: elements.removeLast()
            case 3 where !elements.isEmpty && depth < 4:
                let index = Int.random(in: 0..<elements.count, using: &random)
                elements[index] = mutated(elements[index], depth: depth + 1, using: &random)
            case 4: return RandomState.value(depth: 2, using: &random)
            default: break
            }
            return .array(elements)
        case .object(var members):
            switch Int.random(in: 0..<7, using: &random) {
            case 0: members[RandomState.string(using: &random)] = RandomState.value(depth: 2, using: &random)
            case 1 where !members.isEmpty: members.remove(at: Int.random(in: 0..<members.count, using: &random))
            case 2:
                let key = RandomState.string(using: &random)
                if members[key] == nil { members.updateValue(RandomState.scalar(using: &random), forKey: key, insertingAt: Int.random(in: 0...members.count, using: &random)) }
            case 3...4 where !members.isEmpty && depth < 4:
                let index = Int.random(in: 0..<members.count, using: &random)
                members.values[index] = mutated(members.values[index], depth: depth + 1, using: &random)
            case 5 where members.count > 1: members.swapAt(0, members.count - 1)
            default: break
            }
            return .object(members)
        case .string(let text):
            if Bool.random(using: &random) {
                return .string(StateString(wtf8: text.withWTF8 { Array($0) } + Array("tail é 😀 \(depth)".utf8))!)
            }
            return RandomState.scalar(using: &random)
        default:
            return Bool.random(using: &random) ? RandomState.scalar(using: &random) : value
        }
    }

    @Test("the edits found between two values turn the first into the second exactly, through a snapshot", arguments: 0..<30)
    func changesBetween(seed: UInt64) throws {
        var random = SeededRandom(seed: 7_000 + seed)
        var before: StateValue = ["h": .array((0..<40).map { .float(Double($0)) }), "t": RandomState.value(depth: 4, using: &random), "s": "a text of some length, growing"]
        for _ in 0..<20 {
            var after = before
            for _ in 0..<Int.random(in: 1...3, using: &random) { after = Self.mutated(after, using: &random) }
            guard case .object = after else { continue }
            var delta = StateDelta()
            delta.appendChanges(from: before, to: after, at: ["vars"])
            var state: StateValue = ["vars": before]
            let bytes = try BinarySnapshot.encode(delta, sequence: 2, parent: 1, threads: 1)
            guard case .delta(let read, _) = try BinarySnapshot.decodeContents(bytes).contents else {
                Issue.record("not a delta")
                return
            }
            try read.apply(to: &state)
            #expect(state["vars"]!.isIdentical(to: after))
            #expect(JSONWriter.write(state["vars"]!) == JSONWriter.write(after))
            var none = StateDelta()
            none.appendChanges(from: after, to: after, at: ["vars"])
            #expect(none.edits.isEmpty)
            before = after
        }
    }

    @Test("what changed is written, not the value: an append, one range, the members changed")
    func smallestEdits() {
        func changes(_ old: StateValue, _ new: StateValue) -> [StateDelta.Edit] {
            var delta = StateDelta()
            delta.appendChanges(from: old, to: new, at: ["v"])
            return delta.edits
        }
        let long: StateValue = .array((0..<100).map { .int(Int64($0)) })
        #expect(changes(long, .array(long.arrayValue! + [7, 8])) == [.append(path: ["v"], tail: [7, 8])])
        var middle = long.arrayValue!
        middle[50] = "x"
        #expect(changes(long, .array(middle)) == [.splice(path: ["v"], range: 50..<51, elements: ["x"])])
        #expect(changes(long, .array(Array(long.arrayValue!.prefix(10)))) == [.splice(path: ["v"], range: 10..<100, elements: [])])
        #expect(changes(long, [1]) == [.set(path: ["v"], value: [1])])  // nothing kept
        #expect(changes(["a": 1, "b": 2, "c": 3], ["a": 1, "b": 5, "c": 3]) == [.set(path: ["v", "b"], value: 5)])
        #expect(changes(["a": 1, "c": 3], ["a": 1, "b": 2, "c": 3]) == [.insert(path: ["v", "b"], position: 1, value: 2)])
        #expect(changes(["a": 1, "c": 3], ["a": 1, "c": 3, "d": 4]) == [.set(path: ["v", "d"], value: 4)])
        #expect(changes(["a": 1, "c": 3], ["c": 3]) == [.remove(path: ["v", "a"])])
        #expect(changes(["a": 1, "c": 3], ["c": 3, "a": 1]) == [.set(path: ["v"], value: ["c": 3, "a": 1])])  // reordered
        #expect(changes(["a": 1, "b": 2, "c": 3], ["a": 7, "b": 8, "c": 3]) == [.set(path: ["v"], value: ["a": 7, "b": 8, "c": 3])])  // most scalars
        #expect(changes(["a": 1, "b": 2, "c": 3], [:]) == [.set(path: ["v"], value: [:])])  // emptied
        let series: StateValue = ["x": .array((0..<50).map { .int($0) }), "y": .array((0..<50).map { .int($0) }), "n": 1]
        #expect(changes(series, ["x": .array((0..<51).map { .int($0) }), "y": .array((0..<51).map { .int($0) }), "n": 2]) == [
            .append(path: ["v", "x"], tail: [50]), .append(path: ["v", "y"], tail: [50]), .set(path: ["v", "n"], value: 2),
        ])  // containers edited inside, however many change
        #expect(changes(["a": ["h": [1, 2, 3, 4]]], ["a": ["h": [1, 2, 3, 4, 5]]]) == [.append(path: ["v", "a", "h"], tail: [5])])
        #expect(changes("a log line of some length", "a log line of some length, and more") == [.append(path: ["v"], tail: ", and more")])
        #expect(changes("short", "shorter") == [.set(path: ["v"], value: "shorter")])
        #expect(changes(.float(.nan), .float(Double(bitPattern: Double.nan.bitPattern | 1))).count == 1)  // NaN payloads differ
        #expect(changes(.float(0.0), .float(-0.0)) == [.set(path: ["v"], value: .float(-0.0))])
    }

    @Test("folding keeps new verbs in order: an append or splice a later set replaces is dropped; an insert takes a later set's value")
    func foldNewVerbs() {
        var delta = StateDelta(edits: [
            .append(path: ["h"], tail: [1]), .splice(path: ["h"], range: 0..<1, elements: []), .set(path: ["h"], value: [9]),
            .insert(path: ["t", "b"], position: 0, value: 1), .set(path: ["t", "b"], value: 2),
            .append(path: ["g"], tail: [1]), .append(path: ["g"], tail: [2]),
        ])
        delta.fold()
        #expect(delta.edits == [
            .set(path: ["h"], value: [9]), .insert(path: ["t", "b"], position: 0, value: 2),
            .append(path: ["g"], tail: [1]), .append(path: ["g"], tail: [2]),
        ])
    }
}
