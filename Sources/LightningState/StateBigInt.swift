/// An integer outside the 64-bit range, kept exactly as its decimal digits.
///
/// Python integers have no size limit and checkpoints hold values such as `2**64` or `10**100`.
/// The value is stored in canonical form: an optional `-`, then digits without leading zeros.
///
/// It holds at most ``maximumDigits`` digits, Python's `int_max_str_digits`: Python can neither
/// read nor write a longer integer as text, so no state holding one could go to JSON and back.
/// Every reader refuses a longer one, and no writer can meet one.
public struct StateBigInt: Sendable, Hashable, CustomStringConvertible {
    /// The most digits (the sign aside) a big integer may have: 4,300, Python's default
    /// `sys.get_int_max_str_digits()`.
    public static let maximumDigits = 4_300

    /// The canonical decimal text, e.g. `"18446744073709551616"` or `"-9223372036854775809"`.
    public let decimalText: String

    /// Creates a big integer from decimal text: an optional `-` and at least one digit.
    ///
    /// Leading zeros are removed. Returns `nil` for other text, for values that fit in `Int64`
    /// (those are ``StateValue/int(_:)``) and for more than ``maximumDigits`` significant digits.
    public init?(decimalText text: some StringProtocol) {
        var utf8 = Substring(text).utf8[...]
        let negative = utf8.first == UInt8(ascii: "-")
        if negative { utf8 = utf8.dropFirst() }
        guard !utf8.isEmpty, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let digits = utf8.drop(while: { $0 == 0x30 })
        let canonical = (negative ? "-" : "") + String(decoding: digits, as: UTF8.self)
        guard !digits.isEmpty, digits.count <= Self.maximumDigits, Int64(canonical) == nil else { return nil }
        decimalText = canonical
    }

    /// Whether the value is below zero.
    public var isNegative: Bool { decimalText.utf8.first == UInt8(ascii: "-") }

    /// The canonical decimal text.
    public var description: String { decimalText }
}

extension StateValue {
    /// Makes an integer node from decimal text: ``int(_:)`` when it fits in 64 bits, else ``bigInt(_:)``.
    ///
    /// Returns `nil` when the text is not an optional `-` followed by digits, or has more than
    /// ``StateBigInt/maximumDigits`` significant digits.
    public static func integer(decimalText text: some StringProtocol) -> StateValue? {
        if let small = Int64(text) { return .int(small) }
        return StateBigInt(decimalText: text).map(StateValue.bigInt)
    }
}
