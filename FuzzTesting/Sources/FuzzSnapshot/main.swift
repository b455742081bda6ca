@_spi(Testing) import LightningCodecs
import LightningState

/// Decodes arbitrary bytes as a binary snapshot. Any trap is a bug; when decoding succeeds,
/// encoding the result and decoding it again must give the same state.
///
/// Random bytes rarely get past the checksum, so the first input byte picks how deep to aim:
/// `0`: the bytes as a file; `1`: the bytes as a file with its trailer (CRC-32 and end magic)
/// rewritten to match; otherwise: the bytes as the tree and float streams (split at the length in
/// bytes 1–2), wrapped in a valid file with stored blocks, which reaches the tree decoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshot(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: count))
    guard let mode = input.first else { return 0 }
    let body = Array(input.dropFirst())
    let file: [UInt8]
    switch mode {
    case 0: file = body
    case 1: file = withTrailer(Array(body.dropLast(min(8, body.count))))
    default: file = wrapStreams(body)
    }
    let options = BinarySnapshot.Options(maxDepth: 200, maxNodeCount: 1 << 20, maxDecompressedBytes: 1 << 16)
    // Read again keeping values and numbers only: the same state, or the same error.
    var plainOptions = options
    plainOptions.keepsCompactLists = false
    let read = Result { () throws(SnapshotError) in try BinarySnapshot.decodeContents(file, options: options) }
    let readPlainly = Result { () throws(SnapshotError) in try BinarySnapshot.decodeContents(file, options: plainOptions) }
    switch (read, readPlainly) {
    case (.success(let compact), .success(let plain)):
        switch (compact.contents, plain.contents) {
        case (.full(let a), .full(let b)): precondition(a == b && a.nestingDepth == b.nestingDepth, "lists kept compact read another state")
        case (.delta(let a, _), .delta(let b, _)): precondition(a == b, "lists kept compact read another delta")
        default: preconditionFailure("lists kept compact read another kind of snapshot")
        }
    case (.failure(let error), .failure(let plainError)):
        precondition(error.description == plainError.description, "lists kept compact fail otherwise: \(error) against \(plainError)")
    default:
        preconditionFailure("lists kept compact read what values do not, or the reverse")
    }
    guard case .success(let (header, contents)) = read else { return 0 }
    switch contents {
    case .full(let state):
        let again = try! BinarySnapshot.encode(state, threads: 1)
        precondition(try! BinarySnapshot.decode(again) == state, "re-encoded snapshot differs")
        // Lists the reader keeps by column or as places are the values their elements are, and
        // write the bytes and text those values do.
        let plain = asValues(state)
        precondition(plain == state && plain.hashValue == state.hashValue, "a list kept by column or as places differs from its values")
        precondition(try! BinarySnapshot.encode(plain, threads: 1) == again, "a list kept by column or as places writes other bytes")
        for layout in [JSONWriter.Options(), JSONWriter.Options(ensureASCII: false, indent: 1, sortKeys: true)] {
            precondition(JSONWriter.write(plain, options: layout) == JSONWriter.write(state, options: layout), "a list kept by column or as places writes other text")
        }
    case .delta(let delta, let parent):
        // The one nesting rule: what a reader accepts lands no deeper in the state than a full state may.
        let nesting = delta.edits.reduce(0) { deepest, edit in
            switch edit {
            case .set(let path, let value), .insert(let path, _, let value), .append(let path, let value):
                return max(deepest, path.count + value.nestingDepth)
            case .splice(let path, _, let elements):
                return max(deepest, path.count + StateValue.array(elements).nestingDepth)
            case .remove:
                return deepest
            }
        }
        precondition(nesting <= options.maxDepth, "a delta nesting \(nesting) levels in the state was read")
        let again = try! BinarySnapshot.encode(delta, sequence: header.sequence, parent: parent, threads: 1)
        guard case .delta(let back, _) = try! BinarySnapshot.decodeContents(again).contents else { preconditionFailure("not a delta") }
        precondition(back == delta, "re-encoded delta differs")
        // Applying it must fail cleanly or succeed, never trap: to an empty object, and to one
        // holding arrays, strings and objects for the edits inside values to meet — its lists of
        // numbers kept as values, and kept as numbers, its list of strings as values, and as the
        // places a snapshot reader keeps, its list of records as values, and by column, with the
        // same outcome.
        var state: StateValue = [:]
        _ = try? delta.apply(to: &state)
        var rich: StateValue = [
            "a": [1, 2, 3, 4], "b": "text", "c": ["a": [], "b": 1, "c": "x"], "d": [1.5, 2.5, 3.5, 4.5], "e": ["p", "q", 7, "r", "s", "t", "u", "v"],
            "f": records(),
        ]
        var compact: StateValue = [
            "a": .array(StateArray(ints: [1, 2, 3, 4])), "b": "text", "c": ["a": [], "b": 1, "c": "x"],
            "d": .array(StateArray(floats: [1.5, 2.5, 3.5, 4.5])), "e": pooledStrings(), "f": recordsByColumn(),
        ]
        let applied = Result { () throws(StateDeltaError) in try delta.apply(to: &rich) }
        let appliedCompact = Result { () throws(StateDeltaError) in try delta.apply(to: &compact) }
        switch (applied, appliedCompact) {
        case (.success, .success): precondition(rich == compact, "a delta applied to numbers kept as numbers, strings as places or records by column gives another state")
        case (.failure(let error), .failure(let compactError)):
            precondition(error.description == compactError.description, "a delta fails otherwise on numbers kept as numbers, strings as places or records by column")
        default: preconditionFailure("a delta applies to numbers kept as values, not as numbers, or the reverse")
        }
    }
    return 0
}

/// `["p", "q", 7, "r", …]` as a snapshot reader keeps it: places in its table of strings (the
/// main package's tests check that the reader keeps such a list so). Made for each input: held in
/// a global, its table would be reported as leaked (the enum's tag bits hide the pointer).
func pooledStrings() -> StateValue {
    try! BinarySnapshot.decode(try! BinarySnapshot.encode(["e": ["p", "q", 7, "r", "s", "t", "u", "v"]]))["e"]!
}

/// Records as a snapshot reader keeps them, by column (the main package's tests check that the
/// reader keeps such a list so); made for each input, as ``pooledStrings()`` is.
func recordsByColumn() -> StateValue {
    try! BinarySnapshot.decode(try! BinarySnapshot.encode(["f": records()]))["f"]!
}

/// Four records of one shape, a list inside each of another length (the last packed).
func records() -> StateValue {
    [["a": 1, "b": "x", "c": [1, 2]], ["a": 2, "b": "y", "c": [3]], ["a": 3, "b": "x", "c": []], ["a": 4, "b": .null, "c": [4, 5, 6, 7]]]
}

/// The value with every list kept as values, all the way down.
func asValues(_ value: StateValue) -> StateValue {
    switch value {
    case .array(let elements): return .array(StateArray(elements.map(asValues)))
    case .object(var members):
        for index in members.values.indices { members.values[index] = asValues(members.values[index]) }
        return .object(members)
    default: return value
    }
}

func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian, Array.init)
}

/// CRC-32 (the zlib polynomial), bit by bit: slow and obviously right.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

func withTrailer(_ bytes: [UInt8]) -> [UInt8] {
    bytes + littleEndian(crc32(bytes)) + Array("LCKE".utf8)
}

/// A file holding `bytes` as a stored tree block and a stored float block (docs/FORMAT.md), of
/// format version 1, 2 or 3 (versions 1 and 2 differ in their float streams' layout, 3 adds the
/// delta edits inside values).
func wrapStreams(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count >= 2 else { return [] }
    let split = min(Int(bytes[0]) | Int(bytes[1]) << 8, bytes.count - 2)
    let tree = Array(bytes[2..<2 + split])
    let floats = Array(bytes[(2 + split)...])
    var file: [UInt8] = [0x89, 0x4C, 0x43, 0x4B, 0x0D, 0x0A, 0x1A, 0x0A]
    // Odd split lengths make a delta (kind 1) of snapshot 1, numbered 2; even ones a full snapshot.
    let kind: UInt8 = bytes[0] & 1
    // Bits 1 and 2 of the split length pick the version: 1 makes version 1, 2 version 2, others 3.
    let version: UInt16 = (bytes[0] >> 1) & 3 == 1 ? 1 : ((bytes[0] >> 1) & 3 == 2 ? 2 : 3)
    file += littleEndian(version) + littleEndian(UInt16(0)) + [kind, 0, 0, 0]
    file += littleEndian(UInt64(kind == 1 ? 2 : 0)) + littleEndian(UInt64(kind == 1 ? 1 : 0))
    file += littleEndian(UInt64(tree.count)) + littleEndian(UInt64(floats.count))
    let blocks = [tree, floats].enumerated().filter { !$0.element.isEmpty }
    file += littleEndian(UInt32(blocks.count)) + littleEndian(UInt32(1 << 20)) + littleEndian(UInt64(0))
    for (stream, block) in blocks {
        file += [UInt8(stream), 0] + littleEndian(UInt16(0)) + littleEndian(UInt32(block.count)) + littleEndian(UInt32(block.count))
    }
    for (_, block) in blocks { file += block }
    return withTrailer(file)
}
