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

    /// The container with the most children within `maxDepth` levels of the top, as positions in
    /// writing order; `nil` when the value is a scalar.
    static func widestContainer(in value: StateValue, options: JSONWriter.Options, maxDepth: Int = 3) -> (path: [Int], childCount: Int)? {
        let writer = JSONTextWriter(options: options)
        func search(_ node: StateValue, depth: Int) -> (path: [Int], childCount: Int)? {
            guard let children = writer.children(of: node) else { return nil }
            var best: (path: [Int], childCount: Int) = ([], children.count)
            guard depth < maxDepth else { return best }
            for (position, child) in children.enumerated() {
                if let found = search(child.value, depth: depth + 1), found.childCount > best.childCount {
                    best = ([position] + found.path, found.childCount)
                }
            }
            return best
        }
        return search(value, depth: 0)
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
            // The parts carry their separators; they become chunks of their own, not copied.
            flush()
            chunks += writeInParallel(children, level: level + 1, threads: threads)
        }
        appendNewline(level: level)
        output.append(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
    }

    /// Moves the bytes written so far into `chunks`.
    mutating func flush() {
        guard !output.isEmpty else { return }
        chunks.append(output)
        output = []
        output.reserveCapacity(4_096)
    }

    private mutating func appendKey(_ key: StateString?) {
        guard let key else { return }
        appendString(key)
        output.append(UInt8(ascii: ":"))
        output.append(UInt8(ascii: " "))
    }

    /// Writes the children in contiguous chunks, a few per thread for balance; each chunk's text
    /// is its children with their separators.
    private func writeInParallel(_ children: [(key: StateString?, value: StateValue)], level: Int, threads: Int) -> [[UInt8]] {
        let chunkCount = min(children.count, threads * 4)
        let options = self.options
        var parts = [[UInt8]](repeating: [], count: chunkCount)
        parts.withUnsafeMutableBufferPointer { buffer in
            let slots = ChunkSlots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                let range = (children.count * chunk / chunkCount)..<(children.count * (chunk + 1) / chunkCount)
                var writer = JSONTextWriter(options: options)
                for index in range {
                    if index > 0 { writer.appendItemSeparator() }
                    writer.appendNewline(level: level)
                    writer.appendKey(children[index].key)
                    writer.write(children[index].value, level: level)
                }
                slots.base[chunk] = writer.output
            }
        }
        return parts
    }
}

/// The output slots of the parallel chunks.
// reason: each chunk writes only its own slot, and the slots outlive `concurrentPerform`, which waits for every chunk.
private struct ChunkSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<[UInt8]>
}
