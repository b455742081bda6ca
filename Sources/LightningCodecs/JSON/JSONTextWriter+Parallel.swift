import Dispatch
import LightningState

extension JSONTextWriter {
    /// A container's children in writing order: object members (sorted when asked) or array elements.
    func children(of value: StateValue) -> [(key: StateString?, value: StateValue)]? {
        switch value {
        case .array(let elements):
            return elements.map { (nil, $0) }
        case .object(let members):
            let keys = options.sortKeys ? members.keys.sorted() : Array(members.keys)
            return keys.map { ($0, members[$0]!) }
        default:
            return nil
        }
    }

    /// A rough measure of the work of writing `value`: one per value, counting the elements of an
    /// array that starts and ends with scalars without visiting them, so that it costs about a
    /// walk over the containers. Only the balance of the parallel parts depends on it.
    static func weight(of value: StateValue) -> Int {
        switch value {
        case .array(let elements):
            guard let first = elements.first, isContainer(first) || isContainer(elements.last!) else { return 1 + elements.count }
            return elements.reduce(1) { $0 + weight(of: $1) }
        case .object(let members):
            return members.values.reduce(1) { $0 + weight(of: $1) }
        default:
            return 1
        }
    }

    private static func isContainer(_ value: StateValue) -> Bool {
        switch value {
        case .array, .object: true
        default: false
        }
    }

    /// Where to split the work: starting at the top, step into the heaviest child for as long as it
    /// holds more than half of its parent's weight. Returns the path to that container (positions
    /// in writing order), or `nil` when it has fewer than `minimumChildren` children or the whole
    /// tree weighs less than `minimumWeight`.
    func splitPoint(in value: StateValue, minimumChildren: Int, minimumWeight: Int = 0) -> [Int]? {
        var path: [Int] = []
        var node = value
        while let children = children(of: node) {
            let weights = children.map { Self.weight(of: $0.value) }
            let total = weights.reduce(0, +)
            if path.isEmpty && 1 + total < minimumWeight { return nil }
            guard let heaviest = weights.indices.max(by: { weights[$0] < weights[$1] }) else { return nil }
            if weights[heaviest] * 2 <= total {
                return children.count >= minimumChildren ? path : nil
            }
            path.append(heaviest)
            node = children[heaviest].value
        }
        return nil
    }

    /// Writes `value`, writing the children of the container at `path` on `threads` threads.
    mutating func write(_ value: StateValue, level: Int, parallelAt path: ArraySlice<Int>, threads: Int) {
        guard let children = children(of: value) else { return write(value, level: level) }
        let isObject = value.objectValue != nil
        guard !children.isEmpty else { return appendASCII(isObject ? "{}" : "[]") }
        output.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
        if let step = path.first {
            for (position, child) in children.enumerated() {
                if position > 0 { appendItemSeparator() }
                appendNewline(level: level + 1)
                appendKey(child.key)
                if position == step {
                    write(child.value, level: level + 1, parallelAt: path.dropFirst(), threads: threads)
                } else {
                    write(child.value, level: level + 1)
                }
            }
        } else {
            // The parts carry their separators; their chunks are taken as they are, not copied.
            flush()
            chunks += writeInParallel(children, level: level + 1, threads: threads)
        }
        appendNewline(level: level)
        output.append(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
    }

    /// Writes the children in contiguous parts of about equal weight, a few per thread for
    /// balance; each part's text is its children with their separators, as chunks.
    private func writeInParallel(_ children: [(key: StateString?, value: StateValue)], level: Int, threads: Int) -> [[UInt8]] {
        let ranges = Self.balancedRanges(weights: children.map { Self.weight(of: $0.value) }, parts: threads * 4)
        let options = self.options
        var parts = [[[UInt8]]](repeating: [], count: ranges.count)
        parts.withUnsafeMutableBufferPointer { buffer in
            let slots = PartSlots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { part in
                var writer = JSONTextWriter(options: options)
                for index in ranges[part] {
                    if index > 0 { writer.appendItemSeparator() }
                    writer.appendNewline(level: level)
                    writer.appendKey(children[index].key)
                    writer.write(children[index].value, level: level)
                    writer.flushIfFull()
                }
                writer.flush()
                slots.base[part] = writer.chunks
            }
        }
        return parts.flatMap { $0 }
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
}

/// The output slots of the parallel parts.
// reason: each part writes only its own slot, and the slots outlive `concurrentPerform`, which waits for every part.
private struct PartSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<[[UInt8]]>
}
