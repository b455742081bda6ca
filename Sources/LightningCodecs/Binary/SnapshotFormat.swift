/// The constants of the binary snapshot format, in one place. `docs/FORMAT.md` specifies the layout.
package enum SnapshotFormat {
    /// The first eight bytes of every snapshot file: `\x89LCK\r\n\x1A\n`. The high byte and the
    /// line endings catch transfers that mangle binary files, as PNG's signature does.
    package static let magic: [UInt8] = [0x89, 0x4C, 0x43, 0x4B, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The last four bytes of every snapshot file: `LCKE`.
    package static let endMagic: [UInt8] = [0x4C, 0x43, 0x4B, 0x45]
    /// The format version this code writes.
    package static let version: UInt16 = 3
    /// The versions this code reads. Version 1 laid out each float array's byte planes on their
    /// own; version 2 lays out all the floats of a snapshot as eight planes; version 3 adds the
    /// delta edits inside values: `insert`, `append` and `splice` (see `docs/FORMAT.md`).
    package static let readableVersions: ClosedRange<UInt16> = 1...3
    /// The size of the fixed header.
    package static let headerSize = 64
    /// The size of one block-table entry.
    package static let blockEntrySize = 12
    /// The size of the trailer: CRC-32 and end magic.
    package static let trailerSize = 8
    /// Uncompressed bytes per block.
    package static let blockSize = 1 << 20
    /// Strings up to this many bytes enter the interning table.
    package static let internLimit = 64
    /// Arrays of at least this many floats (or ints) are packed.
    package static let packThreshold = 4
    /// zlib cannot expand data by more than about 1,032 times; a block claiming more is corrupt.
    package static let maximumInflateRatio = 1_032

    /// What a snapshot holds.
    package enum Kind: UInt8 {
        /// A whole state.
        case full = 0
        /// Changes against a parent snapshot (reserved for incremental snapshots).
        case delta = 1
    }

    /// The two byte streams of a snapshot.
    package enum Stream: UInt8 {
        /// Tags, lengths, strings, integers: compressed with deflate.
        case tree = 0
        /// The bytes of packed float arrays, shuffled into byte planes: Huffman-coded, or stored
        /// when their bytes are noise.
        case floats = 1
    }

    /// How a block is stored.
    package enum Method: UInt8 {
        case stored = 0
        case zlib = 1
    }

    /// Node tags in the tree stream.
    package enum Tag: UInt8 {
        case null = 0x00
        case `false` = 0x01
        case `true` = 0x02
        /// Zigzag varint.
        case int = 0x03
        /// Varint length, then ASCII decimal digits with an optional `-`.
        case bigInt = 0x04
        /// Eight bytes, the IEEE 754 bit pattern, little endian.
        case float = 0x05
        /// An interned or literal string (see ``SnapshotFormat/internLimit``).
        case string = 0x06
        /// Varint count, then the elements.
        case array = 0x07
        /// Varint count, then key (interned or literal string) and value pairs.
        case object = 0x08
        /// Varint count; the floats' bytes are in the float stream, shuffled into byte planes.
        case packedFloats = 0x09
        /// Varint count, then zigzag varints.
        case packedInts = 0x0A
    }
}
