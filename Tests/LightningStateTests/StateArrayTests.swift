import LightningState
import LightningTestSupport
import Testing

/// A ``StateArray`` keeps floats or ints as numbers; what it holds, and how it compares and hashes,
/// must not depend on that.
@Suite("State arrays")
struct StateArrayTests {
    /// The same elements, kept the other way: numbers as values, or values (all floats or all
    /// ints) as numbers.
    static func otherForm(_ array: StateArray) -> StateArray {
        switch array.storage {
        case .floats, .ints, .narrowInts, .pooled, .columns: return StateArray(Array(array))
        case .values(let values): return StateArray(compacting: values)
        }
    }

    @Test("numbers kept as numbers equal, and hash as, the same numbers kept as values")
    func equalityAcrossForms() {
        var random = SeededRandom(seed: 21)
        for _ in 0..<500 {
            let array = RandomState.numbers(using: &random)
            let other = Self.otherForm(array)
            #expect(array == other)
            #expect(array.hashValue == other.hashValue)
            #expect(StateValue.array(array) == .array(other))
            #expect(Array(array) == Array(other))
        }
        #expect(StateArray(floats: [.nan, -0.0]) == [.float(-.nan), .float(-0.0)])
        #expect(StateArray(floats: [0.0]) != [.float(-0.0)])
        #expect(StateArray(floats: [1.0]) != StateArray(ints: [1]))
        #expect(StateArray(ints: [1, 2]) != [1, 2, 3])
    }

    enum Operation: CaseIterable { case set, append, appendArray, replace, remove, insert }

    /// A value the operations put in: mostly numbers of the array's kinds, sometimes anything.
    static func element(using random: inout SeededRandom) -> StateValue {
        switch random.next() % 5 {
        case 0, 1: return .float(Double(bitPattern: random.next()))
        case 2, 3: return .int(Int64(bitPattern: random.next()))
        default: return RandomState.scalar(using: &random)
        }
    }

    @Test("every change gives the elements an array of values would hold, over seeded random edits")
    func changesMatchAnArrayOfValues() {
        var random = SeededRandom(seed: 8)
        for _ in 0..<300 {
            var array = RandomState.numbers(using: &random)
            var model = Array(array)
            for _ in 0..<8 {
                switch Operation.allCases.randomElement(using: &random)! {
                case .set where !model.isEmpty:
                    let index = Int.random(in: 0..<model.count, using: &random)
                    let value = Self.element(using: &random)
                    array[index] = value
                    model[index] = value
                case .append:
                    let value = Self.element(using: &random)
                    array.append(value)
                    model.append(value)
                case .appendArray:
                    let more = RandomState.numbers(using: &random)
                    array.append(contentsOf: more)
                    model.append(contentsOf: Array(more))
                case .replace where !model.isEmpty:
                    let start = Int.random(in: 0..<model.count, using: &random)
                    let end = Int.random(in: start...model.count, using: &random)
                    let values = (0..<Int.random(in: 0...3, using: &random)).map { _ in Self.element(using: &random) }
                    array.replaceSubrange(start..<end, with: values)
                    model.replaceSubrange(start..<end, with: values)
                case .remove where !model.isEmpty:
                    let index = Int.random(in: 0..<model.count, using: &random)
                    #expect(array.remove(at: index) == model.remove(at: index))
                case .insert:
                    let index = Int.random(in: 0...model.count, using: &random)
                    let value = Self.element(using: &random)
                    array.insert(value, at: index)
                    model.insert(value, at: index)
                default:
                    continue
                }
                // To the bit (NaN payloads included), and hashed alike.
                #expect(StateValue.array(array).isIdentical(to: .array(StateArray(model))))
                #expect(array.hashValue == StateArray(model).hashValue)
            }
        }
    }

    @Test("numbers of the array's kind keep it compact; anything else turns it into values")
    func formAfterChanges() {
        var floats = StateArray(floats: [1.5, 2.5])
        floats.append(.float(3.5))
        floats[0] = .float(0.5)
        floats.append(contentsOf: StateArray(floats: [4.5]))
        floats.replaceSubrange(1..<2, with: [.float(9.5)])
        guard case .floats(let kept) = floats.storage else { Issue.record("not floats: \(floats.storage)"); return }
        #expect(kept == [0.5, 9.5, 3.5, 4.5])

        var ints = StateArray(ints: [1, 2])
        ints.append(3)
        guard case .ints(let keptInts) = ints.storage else { Issue.record("not ints: \(ints.storage)"); return }
        #expect(keptInts == [1, 2, 3])

        var mixed = StateArray(floats: [1.5, 2.5])
        mixed.append(3)
        guard case .values(let values) = mixed.storage else { Issue.record("still floats: \(mixed.storage)"); return }
        #expect(values == [1.5, 2.5, 3])

        var empty = StateArray()
        empty.append(contentsOf: StateArray(floats: [1.5]))
        guard case .floats = empty.storage else { Issue.record("an empty array took floats as values: \(empty.storage)"); return }

        // Built by hand from empty: numbers of one kind appended one by one stay numbers, with
        // the room reserved.
        var built = StateArray()
        built.reserveCapacity(100)
        for step in 0..<100 { built.append(.float(Double(step))) }
        var counts = StateArray()
        counts.append(contentsOf: [1, 2, 3] as [StateValue])
        var labels = StateArray()
        labels.reserveCapacity(10)
        labels.append("a")
        guard case .floats(let builtFloats) = built.storage, builtFloats.capacity >= 100, case .ints([1, 2, 3]) = counts.storage,
            case .values(let builtLabels) = labels.storage, builtLabels.capacity >= 10
        else {
            Issue.record("built by hand: \(built.storage), \(counts.storage), \(labels.storage)")
            return
        }
    }

    @Test("floats and ints give the numbers back when every element is one, whichever way they are kept")
    func numbersOut() {
        let floats: [Double] = [0.5, -0.0, .nan]
        #expect(StateArray(floats: floats).floats?.map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(StateArray(floats.map(StateValue.float)).floats?.map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(StateArray(ints: [1, -2]).ints == [1, -2])
        #expect(StateArray([1, -2]).ints == [1, -2])
        #expect(StateArray([1, 2.5]).floats == nil)
        #expect(StateArray([1, 2.5]).ints == nil)
        #expect(StateArray(ints: [1]).floats == nil)
        #expect(StateArray(floats: [1]).ints == nil)
        #expect(StateArray().floats == [] && StateArray(ints: []).floats == [] && StateArray(floats: []).ints == [])
        let kept = (0..<100).map(Double.init)
        #expect(StateArray(floats: kept).floats?.withUnsafeBufferPointer { $0.baseAddress } == kept.withUnsafeBufferPointer { $0.baseAddress })
    }

    /// Where the array's elements are stored.
    static func buffer(_ array: StateArray) -> UnsafeRawPointer? {
        switch array.storage {
        case .values(let values): return values.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        case .floats(let floats): return floats.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        case .ints(let ints): return ints.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        case .narrowInts, .pooled, .columns: return nil
        }
    }

    @Test("an array held once is changed in place, not copied, by every change that keeps its form",
          arguments: [StateArray(floats: [1.5, 2.5]), StateArray(ints: [1, 2]), StateArray(["a", 2.5])])
    func changesInPlace(start: StateArray) {
        var array = start
        array.reserveCapacity(64)
        let buffer = Self.buffer(array)
        let element = array[0]
        let more: StateArray
        switch start.storage {
        case .floats: more = StateArray(floats: [3.5])
        case .ints: more = StateArray(ints: [3])
        case .values, .narrowInts, .pooled, .columns: more = ["b"]
        }
        array.append(element)
        array[1] = element
        array.append(contentsOf: more)
        array.append(contentsOf: [element] as [StateValue])
        array.replaceSubrange(0..<1, with: [element, element])
        array.removeLast()
        #expect(Self.buffer(array) == buffer, "copied: \(array.storage)")
        #expect(array.count == 5)
    }

    @Test("changing a nested array through its place in the outer one does not copy the nested array")
    func nestedChangeInPlace() {
        var inner = StateArray(floats: [1.5, 2.5])
        inner.reserveCapacity(16)
        let buffer = Self.buffer(inner)
        var outer = StateArray([.array(inner), "x"])
        inner = []
        func appendNine(to value: inout StateValue) {
            guard case .array(var elements) = value else { return }
            value = .null
            elements.append(9.5)
            value = .array(elements)
        }
        appendNine(to: &outer[0])
        guard case .array(let changed) = outer[0] else { Issue.record("not an array: \(outer)"); return }
        #expect(changed == [1.5, 2.5, 9.5])
        #expect(Self.buffer(changed) == buffer)
    }

    @Test("appending small batches, removing all, and printing behave as an array of values does")
    func batchesAndPrinting() {
        var array = StateArray(floats: [0.5])
        var model: [StateValue] = [0.5]
        for batch in 0..<200 {
            let more: [StateValue] = [.float(Double(batch)), .float(-Double(batch))]
            array.append(contentsOf: more)
            model.append(contentsOf: more)
        }
        #expect(array.elementsEqual(model))
        guard case .floats = array.storage else { Issue.record("floats appended as floats turned into values"); return }
        #expect(array.description == model.description)
        #expect("\(StateValue.array(StateArray(ints: [1, 2])))" == "\(StateValue.array([1, 2]))")
        #expect(Array(Mirror(reflecting: StateArray(floats: [1.5])).children.map { $0.value as? StateValue }) == [.float(1.5)])
        array.removeAll(keepingCapacity: true)
        #expect(array.isEmpty)
        array.removeAll()
        #expect(array == [])
    }

    @Test("a copy is changed on its own")
    func copyOnWrite() {
        let original = StateArray(floats: [1, 2, 3])
        var copy = original
        copy[1] = .float(20)
        copy.append(.string("x"))
        #expect(original == [1.0, 2.0, 3.0])
        #expect(copy == [1.0, 20.0, 3.0, "x"])
    }

    @Test("compacting keeps floats and ints as numbers, however few, and values that are not all one kind of number as they are")
    func compacting() {
        guard case .floats = StateArray(compacting: [1.5, 2.5, 3.5, 4.5]).storage,
            case .ints = StateArray(compacting: [1, 2, 3, 4]).storage,
            case .floats([1.5]) = StateArray(compacting: [1.5]).storage,
            case .ints([7, 8]) = StateArray(compacting: [7, 8]).storage,
            case .values = StateArray(compacting: [1.5, 2.5, 3.5, 4]).storage,
            case .values = StateArray(compacting: [1, 2, 3, 4.5]).storage,
            case .values = StateArray(compacting: [true, false]).storage,
            case .values = StateArray(compacting: []).storage
        else {
            Issue.record("compacted the wrong arrays")
            return
        }
    }
}
