import LightningState

/// Where the bytes of a string just scanned are: a range of the input (a string without escapes;
/// when not ASCII, still to be checked as UTF-8), or the parser's scratch buffer (escapes decoded,
/// well-formed WTF-8).
enum ScannedString {
    case input(Range<Int>, isASCII: Bool)
    case scratch
}

extension JSONParser {
    /// Parses a string literal; the cursor is on the opening quote.
    mutating func parseString() throws(JSONDecodingError) -> StateString {
        switch try scanString() {
        case .input(let range, let isASCII):
            let bytes = UnsafeBufferPointer(rebasing: input[range])
            if isASCII { return StateString(String(decoding: bytes, as: UTF8.self)) }
            guard let string = String(validating: bytes, as: UTF8.self) else {
                throw error(at: firstInvalidUTF8(in: range), "invalid UTF-8 in a string")
            }
            return StateString(string)
        case .scratch:
            // Well-formed by construction: raw runs were validated and escapes encoded one scalar each.
            return StateString(wtf8: scratch)!
        }
    }

    /// Scans a string literal, the cursor on its opening quote, and leaves the cursor after it.
    mutating func scanString() throws(JSONDecodingError) -> ScannedString {
        let quote = position
        let start = position + 1
        var index = start
        var isASCII = true
        while index < input.count {
            index &+= PlainBytes.run(in: input, from: index)
            guard index < input.count else { break }
            let byte = input[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return .input(start..<index, isASCII: isASCII)
            }
            if byte == UInt8(ascii: "\\") {
                try decodeEscapedString(quote: quote, plainPrefix: start..<index)
                return .scratch
            }
            if byte < 0x20 { throw error(at: index, "invalid control character 0x\(String(byte, radix: 16).leftPadded(to: 2)) in a string") }
            if byte >= 0x80 { isASCII = false }
            index += 1
        }
        throw error(at: quote, "unterminated string")
    }

    /// The slow path: a string with escapes, decoded into the scratch buffer as WTF-8, so that lone
    /// surrogates survive.
    private mutating func decodeEscapedString(quote: Int, plainPrefix: Range<Int>) throws(JSONDecodingError) {
        scratch.removeAll(keepingCapacity: true)
        try appendRaw(plainPrefix)
        var index = plainPrefix.upperBound
        while true {
            guard index < input.count else { throw error(at: quote, "unterminated string") }
            let byte = input[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                index = try appendEscape(at: index)
                continue
            }
            var runEnd = index
            while runEnd < input.count {
                let b = input[runEnd]
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { break }
                if b < 0x20 { throw error(at: runEnd, "invalid control character 0x\(String(b, radix: 16).leftPadded(to: 2)) in a string") }
                runEnd += 1
            }
            try appendRaw(index..<runEnd)
            index = runEnd
        }
    }

    /// Appends raw string bytes after checking they are UTF-8 (surrogate encodings are not).
    private mutating func appendRaw(_ range: Range<Int>) throws(JSONDecodingError) {
        let bytes = UnsafeBufferPointer(rebasing: input[range])
        if !bytes.allSatisfy({ $0 < 0x80 }) && String(validating: bytes, as: UTF8.self) == nil {
            throw error(at: firstInvalidUTF8(in: range), "invalid UTF-8 in a string")
        }
        scratch.append(contentsOf: bytes)
    }

    /// Decodes the escape at `index` into the scratch buffer and returns the index after it.
    private mutating func appendEscape(at index: Int) throws(JSONDecodingError) -> Int {
        guard index + 1 < input.count else { throw error(at: index, "unterminated string") }
        let simple: UInt8?
        switch input[index + 1] {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw error(at: index, "invalid escape \(describeByte(at: index + 1)) in a string")
        }
        if let simple {
            scratch.append(simple)
            return index + 2
        }
        var scalar = try hexQuad(at: index + 2)
        var next = index + 6
        if (0xD800...0xDBFF).contains(scalar), next + 6 <= input.count,
            input[next] == UInt8(ascii: "\\"), input[next + 1] == UInt8(ascii: "u"),
            let low = try? hexQuad(at: next + 2), (0xDC00...0xDFFF).contains(low)
        {
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            next += 6
        }
        WTF8.append(scalar, to: &scratch)
        return next
    }

    private func hexQuad(at index: Int) throws(JSONDecodingError) -> UInt32 {
        guard index + 4 <= input.count else { throw error(at: index - 2, "truncated \\u escape") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = input[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(at: index - 2, "invalid \\u escape: expected 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The offset of the first byte in `range` that does not start a valid UTF-8 sequence
    /// (`range.upperBound` when there is none).
    func firstInvalidUTF8(in range: Range<Int>) -> Int {
        var index = range.lowerBound
        while index < range.upperBound {
            let bytes = UnsafeBufferPointer(rebasing: input[index..<range.upperBound])
            guard let (scalar, length) = WTF8.decodeScalar(bytes, at: 0), !(0xD800...0xDFFF).contains(scalar) else {
                return index
            }
            index += length
        }
        return range.upperBound
    }
}
