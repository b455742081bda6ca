import LightningState

/// Decodes the tree and float streams into a state tree, checking every length and limit, while
/// ``StreamInflation`` inflates them: the tree a prefix at a time, the floats whole at the first
/// packed floats.
struct TreeDecoder: ~Copyable {
    /// How the float stream lays out its byte planes.
    enum FloatLayout {
        /// Version 1: each array's planes on their own, one array after another.
        case perArray
        /// Version 2: eight planes spanning every float of the snapshot.
        case wholeStream

        init(version: UInt16) {
            self = version == 1 ? .perArray : .wholeStream
        }
    }

    var tree: ByteReader
    let floats: UnsafeBufferPointer<UInt8>
    private let streams: StreamInflation
    let layout: FloatLayout
    /// The floats of the stream read so far.
    private var floatsRead = 0
    /// The floats the stream holds.
    private let floatCount: Int
    let options: BinarySnapshot.Options
    /// The reader's table of short strings (see `docs/FORMAT.md`), and the strings built from it lately.
    var interned: InternedStrings
    /// The keys of the small objects being read, innermost last, their hashes and their places in
    /// the table of interned strings (-1 for a key not interned).
    var stackedKeys: [StateString] = []
    var stackedKeyHashes: [UInt64] = []
    var stackedKeyPlaces: [Int] = []
    /// The elements of the lists too short to be packed being read, innermost last.
    private var shortElements: [StateValue] = []
    /// The key arrays the small objects read so far share.
    var shapes = KeyShapes()
    /// What the lists being read may make room for in advance (``ColumnBuilder``).
    private let reservations: ReservationBudget
    private var nodes = 0
    private var depth = 0
    /// The deepest nesting met so far (the outermost container is 1).
    private(set) var deepest = 0

    /// - Precondition: the float stream's size is a multiple of 8 (``BinarySnapshot`` checks it).
    init(_ streams: StreamInflation, layout: FloatLayout, options: BinarySnapshot.Options) {
        self.tree = ByteReader(treeOf: streams)
        self.interned = InternedStrings(treeBytes: tree.buffer.count)
        self.reservations = ReservationBudget(elements: 2 * tree.buffer.count)
        self.floats = UnsafeBufferPointer(streams.floats)
        self.streams = streams
        self.layout = layout
        self.floatCount = streams.floats.count / 8
        self.options = options
    }

    mutating func decodeDocument() throws(SnapshotError) -> StateValue {
        let value = try decode()
        guard tree.remaining == 0 else { throw .malformed("\(tree.remaining) bytes after the tree", offset: tree.offset) }
        guard floatsRead == floatCount else {
            throw .malformed("\((floatCount - floatsRead) * 8) float bytes not used by the tree", offset: tree.offset)
        }
        return value
    }

    /// The next value. The scalars most values are, decoded in the caller's loop; containers and
    /// the rarer kinds in ``decodeRest(_:at:)``.
    @inline(__always)
    mutating func decode() throws(SnapshotError) -> StateValue {
        try countNode()
        return try decodeCounted()
    }

    /// The next value, its node counted.
    @inline(__always)
    mutating func decodeCounted() throws(SnapshotError) -> StateValue {
        let tagOffset = tree.offset
        let rawTag = try tree.byte()
        guard let tag = SnapshotFormat.Tag(rawValue: rawTag) else {
            throw .malformed("unknown tag 0x\(String(rawTag, radix: 16))", offset: tagOffset)
        }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int: return .int(try tree.zigzag())
        case .float: return .float(Double(bitPattern: try tree.littleEndian(UInt64.self)))
        case .string: return .string(try decodeString(asKey: false).string)
        default: return try decodeRest(tag, at: tagOffset)
        }
    }

    /// Counts a node about to be read, checking the limit.
    @inline(__always)
    mutating func countNode() throws(SnapshotError) {
        nodes += 1
        guard nodes <= options.maxNodeCount else { throw .limit("more than \(options.maxNodeCount) nodes") }
    }

    @inline(never)
    private mutating func decodeRest(_ tag: SnapshotFormat.Tag, at tagOffset: Int) throws(SnapshotError) -> StateValue {
        switch tag {
        case .null, .false, .true, .int, .float, .string: preconditionFailure("decoded by decode()")
        case .bigInt:
            let text = try tree.bytes(try tree.count())
            let digits = text.count - (text.first == UInt8(ascii: "-") ? 1 : 0)
            guard digits <= StateBigInt.maximumDigits else {
                throw .limit("an integer of \(digits) digits at byte \(tagOffset), more than the \(StateBigInt.maximumDigits) Python reads and writes (int_max_str_digits)")
            }
            guard let big = StateBigInt(decimalText: String(decoding: text, as: UTF8.self)),
                big.decimalText.utf8.elementsEqual(text)
            else { throw .malformed("not a canonical integer outside 64 bits", offset: tagOffset) }
            return .bigInt(big)
        case .array:
            let count = try tree.count()
            try enter(at: tagOffset)
            defer { leave() }
            return .array(try decodeArray(count))
        case .object:
            let count = try tree.count(unit: 2)
            try enter(at: tagOffset)
            defer { leave() }
            return .object(count <= Self.smallObject ? try decodeSmallObject(count) : try decodeLargeObject(count))
        case .packedFloats, .packedInts:
            return .array(try decodePacked(tag, at: tagOffset))
        }
    }

    /// A packed array of floats or ints (`tag`) whose tag, read at `tagOffset`, was read; ints
    /// narrowed (``NarrowInts``) when `narrowing` and the reader keeps compact lists.
    mutating func decodePacked(_ tag: SnapshotFormat.Tag, at tagOffset: Int, narrowing: Bool = true) throws(SnapshotError) -> StateArray {
        let countOffset = tree.offset
        if tag == .packedFloats {
            let count = try tree.varint()
            try checkPacked(count, at: countOffset, of: "float")
            guard count <= UInt64(floatCount - floatsRead) else {
                throw .malformed("\(count) packed floats but \((floatCount - floatsRead) * 8) float bytes left", offset: countOffset)
            }
            try enter(at: tagOffset)
            defer { leave() }
            try streams.floatsAvailable()
            return StateArray(floats: try unshuffle(count: Int(count)))
        }
        let count = try tree.count()
        try checkPacked(UInt64(count), at: countOffset, of: "int")
        try enter(at: tagOffset)
        defer { leave() }
        var ints: [Int64] = []
        ints.reserveCapacity(min(count, Self.reservedElements))
        for _ in 0..<count { ints.append(try tree.zigzag()) }
        guard narrowing && options.keepsCompactLists else { return StateArray(ints: ints) }
        return StateArray(narrowing: ints) { FilePages.giveBack(pagesWithin: $0) }
    }

    /// The `count` elements of an array whose tag and count were read. Numbers of one kind outside
    /// a packed array (a list too short to be packed, as `[1, 2, 3]`, or one a writer did not pack)
    /// are kept as numbers too.
    mutating func decodeArray(_ count: Int) throws(SnapshotError) -> StateArray {
        guard count >= SnapshotFormat.packThreshold else {
            // Gathered on the decoder's stack, a short list is built once, as numbers or as values.
            let first = shortElements.count
            defer { shortElements.removeSubrange(first...) }
            for _ in 0..<count { shortElements.append(try decode()) }
            return shortElements.withUnsafeBufferPointer { StateArray(compacting: $0[first...]) }
        }
        // A longer one is gathered in the most compact form its elements allow (``ColumnBuilder``).
        var column = ColumnBuilder(
            table: interned.strings, room: min(count, Self.reservedElements),
            allowsPlaces: options.keepsCompactLists && count < PooledStrings.maximumCount, keepsCompactForms: options.keepsCompactLists,
            reservations: reservations, builders: BuilderBudget(listCount: count))
        try decodeElements(count, into: &column)
        return column.build()
    }

    /// Goes one container deeper, the container's tag at `offset`, checking the limit.
    mutating func enter(at offset: Int) throws(SnapshotError) {
        depth += 1
        guard depth <= options.maxDepth else { throw .limit("nesting deeper than \(options.maxDepth) levels (at byte \(offset))") }
        if depth > deepest { deepest = depth }
    }

    /// Comes out of the container ``enter(at:)`` went into.
    mutating func leave() {
        depth -= 1
    }

    /// Writers pack arrays of ``SnapshotFormat/packThreshold`` elements or more, and only those: a
    /// shorter packed array comes from no writer of this format, so the file is foreign or damaged.
    func checkPacked(_ count: UInt64, at offset: Int, of kind: String) throws(SnapshotError) {
        guard count >= UInt64(SnapshotFormat.packThreshold) else {
            throw .malformed("a packed array of \(count) \(kind)\(count == 1 ? "" : "s") (writers pack \(SnapshotFormat.packThreshold) or more)", offset: offset)
        }
    }

    /// The next `count` floats of the float stream: float `i` is byte `p` of its bits at `p × stride`
    /// after its first byte, where the stride is the array's length (version 1) or the stream's.
    /// - Precondition: `count` is at least ``SnapshotFormat/packThreshold`` (``checkPacked``) and
    ///   at most the floats left, so the float stream is not empty.
    private mutating func unshuffle(count: Int) throws(SnapshotError) -> [Double] {
        nodes += count
        guard nodes <= options.maxNodeCount else { throw .limit("more than \(options.maxNodeCount) nodes") }
        let first: UnsafePointer<UInt8>
        let stride: Int
        switch layout {
        case .perArray:
            first = floats.baseAddress! + floatsRead * 8
            stride = count
        case .wholeStream:
            first = floats.baseAddress! + floatsRead
            stride = floatCount
        }
        floatsRead += count
        let floats = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                var bits: UInt64 = 0
                for plane in 0..<8 {
                    bits |= UInt64(first[plane &* stride &+ index]) << (8 * UInt64(plane))
                }
                (buffer.baseAddress! + index).initialize(to: Double(bitPattern: bits))
            }
            initialized = count
        }
        streams.floatsPassed(floatsRead, layout: layout)
        return floats
    }

    /// The most elements an array is given room for before they are read: a count is checked
    /// against the bytes left (each element takes one at least), which a small file inflating to
    /// gigabytes can still make larger than memory, so a longer array grows as it is read.
    private static let reservedElements = 1 << 22

    /// The most members an object may have to be checked for duplicate keys by comparing hashes
    /// pairwise as they are read; a larger one is checked once all its keys are (``RepeatedKeys``).
    static let smallObject = 32

    /// An object's members, its keys checked for duplicates by their hashes (the bytes compared only
    /// when two hashes match), then put together without checking again: most objects are small
    /// records. As before, a member's value is decoded before its key is checked. The keys gather
    /// on the decoder's stack, and the object takes its shape's shared array (``KeyShapes``).
    mutating func decodeSmallObject(_ count: Int) throws(SnapshotError) -> StateObject {
        var values = ContiguousArray<StateValue>()
        values.reserveCapacity(count)
        return try finishSmallObject(count, values: &values, keysFrom: stackedKeys.count, pending: nil)
    }

    /// A key read, and the offset it was read at.
    typealias ReadKey = (offset: Int, string: StateString, hash: UInt64, place: Int)

    /// The rest of a small object of `count` members, the first `values.count` of which were read:
    /// their keys on the stacks from `first`, checked; `pending`, when given, the next key, read
    /// but not yet checked. Takes the keys off the stacks from `first`.
    mutating func finishSmallObject(
        _ count: Int, values: inout ContiguousArray<StateValue>, keysFrom first: Int, pending: ReadKey?
    ) throws(SnapshotError) -> StateObject {
        defer {
            stackedKeys.removeSubrange(first...)
            stackedKeyHashes.removeSubrange(first...)
            stackedKeyPlaces.removeSubrange(first...)
        }
        var pending = pending
        while values.count < count {
            let key: ReadKey
            if let read = pending {
                key = read
                pending = nil
            } else {
                let offset = tree.offset
                let (string, hash, place) = try decodeString(asKey: true)
                key = (offset, string, hash, place)
            }
            let value = try decode()
            for earlier in first..<stackedKeyHashes.count where stackedKeyHashes[earlier] == key.hash && stackedKeys[earlier] == key.string {
                throw .malformed("duplicate key \"\(key.string.displayString)\"", offset: key.offset)
            }
            stackedKeys.append(key.string)
            stackedKeyHashes.append(key.hash)
            stackedKeyPlaces.append(key.place)
            values.append(value)
        }
        return StateObject(uncheckedUniqueKeys: shapes.keys(stackedKeys[first...], places: stackedKeyPlaces[first...]), values: values)
    }

    /// An object's members, then its keys checked for a repeat all at once (``RepeatedKeys``), and
    /// put together without checking again. So a fault in a member after a repeated key is the
    /// one reported (`docs/FORMAT.md`, step 11).
    mutating func decodeLargeObject(_ count: Int) throws(SnapshotError) -> StateObject {
        var keys = ContiguousArray<StateString>()
        var values = ContiguousArray<StateValue>()
        var hashes: [UInt64] = []
        var offsets: [Int] = []
        // The count is checked against the bytes left, which a small file inflating to gigabytes can
        // still make larger than memory: room is made for 65,536 members, and for up to
        // ``reservedElements`` as far as the lists' budget allows (a large table read in one
        // allocation, not grown by doubling); past that the arrays grow as members come.
        let first = 1 << 16
        let expected = count <= first ? count : first + reservations.take(min(count, Self.reservedElements) - first)
        keys.reserveCapacity(expected)
        values.reserveCapacity(expected)
        hashes.reserveCapacity(expected)
        offsets.reserveCapacity(expected)
        for _ in 0..<count {
            offsets.append(tree.offset)
            let (key, hash, _) = try decodeString(asKey: true)
            keys.append(key)
            hashes.append(hash)
            values.append(try decode())
        }
        if let repeated = RepeatedKeys.first(in: keys, hashes: consume hashes) {
            throw .malformed("duplicate key \"\(keys[repeated].displayString)\"", offset: offsets[repeated])
        }
        return StateObject(uncheckedUniqueKeys: keys, values: values)
    }

    /// Whether every byte is below 0x80, eight at a time: most strings in a state are ASCII, and
    /// need no further check to be a `String`.
    @inline(__always)
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeRawBufferPointer(bytes)
        var high: UInt64 = 0
        var offset = 0
        while offset &+ 8 <= raw.count {
            high |= raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset &+= 8
        }
        while offset < raw.count {
            high |= UInt64(raw[offset])
            offset &+= 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// A string, a hash of its bytes (``InternCache/hash(_:)``) for telling keys apart (an
    /// interned string always has one, as it may be a key later; a longer literal is hashed only as
    /// a key), and its place in the table of interned strings, -1 when it has none.
    mutating func decodeString(asKey: Bool) throws(SnapshotError) -> (string: StateString, hash: UInt64, place: Int) {
        let offset = tree.offset
        let reference = try tree.varint()
        if reference & 1 == 0 {
            let place = try checkedPlace(reference, at: offset)
            let entry = interned.entry(at: place)
            return (entry.string, entry.hash, place)
        }
        return try decodeLiteral(length: reference >> 1, at: offset, asKey: asKey)
    }

    /// The place a string's reference (`reference`, read at `offset`, its low bit clear) names,
    /// checked to be in the table.
    @inline(__always)
    func checkedPlace(_ reference: UInt64, at offset: Int) throws(SnapshotError) -> Int {
        guard reference >> 1 < UInt64(interned.count) else {
            throw .malformed("string reference \(reference >> 1) beyond the \(interned.count) interned strings", offset: offset)
        }
        return Int(reference >> 1)
    }

    /// A literal string of `length` bytes (its length read at `offset`), interned when short, as
    /// ``decodeString(asKey:)`` returns it.
    @inline(__always)
    mutating func decodeLiteral(length: UInt64, at offset: Int, asKey: Bool) throws(SnapshotError) -> (string: StateString, hash: UInt64, place: Int) {
        let bytes = try literalBytes(length: length, at: offset)
        let string: StateString
        if Self.isASCII(bytes) {
            string = StateString(String(decoding: bytes, as: UTF8.self))
        } else if let valid = StateString(wtf8: bytes) {
            string = valid
        } else {
            throw .malformed("a string that is not UTF-8 (nor WTF-8)", offset: offset)
        }
        let interns = bytes.count <= SnapshotFormat.internLimit
        let hash = interns || asKey ? InternCache.hash(bytes) : 0
        guard interns else { return (string, hash, -1) }
        interned.append(wtf8: bytes, hasLoneSurrogates: string.hasLoneSurrogates)
        let place = interned.count - 1
        interned.remember(string, hash: hash, at: place)
        return (string, hash, place)
    }

    /// A literal string of `length` bytes (its length read at `offset`) that is short: interned
    /// without being built, its place returned; `nil` for a longer one, which is not read.
    @inline(__always)
    mutating func internLiteral(length: UInt64, at offset: Int) throws(SnapshotError) -> Int? {
        guard length <= UInt64(SnapshotFormat.internLimit) else { return nil }
        let bytes = try literalBytes(length: length, at: offset)
        var hasLoneSurrogates = false
        if !Self.isASCII(bytes) {
            // Checked in place: no string is built.
            guard WTF8.isValid(bytes) else { throw .malformed("a string that is not UTF-8 (nor WTF-8)", offset: offset) }
            hasLoneSurrogates = WTF8.hasLoneSurrogates(bytes)
        }
        interned.append(wtf8: bytes, hasLoneSurrogates: hasLoneSurrogates)
        return interned.count - 1
    }

    /// The `length` bytes of a literal string, its length read at `offset`. Valid until the next read.
    @inline(__always)
    private mutating func literalBytes(length: UInt64, at offset: Int) throws(SnapshotError) -> UnsafeBufferPointer<UInt8> {
        guard length <= UInt64(tree.remaining) else {
            throw .malformed("string length \(length) exceeds the \(tree.remaining) bytes left", offset: offset)
        }
        return try tree.bytes(Int(length))
    }
}
