import LightningState

/// Encodes a state tree into the tree stream and the float stream (see `docs/FORMAT.md`), handing
/// the tree's blocks to a compressor as they fill and the floats at the end (the float stream's
/// byte planes span every float of the snapshot).
struct TreeEncoder: ~Copyable {
    private let compressor: BlockCompressor
    private var tree: ByteWriter
    /// Every packed float array, in stream order (references: the floats are not copied).
    private var floatArrays: [StateArray] = []
    private var floatCount = 0
    private var interned = InternCache()
    /// The current and the deepest nesting of arrays and objects (the root container is 1).
    private var depth = 0
    private(set) var deepest = 0

    init(compressor: BlockCompressor) {
        self.compressor = compressor
        tree = ByteWriter(sink: compressor.sink(for: .tree))
    }

    /// Hands the rest of the tree stream and the whole float stream to the compressor; returns the
    /// streams' sizes.
    mutating func finish() -> (tree: Int, floats: Int) {
        _ = tree.finish()
        compressor.submitFloatPlanes(floatArrays, count: floatCount)
        return (tree.count, floatCount * 8)
    }

    mutating func encode(_ value: StateValue) {
        switch value {
        case .null: tree.byte(SnapshotFormat.Tag.null.rawValue)
        case .bool(let flag): tree.byte(flag ? SnapshotFormat.Tag.true.rawValue : SnapshotFormat.Tag.false.rawValue)
        case .int(let integer):
            tree.byte(SnapshotFormat.Tag.int.rawValue)
            tree.zigzag(integer)
        case .bigInt(let big):
            tree.byte(SnapshotFormat.Tag.bigInt.rawValue)
            let text = Array(big.decimalText.utf8)
            tree.varint(UInt64(text.count))
            tree.append(text)
        case .float(let double):
            tree.byte(SnapshotFormat.Tag.float.rawValue)
            tree.littleEndian(double.bitPattern)
        case .string(let string):
            tree.byte(SnapshotFormat.Tag.string.rawValue)
            encodeString(string)
        case .array(let elements):
            enter()
            encodeArray(elements)
            depth -= 1
        case .object(let members):
            enter()
            tree.byte(SnapshotFormat.Tag.object.rawValue)
            tree.varint(UInt64(members.count))
            // Read in place, by index: iterating the (key, value) pairs copied every member (5 % of a records save).
            members.values.withUnsafeBufferPointer { values in
                for index in values.indices {
                    encodeString(members.keys[index])
                    encode(values[index])
                }
            }
            depth -= 1
        }
    }

    @inline(__always)
    private mutating func enter() {
        depth += 1
        if depth > deepest { deepest = depth }
    }

    /// An array: packed when it holds ``SnapshotFormat/packThreshold`` elements or more, all floats
    /// or all ints, whichever way the array keeps them (the bytes depend on the elements alone).
    private mutating func encodeArray(_ array: StateArray) {
        let packs = array.count >= SnapshotFormat.packThreshold
        switch array.storage {
        case .floats where packs:
            return encodePackedFloats(array)
        case .ints(let ints) where packs:
            return encodePackedInts(ints)
        case .narrowInts(let narrow) where packs:
            beginPackedInts(count: narrow.count)
            narrow.forEachInt { tree.zigzag($0) }
            return
        case .values(let elements) where packs:
            if elements.allSatisfy({ if case .float = $0 { true } else { false } }) {
                return encodePackedFloats(array)
            }
            if elements.allSatisfy({ if case .int = $0 { true } else { false } }) {
                return encodePackedInts(elements.lazy.map { if case .int(let integer) = $0 { integer } else { preconditionFailure("checked: all ints") } })
            }
        default:
            break
        }
        tree.byte(SnapshotFormat.Tag.array.rawValue)
        tree.varint(UInt64(array.count))
        switch array.storage {
        case .values(let elements): for element in elements { encode(element) }
        case .floats, .ints, .narrowInts: for element in array { encode(element) }
        case .pooled: for position in 0..<array.count { encodeElement(of: array, at: position) }
        case .columns(let columns): encodeElements(of: columns)
        }
    }

    /// The elements of a list kept by column, each written from its members as the element itself
    /// would be (the same bytes), without building it.
    private mutating func encodeElements(of list: Columns) {
        for position in 0..<list.count { encodeElement(of: list, at: position) }
    }

    /// Element `position` of `list`, from its members.
    private mutating func encodeElement(of list: Columns, at position: Int) {
        enter()
        defer { depth -= 1 }
        // Read in place: a copy of each column would be a retain and a release a member.
        list.columns.withUnsafeBufferPointer { columns in
            switch list.shape {
            case .keys(let keys, let presence):
                let present = presence?[position] ?? .max
                tree.byte(SnapshotFormat.Tag.object.rawValue)
                tree.varint(UInt64(list.width(at: position)))
                for member in keys.indices where present & 1 << member != 0 {
                    encodeString(keys[member])
                    encodeElement(of: columns[member], at: position)
                }
            case .arrays(let lengths):
                let length = lengths.map { Int($0[position]) } ?? columns.count
                let members = columns[..<length]
                // Packed as the array would be: four members or more, all floats or all ints.
                if length >= SnapshotFormat.packThreshold {
                    if members.allSatisfy({ $0.float(at: position) != nil }) {
                        return encodePackedFloats(StateArray(floats: members.map { $0.float(at: position)! }))
                    }
                    if members.allSatisfy({ $0.int(at: position) != nil }) {
                        return encodePackedInts(members.lazy.map { $0.int(at: position)! })
                    }
                }
                tree.byte(SnapshotFormat.Tag.array.rawValue)
                tree.varint(UInt64(length))
                for member in members { encodeElement(of: member, at: position) }
            }
        }
    }

    /// Element `position` of `column`: a record from its members, a string of a snapshot's table
    /// from its bytes there (not built).
    private mutating func encodeElement(of column: StateArray, at position: Int) {
        switch column.storage {
        case .columns(let inner):
            return encodeElement(of: inner, at: position)
        case .pooled(let pooled):
            let wasString: Void? = pooled.withTableString(at: position) { bytes in
                tree.byte(SnapshotFormat.Tag.string.rawValue)
                encodeString(wtf8: bytes)
            }
            if wasString == nil { encode(column[position]) }
        case .values, .floats, .ints, .narrowInts:
            encode(column[position])
        }
    }

    private mutating func encodePackedInts(_ ints: some Collection<Int64>) {
        beginPackedInts(count: ints.count)
        for integer in ints { tree.zigzag(integer) }
    }

    /// The tag and count of a packed array of `count` ints, which follow.
    private mutating func beginPackedInts(count: Int) {
        tree.byte(SnapshotFormat.Tag.packedInts.rawValue)
        tree.varint(UInt64(count))
    }

    /// Keeps the array for the float stream, which lays out every float's bytes as byte planes.
    private mutating func encodePackedFloats(_ elements: StateArray) {
        tree.byte(SnapshotFormat.Tag.packedFloats.rawValue)
        tree.varint(UInt64(elements.count))
        floatArrays.append(elements)
        floatCount += elements.count
    }

    /// A string: a reference to an earlier interned one (`index << 1`), or a literal
    /// (`length << 1 | 1`, then its WTF-8 bytes), which the reader interns when short.
    private mutating func encodeString(_ string: StateString) {
        string.withWTF8 { encodeString(wtf8: $0) }
    }

    /// A string given by its WTF-8 bytes, as ``encodeString(_:)`` writes it.
    private mutating func encodeString(wtf8 bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count <= SnapshotFormat.internLimit, let index = interned.indexOrInsert(bytes) {
            tree.varint(UInt64(index) << 1)
            return
        }
        tree.varint(UInt64(bytes.count) << 1 | 1)
        tree.append(bytes)
    }
}
