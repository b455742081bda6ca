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
            ([1_000_000, 1_065_536], 4),
            ([Int64.min, Int64.min + Int64(UInt32.max)], 4),
            ([Int64.max - Int64(UInt32.max), Int64.max, 0 + Int64.max], 4),
            ([-1, Int64(UInt32.max)], 8),
            ([Int64.min, Int64.max], 8),
            ([], 8),
        ] as [([Int64], Int)]
    )
    func readsBack(ints: [Int64], width: Int) {
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

    @Test("a narrow list equals and hashes as the same ints kept wide or as values; a change keeps it ints, in 8 bytes")
    func changesWiden() {
        let ints: [Int64] = [40_000, -3, 7, 12]
        var array = StateArray(narrowing: ints)
        #expect(array == StateArray(ints: ints) && array == StateArray(ints.map(StateValue.int)))
        #expect(array.hashValue == StateArray(ints: ints).hashValue)
        #expect(array != StateArray(narrowing: [40_000, -3, 7, 13]))
        array[1] = .int(Int64.min)
        array.append(.int(Int64.max))
        guard case .ints(let kept) = array.storage else {
            Issue.record("kept as \(array.storage)")
            return
        }
        #expect(kept == [40_000, Int64.min, 7, 12, Int64.max])
        var values = StateArray(narrowing: ints)
        values.append("x")
        #expect(Array(values) == ints.map(StateValue.int) + ["x"])
        var joined = StateArray(ints: [1])
        joined.append(contentsOf: StateArray(narrowing: [2, 3]))
        guard case .ints([1, 2, 3]) = joined.storage else {
            Issue.record("joined as \(joined.storage)")
            return
        }
    }

    @Test("a delta and the identity check compare narrow ints with ints kept wide, element by element")
    func deltasAcrossWidths() {
        let narrow = StateArray(narrowing: [1, 2, 3, 4])
        var delta = StateDelta()
        delta.appendChanges(from: narrow, to: StateArray(ints: [1, 2, 9, 4]), at: ["x"])
        delta.appendChanges(from: StateArray(ints: [1, 2, 3, 4]), to: narrow, at: ["y"])
        delta.appendChanges(from: narrow, to: StateArray(narrowing: [1, 2, 3, 4, 5]), at: ["z"])
        delta.appendChanges(from: narrow, to: narrow, at: ["w"])
        #expect(delta.edits == [.splice(path: ["x"], range: 2..<3, elements: [9]), .append(path: ["z"], tail: [5])])
        #expect(StateValue.array(narrow).isIdentical(to: .array(StateArray(ints: [1, 2, 3, 4]))))
        #expect(!StateValue.array(narrow).isIdentical(to: .array(StateArray(narrowing: [1, 2, 3, 5]))))
    }
}
