@testable import LightningState
import LightningTestSupport
import Testing

/// Ints a reader keeps narrow take the fewest bytes their span allows, read back as given, and
/// turn back into 8-byte ints when the array holding them is changed.
@Suite("Ints in the narrowest width")
struct NarrowIntsTests {
    @Test(
        "each list reads back the ints it was given, in the width its span needs, or stays 8 bytes",
        arguments: [
            ([0], 1),
            ([-5, 250], 1),
            ([-5, 251], 2),
            ([1_000_000, 1_065_535], 2),
            ([1_000_000, 1_065_536], 3),
            ([-8_388_608, 8_388_607], 3),
            ([-1, 1 << 24 - 2, 1 << 24 - 3], 3),
            ([-1, 1 << 24 - 1], 4),
            ([Int64.min, Int64.min + (1 << 24 - 1)], 3),
            ([Int64.max - (1 << 24 - 1), Int64.max], 3),
            ([Int64.min, Int64.min + Int64(UInt32.max)], 4),
            ([Int64.max - Int64(UInt32.max), Int64.max, 0 + Int64.max], 4),
            ([-1, Int64(UInt32.max)], 8),
            ([Int64.min, Int64.max], 8),
            ([], 8),
        ] as [([Int64], Int)]
    )
    func readsBack(ints given: [Int64], width: Int) {
        // As many as are narrowed: the ints given, then the first of them again.
        let ints = given.isEmpty ? [] : given + Array(repeating: given[0], count: NarrowInts.minimumCount - given.count)
        let array = StateArray(narrowing: ints)
        #expect(Array(array) == ints.map(StateValue.int))
        #expect(array.ints == ints)
        switch array.storage {
        case .narrowInts(let narrow):
            #expect(narrow.width == width)
            #expect(Array(narrow.subrange(1..<ints.count)) == Array(ints.dropFirst()))
        case .ints(let kept):
            #expect(width == 8 && kept == ints)
        default:
            Issue.record("kept as \(array.storage)")
        }
    }

    @Test("in every width, forEachInt and a subrange give the ints in order, the last of an odd width's bytes included", arguments: [1, 2, 3, 4])
    func everyWidthInOrder(width: Int) throws {
        let span = Int64(1) << (8 * width) - 1
        var random = SeededRandom(seed: UInt64(width))
        let ints = [-span / 2, span - span / 2] + (0..<101).map { _ in Int64.random(in: (-span / 2)...(span - span / 2), using: &random) }
        guard case .narrowInts(let narrow) = StateArray(narrowing: ints).storage else {
            Issue.record("not narrowed")
            return
        }
        #expect(narrow.width == width && Array(narrow) == ints)
        var visited: [Int64] = []
        narrow.forEachInt { visited.append($0) }
        #expect(visited == ints)
        let tail = narrow.subrange(97..<103)
        #expect(Array(tail) == Array(ints[97..<103]))
        var tailVisited: [Int64] = []
        tail.forEachInt { tailVisited.append($0) }
        #expect(tailVisited == Array(ints[97..<103]))
        // The same ints in the next width (one more int widens the span) compare element by element.
        guard width < 4 else { return }
        let wider = try #require({ if case .narrowInts(let wider) = StateArray(narrowing: ints + [ints[0] - span]).storage { wider } else { nil } }())
        #expect(wider.width == width + 1)
        #expect(Array(wider.subrange(0..<ints.count)) == ints && wider.subrange(0..<ints.count) == narrow)
    }

    @Test("fewer ints than are worth narrowing stay 8 bytes each")
    func fewStayWide() {
        let few = (0..<Int64(NarrowInts.minimumCount - 1)).map { $0 }
        guard case .ints(few) = StateArray(narrowing: few).storage, case .narrowInts = StateArray(narrowing: few + [0]).storage else {
            Issue.record("\(StateArray(narrowing: few).storage), \(StateArray(narrowing: few + [0]).storage)")
            return
        }
    }

    /// 20 ints from `first`, 7 apart.
    static func ints(from first: Int64 = 40_000) -> [Int64] { (0..<20).map { first + $0 * 7 } }

    @Test("a narrow list equals and hashes as the same ints kept wide or as values; a change keeps it ints, in 8 bytes")
    func changesWiden() {
        let ints = Self.ints()
        var array = StateArray(narrowing: ints)
        guard case .narrowInts = array.storage else {
            Issue.record("kept as \(array.storage)")
            return
        }
        #expect(array == StateArray(ints: ints) && array == StateArray(ints.map(StateValue.int)))
        #expect(array.hashValue == StateArray(ints: ints).hashValue)
        #expect(array != StateArray(narrowing: Self.ints(from: 40_001)))
        // The same lowest, another width: compared int by int.
        let wider = StateArray(narrowing: ints + [40_000 + 70_000])
        #expect(wider.subarray(0..<ints.count) == array && wider.subarray(0..<ints.count + 1) != array)
        array[1] = .int(Int64.min)
        array.append(.int(Int64.max))
        guard case .ints(let kept) = array.storage else {
            Issue.record("kept as \(array.storage)")
            return
        }
        #expect(kept == [ints[0], Int64.min] + ints.dropFirst(2) + [Int64.max])
        var values = StateArray(narrowing: ints)
        values.append("x")
        #expect(Array(values) == ints.map(StateValue.int) + ["x"])
        var joined = StateArray(ints: [1])
        joined.append(contentsOf: StateArray(narrowing: ints))
        guard case .ints(let all) = joined.storage, all == [1] + ints else {
            Issue.record("joined as \(joined.storage)")
            return
        }
    }

    @Test("a delta and the identity check compare narrow ints with ints kept wide, element by element")
    func deltasAcrossWidths() {
        let ints = Self.ints()
        let narrow = StateArray(narrowing: ints)
        var changed = ints
        changed[2] = 9
        var delta = StateDelta()
        delta.appendChanges(from: narrow, to: StateArray(ints: changed), at: ["x"])
        delta.appendChanges(from: StateArray(ints: ints), to: narrow, at: ["y"])
        delta.appendChanges(from: narrow, to: StateArray(narrowing: ints + [5]), at: ["z"])
        delta.appendChanges(from: narrow, to: narrow, at: ["w"])
        delta.appendChanges(from: narrow, to: StateArray(narrowing: changed), at: ["v"])
        #expect(delta.edits == [
            .splice(path: ["x"], range: 2..<3, elements: [9]), .append(path: ["z"], tail: [5]), .splice(path: ["v"], range: 2..<3, elements: [9]),
        ])
        #expect(StateValue.array(narrow).isIdentical(to: .array(StateArray(ints: ints))))
        #expect(!StateValue.array(narrow).isIdentical(to: .array(StateArray(narrowing: changed))))
    }
}
