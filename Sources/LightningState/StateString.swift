#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A string as Python's `str` sees it: a sequence of Unicode code points, compared code point by code point.
///
/// Swift's `String` differs from Python's `str` in two ways that matter for checkpoints:
/// it compares by canonical equivalence (`"é"` equals `"e\u{301}"`), and it cannot hold a lone
/// UTF-16 surrogate (`"\ud800"`), which Python writes and reads freely. `StateString` keeps both
/// distinctions: equality, hashing and ordering use the code points, and a string holding lone
/// surrogates is kept as WTF-8 bytes (UTF-8 extended to encode surrogates as three-byte sequences),
/// so it survives a JSON round trip unchanged.
///
/// ```swift
/// let a: StateString = "é"                 // U+00E9
/// let b: StateString = "e\u{301}"          // e + COMBINING ACUTE ACCENT
/// assert(a != b)                           // different keys, as in Python
/// ```
public struct StateString: Sendable {
    @usableFromInline
    enum Storage: Sendable {
        /// Well-formed Unicode, stored as a Swift string.
        case unicode(String)
        /// WTF-8 bytes holding at least one lone surrogate.
        case wtf8([UInt8])
    }

    @usableFromInline
    let storage: Storage

    /// Creates a state string from a Swift string.
    @inlinable
    public init(_ string: String) {
        storage = .unicode(string)
    }

    /// A string of WTF-8 bytes known to be valid and not UTF-8 (they hold a lone surrogate), kept as they are.
    @usableFromInline
    init(validWTF8 bytes: [UInt8]) {
        storage = .wtf8(bytes)
    }

    /// Creates a state string from WTF-8 bytes: UTF-8 in which lone surrogates may appear as
    /// three-byte sequences `ED A0 80` through `ED BF BF`.
    ///
    /// Returns `nil` when the bytes are not WTF-8 (bad sequences, overlong forms, or a surrogate
    /// pair encoded as two three-byte sequences, which must be one four-byte sequence).
    public init?(wtf8 bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        if let string = String(validating: array, as: UTF8.self) {
            storage = .unicode(string)
        } else if WTF8.isValid(array) {
            storage = .wtf8(array)
        } else {
            return nil
        }
    }

    /// Creates a state string from code points, which may include lone surrogates (U+D800–U+DFFF).
    ///
    /// A high surrogate directly followed by a low one is combined into one code point, as
    /// Python's JSON reader combines `\ud83d\ude00`.
    /// - Precondition: every code point is at most U+10FFFF.
    public init(codePoints: [UInt32]) {
        var combined: [UInt32] = []
        combined.reserveCapacity(codePoints.count)
        for point in codePoints {
            precondition(point <= 0x10FFFF, "code point beyond U+10FFFF")
            if let last = combined.last, (0xD800...0xDBFF).contains(last), (0xDC00...0xDFFF).contains(point) {
                combined[combined.count - 1] = 0x10000 + ((last - 0xD800) << 10) + (point - 0xDC00)
            } else {
                combined.append(point)
            }
        }
        var bytes: [UInt8] = []
        for point in combined { WTF8.append(point, to: &bytes) }
        // Well-formed by construction.
        self.init(wtf8: bytes)!
    }

    /// The Swift string, when the value holds no lone surrogate; otherwise `nil`.
    public var string: String? {
        if case .unicode(let string) = storage { return string }
        return nil
    }

    /// The string with every lone surrogate replaced by U+FFFD, for display.
    public var displayString: String {
        switch storage {
        case .unicode(let string): return string
        case .wtf8(let bytes): return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Whether the string holds a lone surrogate, which a Swift `String` cannot represent.
    public var hasLoneSurrogates: Bool {
        if case .wtf8 = storage { return true }
        return false
    }

    /// Calls `body` with the string's WTF-8 bytes (plain UTF-8 when it holds no lone surrogate).
    @inlinable
    public func withWTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch storage {
        case .unicode(var string):
            // `withUTF8` is mutating only to make a bridged string contiguous; native strings are already.
            return try string.withUTF8(body)
        case .wtf8(let bytes):
            return try bytes.withUnsafeBufferPointer(body)
        }
    }

    /// The number of WTF-8 bytes.
    public var wtf8Count: Int {
        switch storage {
        case .unicode(let string): return string.utf8.count
        case .wtf8(let bytes): return bytes.count
        }
    }
}

extension StateString: Hashable {
    /// Code-point equality: the bytes are compared, not canonical equivalence.
    @inlinable
    public static func == (lhs: StateString, rhs: StateString) -> Bool {
        if case .unicode(let a) = lhs.storage, case .unicode(let b) = rhs.storage, a.utf8.count != b.utf8.count {
            return false
        }
        return lhs.withWTF8 { a in
            rhs.withWTF8 { b in
                a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
            }
        }
    }

    /// Hashes the code units, as equality compares them.
    public func hash(into hasher: inout Hasher) {
        withWTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension StateString: Comparable {
    /// Orders by code point, as Python's `sort_keys=True` does (WTF-8 byte order is code-point order).
    public static func < (lhs: StateString, rhs: StateString) -> Bool {
        lhs.withWTF8 { a in
            rhs.withWTF8 { b in
                let common = min(a.count, b.count)
                let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                return order < 0 || (order == 0 && a.count < b.count)
            }
        }
    }
}

extension StateString: ExpressibleByStringLiteral {
    /// A string from a Swift literal.
    @inlinable
    public init(stringLiteral value: String) {
        self.init(value)
    }
}

extension StateString: CustomStringConvertible, CustomDebugStringConvertible {
    /// The string, with any lone surrogate shown as an escape.
    public var description: String { displayString }
    /// The string quoted, with any lone surrogate shown as an escape.
    public var debugDescription: String {
        switch storage {
        case .unicode(let string): return string.debugDescription
        case .wtf8(let bytes): return "StateString(wtf8: \(bytes))"
        }
    }
}
