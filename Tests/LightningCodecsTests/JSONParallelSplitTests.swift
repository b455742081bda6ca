@testable import LightningCodecs
import LightningState
import Testing

/// Where the writer splits a tree over threads. The bytes never depend on it (the round-trip
/// tests check that); whether both cores get work does.
@Suite("JSON writer: splitting the work")
struct JSONParallelSplitTests {
    static func flow(vars: StateObject, flows: StateObject) -> StateValue {
        ["vars": .object(vars), "calls": [:], "flows": .object(flows), "works": [:], "structures": [:], "changes": [:]]
    }

    @Test("the split follows the bulk of the bytes, not the container with the most children")
    func followsTheBulk() {
        // The root's `_layout` lists as many entries as there are flows, but the flows hold the data.
        var flows = StateObject()
        var layout: [StateValue] = []
        for index in 0..<20 {
            flows[StateString("f\(index)")] = Self.flow(vars: ["series": .array((0..<500).map { .float(Double($0)) })], flows: [:])
            layout.append(["name": .string(StateString("root.f\(index)"))])
        }
        let root = Self.flow(vars: ["_layout": .array(layout), "_paths": [:]], flows: flows)
        let writer = JSONTextWriter(options: .init())
        #expect(writer.splitPoint(in: root, minimumChildren: 8)?.path == [2])  // "flows", third key
        #expect(writer.splitPoint(in: root, minimumChildren: 8)?.weights?.count == 20)
        #expect(writer.splitPoint(in: root, minimumChildren: 21) == nil)
        // About 10,000 floats and 200 other values: too light to be worth threads below that.
        #expect(writer.splitPoint(in: root, minimumChildren: 8, minimumWeight: 10_000)?.path == [2])
        #expect(writer.splitPoint(in: root, minimumChildren: 8, minimumWeight: 20_000) == nil)
    }

    @Test("one heavy child is stepped into until the weight spreads out")
    func stepsIntoHeavyChildren() {
        let wide: StateValue = .array((0..<10).map { _ in .array((0..<100).map { .int($0) }) })
        let value: StateValue = ["small": 1, "outer": ["inner": wide, "x": 2]]
        let writer = JSONTextWriter(options: .init())
        #expect(writer.splitPoint(in: value, minimumChildren: 8)?.path == [1, 0])
        // One long array of numbers: split among its elements, without weighing each.
        let series: StateValue = ["vars": ["x": .array((0..<100).map { .float(Double($0)) }), "y": 1]]
        let seriesSplit = writer.splitPoint(in: series, minimumChildren: 8)
        #expect(seriesSplit?.path == [0, 0])
        #expect(seriesSplit != nil && seriesSplit?.weights == nil)
        #expect(writer.splitPoint(in: series, minimumChildren: 8, minimumWeight: 200) == nil)
        #expect(writer.splitPoint(in: .float(1), minimumChildren: 1) == nil)
        #expect(writer.splitPoint(in: [], minimumChildren: 1) == nil)
    }

    @Test("parts are contiguous, cover every child once and balance the weight", arguments: [
        ([1, 1, 1, 1, 1, 1, 1, 1], 4, [0..<2, 2..<4, 4..<6, 6..<8]),
        ([100, 1, 1, 1], 4, [0..<1, 1..<2, 2..<3, 3..<4]),
        ([1, 1, 1, 100], 2, [0..<4]),
        ([5], 8, [0..<1]),
    ] as [([Int], Int, [Range<Int>])])
    func balancedRanges(weights: [Int], parts: Int, expected: [Range<Int>]) {
        #expect(JSONTextWriter.balancedRanges(weights: weights, parts: parts) == expected)
    }

    @Test("equal ranges cover every index once, never empty")
    func equalRanges() {
        #expect(JSONTextWriter.equalRanges(count: 10, parts: 4) == [0..<2, 2..<5, 5..<7, 7..<10])
        #expect(JSONTextWriter.equalRanges(count: 3, parts: 8) == [0..<1, 1..<2, 2..<3])
        #expect(JSONTextWriter.equalRanges(count: 0, parts: 8) == [])
    }
}
