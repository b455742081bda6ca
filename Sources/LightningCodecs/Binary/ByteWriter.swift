/// An append-only byte buffer with the format's primitive encodings.
///
/// It writes through a raw buffer that it owns, so that each primitive costs a capacity check and
/// a store. Given a sink, it hands each full block of ``SnapshotFormat/blockSize`` bytes to it as
/// soon as the block is written, keeping only the bytes after it: a snapshot's stream is then
/// compressed while the rest of the state is still being encoded, and never held whole.
struct ByteWriter: ~Copyable {
    /// Receives each full block, in order.
    typealias Sink = ([UInt8]) -> Void

    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The bytes in the buffer, not yet handed to the sink.
    private var buffered = 0
    /// The bytes handed to the sink so far.
    private var handedOff = 0
    private let sink: Sink?

    init(sink: Sink? = nil, capacity: Int = 4_096) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
        self.sink = sink
    }

    deinit { base.deallocate() }

    /// Every byte written so far, including those handed to the sink.
    var count: Int { handedOff + buffered }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        if buffered == capacity { makeRoom(for: 1) }
        base[buffered] = value
        buffered &+= 1
    }

    /// LEB128: seven bits per byte, low first.
    @inline(__always)
    mutating func varint(_ value: UInt64) {
        if capacity &- buffered < 10 { makeRoom(for: 10) }
        var rest = value
        var position = buffered
        while rest >= 0x80 {
            base[position] = UInt8(truncatingIfNeeded: rest) | 0x80
            rest >>= 7
            position &+= 1
        }
        base[position] = UInt8(rest)
        buffered = position &+ 1
    }

    @inline(__always)
    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        if capacity &- buffered < size { makeRoom(for: size) }
        UnsafeMutableRawPointer(base + buffered).storeBytes(of: value.littleEndian, as: T.self)
        buffered &+= size
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        if capacity &- buffered < bytes.count { makeRoom(for: bytes.count) }
        (base + buffered).update(from: source, count: bytes.count)
        buffered &+= bytes.count
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Hands the bytes left (the last, partial block) to the sink; with no sink, returns them.
    mutating func finish() -> [UInt8] {
        if sink != nil { handOffFullBlocks() }
        let rest = Array(UnsafeBufferPointer(start: base, count: buffered))
        handedOff += buffered
        buffered = 0
        guard let sink else { return rest }
        if !rest.isEmpty { sink(rest) }
        return []
    }

    /// Hands full blocks to the sink, then grows the buffer if `count` more bytes still do not fit.
    private mutating func makeRoom(for count: Int) {
        if sink != nil && buffered >= SnapshotFormat.blockSize { handOffFullBlocks() }
        guard capacity - buffered < count else { return }
        // Doubling: with a sink, the buffer stops growing at about a block plus the longest write.
        let wanted = Swift.max(capacity * 2, buffered + count)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: wanted)
        grown.moveInitialize(from: base, count: buffered)
        base.deallocate()
        base = grown
        capacity = wanted
    }

    private mutating func handOffFullBlocks() {
        guard let sink else { return }
        let size = SnapshotFormat.blockSize
        var start = 0
        while buffered - start >= size {
            sink(Array(UnsafeBufferPointer(start: base + start, count: size)))
            start += size
        }
        handedOff += start
        buffered -= start
        UnsafeMutableRawPointer(base).copyMemory(from: base + start, byteCount: buffered)
    }
}
