import Dispatch
import LightningState

/// The float stream of a snapshot, laid out: for `n` floats, byte `p` (little endian) of float `i`
/// at offset `p × n + i` (see `docs/FORMAT.md`).
///
/// It is written in one pass over the floats where they are, in the state's own arrays: each float
/// read once and its eight bytes stored in their planes, a range of arrays per core. The blocks are
/// then compressed from this memory in place.
// reason: the planes are written once, before `init` returns (by disjoint ranges, joined by
// `concurrentPerform`), and only read afterwards.
final class FloatPlanes: @unchecked Sendable {
    private let bytes: UnsafeMutableBufferPointer<UInt8>

    /// Lays out `arrays`, `count` floats in all, which are all `.float`.
    init(_ arrays: [StateArray], count: Int, parallel: Bool) {
        bytes = .allocate(capacity: count * 8)
        var starts: [Int] = []
        starts.reserveCapacity(arrays.count)
        var next = 0
        for array in arrays {
            starts.append(next)
            next += array.count
        }
        // Ranges of whole arrays of about `count / parts` floats each.
        let parts = parallel ? min(arrays.count, 4 * ProcessorCount.online) : 1
        var cuts = [0]
        for part in 1..<max(1, parts) {
            let target = count * part / parts
            var index = cuts.last!
            while index < arrays.count && starts[index] < target { index += 1 }
            if index > cuts.last! { cuts.append(index) }
        }
        if cuts.last! < arrays.count { cuts.append(arrays.count) }
        let output = UnsafeMutablePointerSendable(bytes.baseAddress!)
        let ranges = (0..<(cuts.count - 1)).map { cuts[$0]..<cuts[$0 + 1] }
        let work: @Sendable (Int) -> Void = { [arrays, starts] part in
            for index in ranges[part] {
                Self.scatter(arrays[index], from: starts[index], planeSize: count, into: output.pointer)
            }
        }
        if ranges.count > 1 {
            DispatchQueue.concurrentPerform(iterations: ranges.count, execute: work)
        } else if ranges.count == 1 {
            work(0)
        }
    }

    deinit { bytes.deallocate() }

    /// Calls `body` with the bytes of the stream at `range`.
    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(rebasing: bytes[range]))
    }

    private static func scatter(_ array: StateArray, from first: Int, planeSize: Int, into planes: UnsafeMutablePointer<UInt8>) {
        let base = planes + first
        @inline(__always)
        func store(_ value: Double, at index: Int) {
            var bits = value.bitPattern
            for plane in 0..<8 {
                base[plane &* planeSize &+ index] = UInt8(truncatingIfNeeded: bits)
                bits >>= 8
            }
        }
        switch array.storage {
        case .floats(let floats):
            floats.withUnsafeBufferPointer { floats in
                for index in 0..<floats.count { store(floats[index], at: index) }
            }
        case .values(let values):
            values.withUnsafeBufferPointer { values in
                for index in 0..<values.count {
                    guard case .float(let value) = values[index] else { preconditionFailure("a packed float array holds a non-float") }
                    store(value, at: index)
                }
            }
        case .ints, .narrowInts, .pooled, .columns:
            preconditionFailure("a packed float array holds ints, strings or records")
        }
    }
}

/// A pointer handed to the threads that write disjoint parts of what it points to.
// reason: each thread writes only the planes' bytes of its own range of arrays.
private struct UnsafeMutablePointerSendable: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt8>
    init(_ pointer: UnsafeMutablePointer<UInt8>) { self.pointer = pointer }
}
