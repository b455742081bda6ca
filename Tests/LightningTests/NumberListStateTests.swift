import Lightning
import LightningCodecs
import LightningState
import Testing

/// `[Double]` and `[Int]` vars become state without converting each number, and come back from it.
@Suite("Lists of numbers as state")
struct NumberListStateTests {
    @Test("a [Double] is kept as floats and an [Int] as ints; both come back equal, from either form")
    func numberLists() throws {
        let floats: [Double] = [0.5, -0.0, .nan, .infinity, 1e-300]
        let ints = [1, -2, Int.max, Int.min]
        guard case .array(let floatState) = floats.stateValue, case .floats(let keptFloats) = floatState.storage,
            case .array(let intState) = try ints.checkpointState(), case .ints(let keptInts) = intState.storage
        else {
            Issue.record("not kept as numbers: \(floats.stateValue), \(ints.stateValue)")
            return
        }
        #expect(keptFloats.map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(keptInts == ints.map(Int64.init))
        #expect(try [Double](state: floats.stateValue).map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(try [Double](state: .array(floats.map(StateValue.float))).map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(try [Int](state: ints.stateValue) == ints)
        #expect(try [Int](state: .array(ints.map { .int(Int64($0)) })) == ints)
        let narrow = (0..<20).map { Int64($0 * 13 - 3) }
        #expect(try [Int](state: .array(StateArray(narrowing: narrow))) == narrow.map(Int.init))
        #expect(try [Double](state: .array(StateArray(ints: [1, 2]))) == [1.0, 2.0])
        #expect(throws: StateConversionError.self) { try [Int](state: .array(StateArray(floats: [1.5]))) }
        #expect(throws: StateConversionError.self) { try [Double](state: ["x"]) }
    }

    @Test("a [Double] and its state share one buffer, both ways")
    func sharedStorage() throws {
        let history = (0..<1_000).map { Double($0) / 3 }
        let base = history.withUnsafeBufferPointer { $0.baseAddress }
        guard case .array(let state) = history.stateValue, case .floats(let kept) = state.storage else {
            Issue.record("not kept as floats")
            return
        }
        #expect(kept.withUnsafeBufferPointer { $0.baseAddress } == base)
        let back = try [Double](state: .array(state))
        #expect(back.withUnsafeBufferPointer { $0.baseAddress } == base)
    }

    @Test("a [String] var comes back from a list a snapshot reader kept as places in its table")
    func stringsFromPlaces() throws {
        let lines = (0..<500).map { "step \($0 % 50) ok" }
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(["lines": lines.stateValue]))
        guard case .array(let kept)? = back["lines"], case .pooled = kept.storage else {
            Issue.record("not kept as places: \(back)")
            return
        }
        #expect(try [String](state: .array(kept)) == lines)
        #expect(throws: StateConversionError.self) { try [Int](state: .array(kept)) }
    }

    struct Record: Codable, Equatable, StateConvertible {
        var id: Int
        var name: String
        var tags: [Int]
        var active: Bool
        var score: Double?
    }

    @Test("a Codable list var comes back from records a snapshot reader kept by column, and rows as tuples of lists")
    func recordsFromColumns() throws {
        let records = (0..<300).map { Record(id: $0, name: "n\($0 % 7)", tags: Array(0..<($0 % 5)), active: $0 % 2 == 0, score: $0 % 3 == 0 ? nil : Double($0) / 4) }
        let rows = (0..<100).map { [Double($0), Double($0) / 2, -1] }
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(["records": try records.checkpointState(), "rows": try rows.checkpointState()]))
        guard case .array(let kept)? = back["records"], case .columns = kept.storage, case .array(let keptRows)? = back["rows"], case .columns = keptRows.storage else {
            Issue.record("not kept by column: \(back)")
            return
        }
        #expect(try [Record](state: .array(kept)) == records)
        #expect(try [[Double]](state: .array(keptRows)) == rows)
        #expect(throws: StateConversionError.self) { try [Int](state: .array(kept)) }
    }

    @Test("a [String] restored from a snapshot's list shares each long string the list repeats")
    func stringsShareTheirBytes() throws {
        let labels = (0..<2_000).map { "a label longer than fifteen bytes, \($0 % 10)" }
        let loaded = try BinarySnapshot.decode(BinarySnapshot.encode(labels.stateValue))
        guard case .array(let list) = loaded, case .pooled = list.storage else {
            Issue.record("not kept as places: \(loaded)")
            return
        }
        let restored = try [String](state: loaded)
        #expect(restored == labels)
        for index in 0..<10 {
            var first = restored[index]
            var repeated = restored[index + 1_990]
            #expect(first.withUTF8 { $0.baseAddress } == repeated.withUTF8 { $0.baseAddress })
        }
    }
}
