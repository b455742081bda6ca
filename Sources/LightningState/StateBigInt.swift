/// An integer outside the 64-bit range, kept exactly as its decimal digits.
///
/// Python integers have no size limit and checkpoints hold values such as `2**64` or `10**100`.
/// The value is stored in canonical form: an optional `-`, then digits without leading zeros.
public struct StateBigInt: Sendable, Hashable, CustomStringConvertible {
    /// The canonical decimal text, e.g. `"18446744073709551616"` or `"-9223372036854775809"`.
    public let decimalText: String

    /// Creates a big integer from decimal text: an optional `-` and at least one digit.
    ///
    /// Leading zeros are removed. Returns `nil` for other text, and for values that fit
    /// in `Int64` (those are ``StateValue/int(_:)``).
    public init?(decimalText text: some StringProtocol) {
        var utf8 = Substring(text).utf8[...]
        let negative = utf8.first == UInt8(ascii: "-")
        if negative { utf8 = utf8.dropFirst() }
        guard !utf8.isEmpty, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let digits = utf8.drop(while: { $0 == 0x30 })
        let canonical = (negative ? "-" : "") + String(decoding: digits, as: UTF8.self)
        guard !digits.isEmpty, Int64(canonical) == nil else { return nil }
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
    /// Returns `nil` when the text is not an optional `-` followed by digits.
    public static func integer(decimalText text: some StringProtocol) -> StateValue? {
        if let small = Int64(text) { return .int(small) }
        return StateBigInt(decimalText: text).map(StateValue.bigInt)
    }
}
