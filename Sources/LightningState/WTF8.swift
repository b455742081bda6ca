/// Validation and encoding of WTF-8: UTF-8 that may also hold lone UTF-16 surrogates.
package enum WTF8 {
    /// Whether `bytes` are well-formed WTF-8: UTF-8 whose three-byte sequences may encode
    /// U+D800–U+DFFF, except a high surrogate directly followed by a low one.
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer(isValid)
    }

    /// Whether `bytes` are well-formed WTF-8, as the array's check above.
    package static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        var previousWasHighSurrogate = false
        while index < bytes.count {
            guard let (scalar, length) = decodeScalar(bytes, at: index) else { return false }
            let isHigh = (0xD800...0xDBFF).contains(scalar)
            let isLow = (0xDC00...0xDFFF).contains(scalar)
            if isLow && previousWasHighSurrogate { return false }
            previousWasHighSurrogate = isHigh
            index += length
        }
        return true
    }

    /// Whether well-formed WTF-8 `bytes` hold a lone surrogate, that is, are not UTF-8: a
    /// three-byte sequence `ED A0 80` through `ED BF BF`.
    package static func hasLoneSurrogates(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0xED && bytes[index + 1] >= 0xA0 { return true }
            index += 1
        }
        return false
    }

    /// Decodes one code point (surrogates allowed) at `index`; `nil` for a malformed sequence.
    package static func decodeScalar(_ bytes: some RandomAccessCollection<UInt8>, at offset: Int) -> (UInt32, Int)? {
        let start = bytes.index(bytes.startIndex, offsetBy: offset)
        let available = bytes.distance(from: start, to: bytes.endIndex)
        guard available > 0 else { return nil }
        func byte(_ i: Int) -> UInt32 { UInt32(bytes[bytes.index(start, offsetBy: i)]) }
        func continuation(_ i: Int) -> UInt32? {
            guard i < available else { return nil }
            let b = byte(i)
            return b & 0xC0 == 0x80 ? b & 0x3F : nil
        }
        let lead = byte(0)
        switch lead {
        case 0x00...0x7F:
            return (lead, 1)
        case 0xC2...0xDF:
            guard let c1 = continuation(1) else { return nil }
            return ((lead & 0x1F) << 6 | c1, 2)
        case 0xE0...0xEF:
            guard let c1 = continuation(1), let c2 = continuation(2) else { return nil }
            let scalar = (lead & 0x0F) << 12 | c1 << 6 | c2
            return scalar >= 0x800 ? (scalar, 3) : nil
        case 0xF0...0xF4:
            guard let c1 = continuation(1), let c2 = continuation(2), let c3 = continuation(3) else { return nil }
            let scalar = (lead & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            return (0x10000...0x10FFFF).contains(scalar) ? (scalar, 4) : nil
        default:
            return nil
        }
    }

    /// Appends the WTF-8 encoding of `scalar` (any code point up to U+10FFFF, surrogates included).
    @inlinable
    package static func append(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | scalar >> 6))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | scalar >> 12))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | scalar >> 18))
            bytes.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
