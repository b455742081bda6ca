/// Unsigned ints of up to 24 bits packed three bytes each, the lowest byte first: the 3-byte
/// forms of ``NarrowInts`` and ``PlaceList``.
@usableFromInline
enum ThreeBytes {
    /// The int at `position` of `bytes`.
    @inlinable
    static func read<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at position: Int) -> UInt32 where Bytes.Index == Int {
        let offset = position * 3
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
    }

    /// Stores the low 24 bits of `value` as element `index` of the `count` that `raw` holds: four
    /// bytes at once (the fourth the next element's first, which it overwrites), the last alone.
    @inline(__always)
    static func store(_ value: UInt32, at index: Int, of count: Int, in raw: UnsafeMutableRawBufferPointer) {
        if index + 1 < count {
            raw.storeBytes(of: value.littleEndian, toByteOffset: index * 3, as: UInt32.self)
        } else {
            for byte in 0..<3 { raw[index * 3 + byte] = UInt8(truncatingIfNeeded: value >> UInt32(8 * byte)) }
        }
    }
}
