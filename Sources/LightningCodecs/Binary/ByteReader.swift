/// A cursor over untrusted bytes: every read checks the bytes left and throws instead of trapping.
///
/// When the bytes are a stream still being inflated (``StreamInflation``), only a prefix of the
/// buffer is ready; a read past it asks for more first, so the checks and messages are the same as
/// over a buffer filled in advance.
struct ByteReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var offset: Int
    /// Added to offsets in messages, when the buffer is a part of a larger whole.
    let base: Int
    /// The bytes ready to read, from the start: all of them unless `stream` is filling the buffer.
    private var available: Int
    /// What fills the buffer while it is read, if anything.
    private let stream: StreamInflation?

    init(_ buffer: UnsafeBufferPointer<UInt8>, base: Int = 0) {
        self.buffer = buffer
        self.offset = 0
        self.base = base
        self.available = buffer.count
        self.stream = nil
    }

    /// A reader of the tree stream that `stream` inflates while it is read.
    init(treeOf stream: StreamInflation) {
        self.buffer = UnsafeBufferPointer(stream.tree)
        self.offset = 0
        self.base = 0
        self.available = 0
        self.stream = stream
    }

    var remaining: Int { buffer.count - offset }

    /// Whether the bytes up to `end` (exclusive, at most the buffer's end) are ready, asking the stream for them if not.
    @inline(never)
    private mutating func makeReady(through end: Int) throws(SnapshotError) -> Bool {
        guard let stream, available < buffer.count else { return false }
        // The bytes before `offset` are behind this reader for good: the stream may let them go.
        available = try stream.advanceTree(through: min(end, buffer.count), passed: offset)
        return end <= available
    }

    @inline(__always)
    mutating func byte() throws(SnapshotError) -> UInt8 {
        if offset >= available {
            guard try makeReady(through: offset + 1) else { throw .malformed("unexpected end of data", offset: base + offset) }
        }
        defer { offset += 1 }
        return buffer[offset]
    }

    /// The next byte, left to be read; `nil` at the end.
    @inline(__always)
    mutating func peek() throws(SnapshotError) -> UInt8? {
        if offset >= available {
            guard try makeReady(through: offset + 1) else { return nil }
        }
        return buffer[offset]
    }

    @inline(__always)
    mutating func varint() throws(SnapshotError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            if offset >= available {
                guard try makeReady(through: offset + 1) else { throw .malformed("unexpected end of data in a varint", offset: base + offset) }
            }
            let byte = buffer[offset]
            offset += 1
            guard shift < 64, shift < 63 || byte <= 1 else { throw .malformed("varint longer than 64 bits", offset: base + offset - 1) }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// A varint used as a count or length: at most what is left, times `unit` bytes per item.
    mutating func count(unit: Int = 1) throws(SnapshotError) -> Int {
        let start = offset
        let value = try varint()
        guard value <= UInt64(remaining / max(1, unit)) else {
            throw .malformed("length \(value) exceeds the \(remaining) bytes left", offset: base + start)
        }
        return Int(value)
    }

    @inline(__always)
    mutating func zigzag() throws(SnapshotError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func littleEndian<T: FixedWidthInteger>(_ type: T.Type) throws(SnapshotError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .malformed("unexpected end of data", offset: base + offset) }
        if offset + size > available { _ = try makeReady(through: offset + size) }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[offset..<offset + size]))
        }
        offset += size
        return T(littleEndian: value)
    }

    /// The next `count` bytes, which the caller checked are there. Valid until the next read: over
    /// a stream being inflated, a read may let go of the bytes behind it.
    mutating func bytes(_ count: Int) throws(SnapshotError) -> UnsafeBufferPointer<UInt8> {
        guard count <= remaining else { throw .malformed("length \(count) exceeds the \(remaining) bytes left", offset: base + offset) }
        if offset + count > available { _ = try makeReady(through: offset + count) }
        defer { offset += count }
        return UnsafeBufferPointer(rebasing: buffer[offset..<offset + count])
    }
}
