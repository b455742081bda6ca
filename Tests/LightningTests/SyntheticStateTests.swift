import LightningBench
import LightningCodecs
import LightningState
import Testing

@Suite("Synthetic states for benchmarks")
struct SyntheticStateTests {
    /// Counts the scalar values of a tree by kind.
    static func scalars(_ value: StateValue, into counts: inout [String: Int]) {
        switch value {
        case .array(let elements): for element in elements { scalars(element, into: &counts) }
        case .object(let members): for (_, member) in members { scalars(member, into: &counts) }
        case .string: counts["string", default: 0] += 1
        case .int, .bigInt: counts["int", default: 0] += 1
        case .float: counts["float", default: 0] += 1
        case .bool: counts["bool", default: 0] += 1
        case .null: counts["null", default: 0] += 1
        }
    }

    @Test("every mix is deterministic, has Lightning's layout, and comes close to its target size", arguments: SyntheticState.Mix.allCases)
    func shapes(mix: SyntheticState.Mix) throws {
        let synthetic = SyntheticState(components: 300, targetBytes: 3_000_000, mix: mix)
        let state = synthetic.make()
        #expect(state == synthetic.make())
        try CheckpointLayout.validate(state)
        #expect(CheckpointLayout.components(of: state).count == 300)
        let bytes = JSONWriter.write(state).count
        #expect(abs(bytes - 3_000_000) < 300_000, "\(bytes) bytes")
    }

    @Test("many components and a small target: the series fill what the components' fixed parts leave, close to the target", arguments: SyntheticState.Mix.allCases)
    func crowded(mix: SyntheticState.Mix) throws {
        // 2,000 components take about 1.4 MB without their series.
        let synthetic = SyntheticState(components: 2_000, targetBytes: 2_000_000, mix: mix)
        #expect(synthetic.seriesLength > 0)
        let bytes = JSONWriter.write(synthetic.make()).count
        // Off by at most 6 % (an item's size is an average; the works share the items to one); a
        // guess of the fixed parts 30 % high, as there was, misses by 20 % and more.
        #expect(abs(bytes - 2_000_000) < 120_000, "\(bytes) bytes")
    }

    @Test("a target the fixed parts fill gives no series, a state of just those parts, and the most components and least target that leave the mix half")
    func noRoom() throws {
        let synthetic = SyntheticState(components: 200, targetBytes: 50_000, mix: .floatHeavy)
        #expect(synthetic.seriesLength == 0 && synthetic.mixIsMinor)
        #expect(JSONWriter.write(synthetic.make()).count == synthetic.fixedBytes)
        // The most components: one more would not leave the mix half.
        for (components, target) in [(200, 50_000), (2_000, 2_770_000), (1_000, 1_383_000)] {
            let crowded = SyntheticState(components: components, targetBytes: target, mix: .floatHeavy)
            #expect(crowded.mixIsMinor)
            let most = try #require(crowded.mostComponentsForMix)
            #expect(most < components)
            #expect(!SyntheticState(components: most, targetBytes: target, mix: .floatHeavy).mixIsMinor)
            #expect(SyntheticState(components: most + 1, targetBytes: target, mix: .floatHeavy).mixIsMinor)
        }
        // The least target: a byte less would not.
        let least = synthetic.leastTargetBytesForMix
        #expect(!SyntheticState(components: 200, targetBytes: least, mix: .floatHeavy).mixIsMinor)
        #expect(SyntheticState(components: 200, targetBytes: least - 1, mix: .floatHeavy).mixIsMinor)
        // Not even three components leave the mix half of 2 KB.
        #expect(SyntheticState(components: 3, targetBytes: 2_000, mix: .floatHeavy).mostComponentsForMix == nil)
    }

    @Test("the works share the series' items to within one, the first ones holding the one more")
    func sharedItems() throws {
        let synthetic = SyntheticState(components: 300, targetBytes: 1_000_000, mix: .floatHeavy)
        var lengths: [Int] = []
        for (_, flow) in try #require(synthetic.make()["flows"]?.objectValue) {
            for (_, work) in try #require(flow["works"]?.objectValue) {
                lengths.append(try #require(work["vars"]?["series"]?.arrayValue).count)
            }
        }
        #expect(lengths.count == 296)  // 300 less the root and 3 flows
        let shortest = synthetic.seriesLength
        let longer = lengths.prefix { $0 == shortest + 1 }.count
        #expect(longer > 0 && longer < lengths.count)
        #expect(lengths.dropFirst(longer).allSatisfy { $0 == shortest })
        // All the items the target leaves, at the mix's 20 bytes an item.
        #expect(lengths.reduce(0, +) == (1_000_000 - synthetic.fixedBytes) / 20)
    }

    @Test("the mixed state: strings about a fifth of the values, ints up to 2^62, nested lists, booleans, floats and dicts")
    func mixedComposition() {
        let state = SyntheticState(components: 120, targetBytes: 2_000_000, mix: .mixed).make()
        var counts: [String: Int] = [:]
        Self.scalars(state, into: &counts)
        let total = counts.values.reduce(0, +)
        let strings = Double(counts["string", default: 0]) / Double(total)
        #expect(strings > 0.17 && strings < 0.24, "\(counts)")
        #expect(counts["bool", default: 0] > 0 && counts["float", default: 0] > 0)
        guard case .array(let rows)? = state["flows"]?["group_0"]?["works"]?["worker_0"]?["vars"]?["series"] else {
            Issue.record("no series")
            return
        }
        guard case .array(let first) = rows[0], case .array(let second) = rows[1] else {
            Issue.record("rows are not arrays")
            return
        }
        #expect(first.count == 9)  // every 16th row carries a dict
        #expect(second.count == 8)
        if case .int(let big) = second[1] { #expect(big >= 0 && big < 1 << 62) } else { Issue.record("no 62-bit int") }
        if case .string(let label) = second[0] { #expect((10...20).contains(label.displayString.count)) } else { Issue.record("no label") }
        if case .array(let nested) = second[3] { #expect(nested.count == 3) } else { Issue.record("no nested list") }
    }
}
