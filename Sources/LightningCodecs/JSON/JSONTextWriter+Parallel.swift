import Dispatch
import LightningState

extension JSONTextWriter {
    /// A container's children in writing order: an array's elements (shared, not copied) or an
    /// object's keys and values (keys sorted when asked).
    struct Children {
        /// The object's keys, or `nil` for an array.
        let keys: [StateString]?
        let values: StateArray
    }

    func children(of value: StateValue) -> Children? {
        switch value {
        case .array(let elements):
            return Children(keys: nil, values: elements)
        case .object(let members):
            guard options.sortKeys else { return Children(keys: Array(members.keys), values: StateArray(Array(members.values))) }
            let keys = members.keys.sorted()
            return Children(keys: keys, values: StateArray(keys.map { members[$0]! }))
        default:
            return nil
        }
    }

    /// A rough measure of the work of writing `value`: one per value, counting the elements of an
    /// array of scalars without visiting them, so that it costs about a walk over the containers.
    /// Only the balance of the parallel parts depends on it.
    static func weight(of value: StateValue) -> Int {
        switch value {
        case .array(let elements):
            if case .columns(let list) = elements.storage { return 1 + weight(of: list) }
            if holdsScalarsOnly(elements) { return 1 + elements.count }
            return elements.reduce(1) { $0 + weight(of: $1) }
        case .object(let members):
            return members.values.reduce(1) { $0 + weight(of: $1) }
        default:
            return 1
        }
    }

    /// The weight of a list kept by column, its elements and the members they hold, taken from the
    /// columns without building an element.
    private static func weight(of list: Columns) -> Int {
        list.columns.reduce(list.count) { total, column in
            switch column.storage {
            case .columns(let inner): total + weight(of: inner)
            case .values: total + column.reduce(0) { $0 + weight(of: $1) }
            case .floats, .ints, .narrowInts, .pooled: total + column.count
            }
        }
    }

    /// The weight of each child, or `nil` when they weigh about the same and are split by count:
    /// an array of scalars, or a list of records kept by column (not built to be weighed).
    static func weights(of children: Children) -> [Int]? {
        if children.keys == nil, case .columns = children.values.storage { return nil }
        if children.keys == nil && holdsScalarsOnly(children.values) { return nil }
        return children.values.map(weight(of:))
    }

    /// Whether an array is taken to hold scalars only: its first and last elements are scalars.
    private static func holdsScalarsOnly(_ elements: StateArray) -> Bool {
        switch elements.storage {
        case .floats, .ints, .narrowInts, .pooled: return true
        case .columns: return false
        case .values: break
        }
        guard let first = elements.first, let last = elements.last else { return true }
        return !isContainer(first) && !isContainer(last)
    }

    private static func isContainer(_ value: StateValue) -> Bool {
        switch value {
        case .array, .object: true
        default: false
        }
    }

    /// Where the work is split: the path to a container (positions in writing order) and its
    /// children's weights (`nil` when split by count, ``weights(of:)``).
    struct Split {
        let path: [Int]
        let weights: [Int]?
    }

    /// Where to split the work: starting at the top, step into the heaviest child for as long as it
    /// holds more than half of its parent's weight. `nil` when that container has fewer than
    /// `minimumChildren` children or the whole tree weighs less than `minimumWeight`.
    func splitPoint(in value: StateValue, minimumChildren: Int, minimumWeight: Int = 0) -> Split? {
        var path: [Int] = []
        var node = value
        while let children = children(of: node) {
            let weights = Self.weights(of: children)
            // Split by count (an array of scalars, or of records by column): its weight beside its children's.
            let total = weights?.reduce(0, +) ?? Self.weight(of: .array(children.values)) - 1
            if path.isEmpty && 1 + total < minimumWeight { return nil }
            guard let weights, let heaviest = weights.indices.max(by: { weights[$0] < weights[$1] }),
                weights[heaviest] * 2 > total
            else {
                return children.values.count >= minimumChildren ? Split(path: path, weights: weights) : nil
            }
            path.append(heaviest)
            node = children.values[heaviest]
        }
        return nil
    }

    /// Writes `value`, writing the children of the container at the split's path on `threads` threads.
    mutating func write(_ value: StateValue, level: Int, split: Split, threads: Int) {
        write(value, level: level, parallelAt: split.path[...], weights: split.weights, threads: threads)
    }

    private mutating func write(_ value: StateValue, level: Int, parallelAt path: ArraySlice<Int>, weights: [Int]?, threads: Int) {
        guard let children = children(of: value) else { return write(value, level: level) }
        let isObject = children.keys != nil
        noteNesting(level + 1)
        guard !children.values.isEmpty else { return appendASCII(isObject ? "{}" : "[]") }
        output.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
        if let step = path.first {
            for position in children.values.indices {
                if position > 0 { appendItemSeparator() }
                appendNewline(level: level + 1)
                appendKey(children.keys?[position])
                if position == step {
                    write(children.values[position], level: level + 1, parallelAt: path.dropFirst(), weights: weights, threads: threads)
                } else {
                    write(children.values[position], level: level + 1)
                }
            }
        } else {
            // The parts carry their separators; their chunks are taken as they are, not copied.
            flush()
            let (texts, nesting) = writeInParallel(children, weights: weights, level: level + 1, threads: threads)
            chunks += texts
            deepest = max(deepest, nesting)
        }
        appendNewline(level: level)
        output.append(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
    }

    /// Writes the children in contiguous parts of about equal weight, a few per thread for
    /// balance; each part's text is its children with their separators, as chunks.
    private func writeInParallel(_ children: Children, weights: [Int]?, level: Int, threads: Int) -> (chunks: [[UInt8]], deepest: Int) {
        let parts = threads * 4
        let ranges = weights.map { Self.balancedRanges(weights: $0, parts: parts) }
            ?? Self.equalRanges(count: children.values.count, parts: parts)
        let options = self.options
        var texts = [(chunks: [[UInt8]], deepest: Int)](repeating: ([], 0), count: ranges.count)
        texts.withUnsafeMutableBufferPointer { buffer in
            let slots = PartSlots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { part in
                var writer = JSONTextWriter(options: options)
                if let keys = children.keys {
                    for index in ranges[part] {
                        writer.writeMember(keys[index], children.values[index], first: index == 0, level: level - 1)
                    }
                } else {
                    writer.writeElements(children.values, in: ranges[part], level: level)
                }
                writer.flush()
                slots.base[part] = (writer.chunks, writer.deepest)
            }
        }
        return (texts.flatMap(\.chunks), texts.map(\.deepest).max() ?? 0)
    }

    /// Cuts `0..<weights.count` into at most `parts` contiguous, non-empty ranges of about equal
    /// total weight.
    static func balancedRanges(weights: [Int], parts: Int) -> [Range<Int>] {
        let total = max(1, weights.reduce(0, +))
        var ranges: [Range<Int>] = []
        var start = 0
        var accumulated = 0
        for (index, weight) in weights.enumerated() {
            accumulated += weight
            // Close a range when the running weight passes the next of the `parts` equal marks.
            if accumulated * parts >= total * (ranges.count + 1) || index == weights.count - 1 {
                ranges.append(start..<(index + 1))
                start = index + 1
            }
        }
        return ranges
    }

    /// Cuts `0..<count` into at most `parts` contiguous, non-empty ranges of about equal length.
    static func equalRanges(count: Int, parts: Int) -> [Range<Int>] {
        let partCount = min(count, parts)
        return (0..<partCount).map { (count * $0 / partCount)..<(count * ($0 + 1) / partCount) }
    }
}

/// The output slots of the parallel parts.
// reason: each part writes only its own slot, and the slots outlive `concurrentPerform`, which waits for every part.
private struct PartSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<(chunks: [[UInt8]], deepest: Int)>
}
