/// Rewrites JSON text as Python's `json.dumps(json.loads(text))` writes it, in one pass, without
/// building the tree: the memory it needs is the input and the output, and a string or a number
/// costs no allocation.
///
/// The bytes are those ``JSONWriter`` writes for the tree ``JSONReader`` reads, laid out by the same
/// writer, and malformed text fails with the reader's errors. The one thing a single pass cannot do
/// is Python's treatment of a key repeated in an object (the last value, at the first key's place):
/// transcoding then stops with ``Outcome/repeatedKey``, and the caller goes through the tree.
public enum JSONTranscoder {
    /// How a transcoding ended.
    public enum Outcome: Sendable {
        /// The text, as consecutive chunks of about a megabyte.
        case written([[UInt8]])
        /// An object repeats a key: read the tree and write it instead.
        case repeatedKey
    }

    /// Transcodes the JSON text in `bytes` into the layout `options` gives (which must not sort
    /// keys: that needs whole objects).
    ///
    /// ```swift
    /// if case .written(let chunks) = try JSONTranscoder.transcode(text, options: .init(indent: 2)) { … }
    /// ```
    /// - Throws: ``JSONDecodingError`` where ``JSONReader`` would, with the same message.
    public static func transcode(_ bytes: [UInt8], options: JSONWriter.Options = .init(), reading: JSONReader.Options = .init()) throws(JSONDecodingError) -> Outcome {
        precondition(!options.sortKeys, "sorted keys need the whole object: write the tree")
        var result: Result<Outcome, JSONDecodingError>!
        bytes.withUnsafeBufferPointer { input in
            result = Result { () throws(JSONDecodingError) in
                var pass = TranscodingPass(parser: JSONParser(input: input, options: reading), writer: JSONTextWriter(options: options))
                return try pass.run()
            }
        }
        return try result.get()
    }
}

/// One transcoding: the parser's cursor, the writer's output, and the keys of the open objects.
private struct TranscodingPass {
    var parser: JSONParser
    var writer: JSONTextWriter
    /// The keys of the objects being written, innermost last: their bytes, one after another, and
    /// where each ends. A key is compared with its object's earlier keys only.
    var keyBytes: [UInt8] = []
    var keyEnds: [Int] = []
    /// The hashes of the keys of the large objects being read (``largeObject``), innermost last.
    var keyHashes: [UInt64] = []

    init(parser: JSONParser, writer: JSONTextWriter) {
        self.parser = parser
        self.writer = writer
    }

    mutating func run() throws(JSONDecodingError) -> JSONTranscoder.Outcome {
        do {
            try document()
        } catch {
            switch error {
            case .syntax(let error): throw error
            case .repeatedKey: return .repeatedKey
            }
        }
        writer.flush()
        return .written(writer.chunks)
    }

    /// Why a pass stops early: an error in the text, or a repeated key (not an error).
    enum Stop: Error {
        case syntax(JSONDecodingError)
        case repeatedKey
    }

    /// Runs a step of the parser, its error a ``Stop``.
    private mutating func parse<T>(_ step: (inout JSONParser) throws(JSONDecodingError) -> T) throws(Stop) -> T {
        do {
            return try step(&parser)
        } catch {
            throw .syntax(error)
        }
    }

    private var input: UnsafeBufferPointer<UInt8> { parser.input }

    private mutating func document() throws(Stop) {
        if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF {
            throw .syntax(parser.error(at: 0, "unexpected UTF-8 byte-order mark (Python's json refuses it)"))
        }
        parser.skipWhitespace()
        guard parser.position < input.count else {
            throw .syntax(parser.error(at: parser.position, input.isEmpty ? "empty input: expected a JSON value" : "expected a JSON value, found only whitespace"))
        }
        try value(level: 0)
        parser.skipWhitespace()
        if parser.position < input.count {
            throw .syntax(parser.error(at: parser.position, "extra data after the JSON value"))
        }
    }

    private mutating func value(level: Int) throws(Stop) {
        guard parser.position < input.count else {
            throw .syntax(parser.error(at: parser.position, "unexpected end of input: expected a value"))
        }
        switch input[parser.position] {
        case UInt8(ascii: "{"): try object(level: level)
        case UInt8(ascii: "["): try array(level: level)
        case UInt8(ascii: "\""): try string()
        default:
            // Numbers and literals are small: the reader's value, written by the writer.
            writer.write(try parse { parser throws(JSONDecodingError) in try parser.parseValue() }, level: level)
        }
    }

    private mutating func string() throws(Stop) {
        switch try parse({ parser throws(JSONDecodingError) in try parser.scanString() }) {
        case .input(let range, let isASCII):
            if !isASCII {
                let invalid = parser.firstInvalidUTF8(in: range)
                if invalid != range.upperBound { throw .syntax(parser.error(at: invalid, "invalid UTF-8 in a string")) }
            }
            writer.appendString(wtf8: UnsafeBufferPointer(rebasing: input[range]))
        case .scratch:
            parser.scratch.withUnsafeBufferPointer { writer.appendString(wtf8: $0) }
        }
    }

    /// Enters the array or object whose opening bracket is under the cursor; an empty one is
    /// written whole (`[]`, `{}`) and `false` returned, else its opening bracket.
    private mutating func open(_ opening: UInt8, closing: UInt8) throws(Stop) -> Bool {
        try parse { parser throws(JSONDecodingError) in try parser.enterContainer() }
        parser.position += 1
        parser.skipWhitespace()
        if parser.position < input.count, input[parser.position] == closing {
            parser.position += 1
            parser.depth -= 1
            writer.output.append(opening)
            writer.output.append(closing)
            return false
        }
        writer.output.append(opening)
        return true
    }

    private mutating func array(level: Int) throws(Stop) {
        guard try open(UInt8(ascii: "["), closing: UInt8(ascii: "]")) else { return }
        var first = true
        repeat {
            if !first { writer.appendItemSeparator() }
            first = false
            writer.appendNewline(level: level + 1)
            try value(level: level + 1)
            writer.flushIfFull()
        } while try parse({ parser throws(JSONDecodingError) in try parser.parseArraySeparator() })
        parser.depth -= 1
        writer.appendNewline(level: level)
        writer.output.append(UInt8(ascii: "]"))
    }

    private mutating func object(level: Int) throws(Stop) {
        guard try open(UInt8(ascii: "{"), closing: UInt8(ascii: "}")) else { return }
        let firstKey = keyEnds.count
        let bytesBase = keyBytes.count
        let firstHash = keyHashes.count
        defer {
            keyEnds.removeSubrange(firstKey...)
            keyBytes.removeSubrange(bytesBase...)
            keyHashes.removeSubrange(firstHash...)
        }
        while true {
            guard parser.position < input.count else { throw .syntax(parser.error(at: parser.position, "unexpected end of input inside an object")) }
            guard input[parser.position] == UInt8(ascii: "\"") else {
                throw .syntax(parser.error(at: parser.position, "expected a string key in double quotes, found \(parser.describeByte(at: parser.position))"))
            }
            let keyStart = writer.output.count
            if keyEnds.count > firstKey { writer.appendItemSeparator() }
            writer.appendNewline(level: level + 1)
            try string()
            try remember(lastKeyAt: keyStart, firstKey: firstKey, bytesBase: bytesBase, firstHash: firstHash)
            parser.skipWhitespace()
            guard parser.position < input.count, input[parser.position] == UInt8(ascii: ":") else {
                throw .syntax(parser.error(at: parser.position, "expected ':' after an object key, found \(parser.describeByte(at: parser.position))"))
            }
            parser.position += 1
            parser.skipWhitespace()
            writer.output.append(UInt8(ascii: ":"))
            writer.output.append(UInt8(ascii: " "))
            try value(level: level + 1)
            writer.flushIfFull()
            parser.skipWhitespace()
            guard parser.position < input.count else { throw .syntax(parser.error(at: parser.position, "unexpected end of input inside an object")) }
            let byte = input[parser.position]
            parser.position += 1
            if byte == UInt8(ascii: ",") {
                parser.skipWhitespace()
                continue
            }
            if byte == UInt8(ascii: "}") { break }
            throw .syntax(parser.error(at: parser.position - 1, "expected ',' or '}' in an object, found \(parser.describeByte(at: parser.position - 1))"))
        }
        // A larger object's keys are checked all at once (by chance, two distinct keys share a
        // hash once in 2^64 pairs; such an object goes through the tree too, which is only slower).
        // (Sorted where they are: the stack loses them when this object ends.)
        if keyHashes.count > firstHash, keyHashes[firstHash...].withUnsafeMutableBufferPointer({ RepeatedKeys.mayRepeat($0) }) { throw .repeatedKey }
        parser.depth -= 1
        writer.appendNewline(level: level)
        writer.output.append(UInt8(ascii: "}"))
    }

    /// Records the key just written (`writer.output[keyStart...]`, after the separator and the
    /// indentation: its escaped text, which is equal for equal keys and only for them) and stops
    /// at a repeat of one of its object's earlier keys, which start at `keyBytes[bytesBase]`. A
    /// small object's keys are compared as they come; from the ``largeObject``-th key on, their
    /// hashes are kept from `keyHashes[firstHash]` on, for ``object(level:)`` to check at the end,
    /// and their bytes are no longer kept (an object of millions of keys would hold them all).
    private mutating func remember(lastKeyAt keyStart: Int, firstKey: Int, bytesBase: Int, firstHash: Int) throws(Stop) {
        let written = writer.output
        var start = keyStart
        while written[start] != UInt8(ascii: "\"") { start += 1 }
        let key = written[start...]
        let earlier = keyEnds.count - firstKey
        if earlier >= Self.largeObject {
            if keyHashes.count == firstHash {
                _ = anyEarlierKey(firstKey: firstKey, bytesBase: bytesBase) { keyHashes.append(Self.hash($0)); return false }
            }
            keyHashes.append(Self.hash(key))
            // Its bytes are not needed again: only the count of keys is kept.
            keyEnds.append(keyBytes.count)
            return
        }
        if earlier > 0, anyEarlierKey(firstKey: firstKey, bytesBase: bytesBase, where: { $0.elementsEqual(key) }) {
            throw .repeatedKey
        }
        keyBytes.append(contentsOf: key)
        keyEnds.append(keyBytes.count)
    }

    /// The keys an object may have before the rest are checked by their hashes, at its end.
    private static let largeObject = 8

    /// Whether `test` holds for one of the innermost object's keys so far (as written), without
    /// collecting them: this runs for every key of every object.
    private func anyEarlierKey(firstKey: Int, bytesBase: Int, where test: (ArraySlice<UInt8>) -> Bool) -> Bool {
        var begin = bytesBase
        for end in keyEnds[firstKey...] {
            if test(keyBytes[begin..<end]) { return true }
            begin = end
        }
        return false
    }

    private static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBufferPointer(InternCache.hash)
    }
}
