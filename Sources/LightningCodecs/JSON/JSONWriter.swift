import LightningState

/// Writes a `StateValue` tree as JSON text, byte for byte as Python's `json.dumps` writes it.
///
/// Compact output uses Python's default separators (`", "` and `": "`); indented output uses
/// `","` and `": "` with `indent` spaces per level and `[]`/`{}` for empty containers. Floats use
/// Python's shortest `repr` (`1.0`, `1e-05`, `1e+16`, `-0.0`, `NaN`, `Infinity`); integers are
/// exact at any size. With ``Options/ensureASCII`` (the default) every non-ASCII character is a
/// `\uXXXX` escape; without it characters are raw UTF-8, except lone surrogates, which are
/// always escaped so that the output stays valid UTF-8 and Python reads back the same string.
///
/// ```swift
/// let text = JSONWriter.write(state, options: .init(indent: 2))
/// ```
public enum JSONWriter {
    /// How to lay out the text.
    public struct Options: Sendable, Hashable {
        /// Escape every non-ASCII character, as Python's default `ensure_ascii=True`.
        public var ensureASCII: Bool
        /// Spaces per nesting level, or `nil` for Python's compact one-line form.
        public var indent: Int?
        /// Sort object keys by code point, as `sort_keys=True`.
        public var sortKeys: Bool

        /// Creates options; the defaults give `json.dumps(value)`.
        public init(ensureASCII: Bool = true, indent: Int? = nil, sortKeys: Bool = false) {
            self.ensureASCII = ensureASCII
            self.indent = indent
            self.sortKeys = sortKeys
        }

        /// `json.dumps(value, sort_keys=True)`: one text per tree, for comparing files.
        public static let canonical = Options(sortKeys: true)
    }

    /// Returns the JSON text of `value` as UTF-8 bytes, without a trailing newline.
    ///
    /// A large tree is written on all the machine's cores: the children of the container where
    /// its bulk spreads out (for a checkpoint, usually the components of one flow) are written in
    /// parallel and joined. The bytes are the same as a single-threaded write.
    public static func write(_ value: StateValue, options: Options = Options()) -> [UInt8] {
        write(value, options: options, threads: ProcessorCount.online)
    }

    /// Writes with at most `threads` threads, splitting a container only when it has at least
    /// `minimumChildren` children and the tree a weight (about its number of values) of at least
    /// `minimumWeight`: below that, starting threads costs more than it saves.
    package static func write(_ value: StateValue, options: Options, threads: Int, minimumChildren: Int = 8, minimumWeight: Int = 50_000) -> [UInt8] {
        let chunks = writeChunks(value, options: options, threads: threads, minimumChildren: minimumChildren, minimumWeight: minimumWeight)
        if chunks.count == 1 { return chunks[0] }
        var joined: [UInt8] = []
        joined.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
        for chunk in chunks { joined.append(contentsOf: chunk) }
        return joined
    }

    /// The JSON text as consecutive chunks of about a megabyte whose concatenation is
    /// ``write(_:options:)``'s bytes: a file can be written from them, one after another,
    /// without the text ever being joined into one buffer.
    public static func writeChunks(_ value: StateValue, options: Options = Options()) -> [[UInt8]] {
        writeChunks(value, options: options, threads: ProcessorCount.online)
    }

    /// ``writeChunks(_:options:)`` with at most `threads` threads, splitting as
    /// ``write(_:options:threads:minimumChildren:minimumWeight:)`` does.
    package static func writeChunks(_ value: StateValue, options: Options, threads: Int, minimumChildren: Int = 8, minimumWeight: Int = 50_000) -> [[UInt8]] {
        writeChunksMeasuringNesting(value, options: options, threads: threads, minimumChildren: minimumChildren, minimumWeight: minimumWeight).chunks
    }

    /// ``writeChunks(_:options:)``, and how deeply the text nests (see ``StateValue/nestingDepth``),
    /// measured while writing, so that a writer can refuse what a reader would.
    package static func writeChunksMeasuringNesting(
        _ value: StateValue, options: Options = Options(), threads: Int = ProcessorCount.online, minimumChildren: Int = 8, minimumWeight: Int = 50_000
    ) -> (chunks: [[UInt8]], nesting: Int) {
        var writer = JSONTextWriter(options: options)
        if threads > 1, let split = writer.splitPoint(in: value, minimumChildren: minimumChildren, minimumWeight: minimumWeight) {
            writer.write(value, level: 0, split: split, threads: threads)
        } else {
            writer.write(value, level: 0)
        }
        writer.flush()
        return (writer.chunks, writer.deepest)
    }

    /// The number of bytes ``write(_:options:)`` would return.
    public static func encodedSize(of value: StateValue, options: Options = Options()) -> Int {
        write(value, options: options).count
    }
}

/// The writer's state: the output buffer and the layout choices.
///
/// The text is kept as chunks of about ``chunkSize`` bytes rather than one growing buffer, so
/// that a large text is never copied to grow it and never held twice.
struct JSONTextWriter {
    let options: JSONWriter.Options
    var output: [UInt8] = []
    /// Finished chunks of the text, before `output`.
    var chunks: [[UInt8]] = []

    /// The deepest nesting of arrays and objects written: 1 for `[]` or `{"a": 1}`.
    var deepest = 0

    /// The size at which `output` becomes a chunk and a new buffer starts.
    static let chunkSize = 1 << 20

    init(options: JSONWriter.Options) {
        self.options = options
        output.reserveCapacity(4_096)
    }

    /// Moves the bytes written so far into `chunks` and starts a buffer of `capacity` bytes.
    mutating func flush(reserving capacity: Int = 4_096) {
        guard !output.isEmpty else { return }
        chunks.append(output)
        output = []
        output.reserveCapacity(capacity)
    }

    /// Starts a new chunk once `output` holds ``chunkSize`` bytes; the next buffer has room for a
    /// whole chunk and then some, so that it does not grow while it fills.
    @inline(__always)
    mutating func flushIfFull() {
        if output.count >= Self.chunkSize { flush(reserving: Self.chunkSize + Self.chunkSize / 16) }
    }

    mutating func write(_ value: StateValue, level: Int) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let flag): appendASCII(flag ? "true" : "false")
        case .int(let integer): appendNumber { JSONNumberText.write(integer, to: $0) }
        case .bigInt(let big): output.append(contentsOf: big.decimalText.utf8)
        case .float(let double): appendNumber { JSONNumberText.write(double, to: $0) }
        case .string(let string): appendString(string)
        case .array(let elements): writeArray(elements, level: level)
        case .object(let members): writeObject(members, level: level)
        }
    }

    /// Records that a container is written at nesting `depth` (the root is 1).
    @inline(__always)
    mutating func noteNesting(_ depth: Int) {
        if depth > deepest { deepest = depth }
    }

    private mutating func writeArray(_ elements: StateArray, level: Int) {
        noteNesting(level + 1)
        guard !elements.isEmpty else { return appendASCII("[]") }
        output.append(UInt8(ascii: "["))
        writeElements(elements, in: elements.indices, level: level + 1)
        appendNewline(level: level)
        output.append(UInt8(ascii: "]"))
    }

    /// Writes the elements in `range` at `level`, each after its separator (but the array's
    /// first) and, when indenting, its new line.
    mutating func writeElements(_ elements: StateArray, in range: Range<Int>, level: Int) {
        switch elements.storage {
        case .values(let values): writeElements(values, in: range, level: level)
        case .floats(let floats): writeElements(floats.lazy.map(StateValue.float), in: range, level: level)
        case .ints(let ints): writeElements(ints.lazy.map(StateValue.int), in: range, level: level)
        case .narrowInts(let narrow): writeElements(narrow.lazy.map(StateValue.int), in: range, level: level)
        case .pooled(let pooled): writeElements(pooled, in: range, level: level)
        case .columns(let columns): writeElements(columns, in: range, level: level)
        }
    }

    private mutating func writeElements<Elements: RandomAccessCollection<StateValue>>(
        _ elements: Elements, in range: Range<Int>, level: Int
    ) where Elements.Index == Int {
        var index = range.lowerBound
        while index < range.upperBound {
            switch elements[index] {
            case .float, .int:
                let next = writeNumberRun(elements, from: index, to: range.upperBound, level: level)
                if next > index {
                    index = next
                    continue
                }
            default:
                break
            }
            if index > 0 { appendItemSeparator() }
            appendNewline(level: level)
            write(elements[index], level: level)
            flushIfFull()
            index += 1
        }
    }

    private mutating func writeObject(_ members: StateObject, level: Int) {
        noteNesting(level + 1)
        guard !members.isEmpty else { return appendASCII("{}") }
        output.append(UInt8(ascii: "{"))
        if options.sortKeys {
            for (index, key) in members.keys.sorted().enumerated() {
                writeMember(key, members[key]!, first: index == 0, level: level)
            }
        } else {
            for (index, member) in members.enumerated() {
                writeMember(member.key, member.value, first: index == 0, level: level)
            }
        }
        appendNewline(level: level)
        output.append(UInt8(ascii: "}"))
    }

    mutating func writeMember(_ key: StateString, _ value: StateValue, first: Bool, level: Int) {
        if !first { appendItemSeparator() }
        appendNewline(level: level + 1)
        appendKey(key)
        write(value, level: level + 1)
        flushIfFull()
    }

    /// Appends an object key and its `": "`; nothing for an array element's `nil`.
    mutating func appendKey(_ key: StateString?) {
        guard let key else { return }
        appendString(key)
        output.append(UInt8(ascii: ":"))
        output.append(UInt8(ascii: " "))
    }

    @inline(__always)
    mutating func appendItemSeparator() {
        output.append(UInt8(ascii: ","))
        if options.indent == nil { output.append(UInt8(ascii: " ")) }
    }

    @inline(__always)
    mutating func appendNewline(level: Int) {
        guard let indent = options.indent else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    @inline(__always)
    mutating func appendASCII(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    // MARK: - Scalars

    /// Appends a float or an integer through a small stack buffer.
    @inline(__always)
    private mutating func appendNumber(_ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: JSONNumberText.maximumLength) { buffer in
            let count = write(buffer.baseAddress!)
            output.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress!, count: count))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a quoted string with Python's escapes.
    mutating func appendString(_ string: StateString) {
        string.withWTF8 { appendString(wtf8: $0) }
    }

    /// Appends a quoted string, given as well-formed WTF-8, with Python's escapes.
    mutating func appendString(wtf8 bytes: UnsafeBufferPointer<UInt8>) {
        output.append(UInt8(ascii: "\""))
        do {
            var runStart = 0
            var index = 0
            while index < bytes.count {
                index &+= PlainBytes.run(in: bytes, from: index)
                guard index < bytes.count else { break }
                let byte = bytes[index]
                if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                if byte == 0x7F && !options.ensureASCII {
                    index += 1
                    continue
                }
                if byte >= 0x80 && !options.ensureASCII {
                    // Raw UTF-8, except a surrogate (ED A0...ED BF), which must be escaped.
                    if byte != 0xED || bytes[index + 1] < 0xA0 {
                        index += 1
                        continue
                    }
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index = appendEscape(bytes, at: index)
                runStart = index
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends the escape for the character at `index` and returns the index after it.
    private mutating func appendEscape(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "\""): appendASCII("\\\""); return index + 1
        case UInt8(ascii: "\\"): appendASCII("\\\\"); return index + 1
        case 0x0A: appendASCII("\\n"); return index + 1
        case 0x0D: appendASCII("\\r"); return index + 1
        case 0x09: appendASCII("\\t"); return index + 1
        case 0x08: appendASCII("\\b"); return index + 1
        case 0x0C: appendASCII("\\f"); return index + 1
        case 0..<0x80: appendUnicodeEscape(UInt32(byte)); return index + 1
        default:
            // Only well-formed WTF-8 reaches here.
            let (scalar, length) = WTF8.decodeScalar(bytes, at: index)!
            if scalar >= 0x10000 {
                let offset = scalar - 0x10000
                appendUnicodeEscape(0xD800 + (offset >> 10))
                appendUnicodeEscape(0xDC00 + (offset & 0x3FF))
            } else {
                appendUnicodeEscape(scalar)
            }
            return index + length
        }
    }

    private mutating func appendUnicodeEscape(_ unit: UInt32) {
        let hex = Self.hexDigits
        output.append(UInt8(ascii: "\\"))
        output.append(UInt8(ascii: "u"))
        output.append(hex[Int(unit >> 12 & 0xF)])
        output.append(hex[Int(unit >> 8 & 0xF)])
        output.append(hex[Int(unit >> 4 & 0xF)])
        output.append(hex[Int(unit & 0xF)])
    }
}
