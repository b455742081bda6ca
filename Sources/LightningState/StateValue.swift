import OrderedCollections

/// The members of a JSON object, in insertion order, with unique keys.
public typealias StateObject = OrderedDictionary<StateString, StateValue>

/// One node of an app's state tree: the value model of Lightning's checkpoint JSON.
///
/// It holds everything Python's `json` module reads and writes, without loss:
/// integers of any size (``StateValue/int(_:)`` for 64-bit values, ``StateValue/bigInt(_:)``
/// beyond), floats kept apart from integers (`1` and `1.0` differ) with `-0.0`, NaN and the
/// infinities, strings compared by code point (``StateString``), arrays, and objects whose key
/// order is preserved.
///
/// ```swift
/// let work: StateValue = ["vars": ["counter": 3, "learning_rate": 0.01], "calls": [:], "changes": [:]]
/// work["vars"]?["counter"]            // .int(3)
/// ```
///
/// Equality is structural and exact: floats compare by value and sign (`-0.0 != 0.0`), every NaN
/// equals every NaN, and objects compare key order too.
public enum StateValue: Sendable {
    /// JSON `null` (Python `None`).
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer that fits in 64 bits.
    case int(Int64)
    /// An integer outside the 64-bit range, as Python writes them.
    case bigInt(StateBigInt)
    /// A float; JSON writes it in Python's shortest `repr` form (`1.0`, `1e-05`, `NaN`).
    case float(Double)
    /// A string.
    case string(StateString)
    /// An array; a list of floats or ints may keep the numbers themselves (``StateArray``).
    case array(StateArray)
    /// An object; its members keep their order.
    case object(StateObject)
}

extension StateValue {
    /// An array of these values, kept as they are (``StateArray/init(_:)``): lets a Swift array
    /// of values be written `.array(values)`.
    @inlinable
    public static func array(_ values: [StateValue]) -> StateValue { .array(StateArray(values)) }

    /// The member for `key` when this is an object; otherwise `nil`.
    @inlinable
    public subscript(key: StateString) -> StateValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    /// The members when this is an object.
    @inlinable
    public var objectValue: StateObject? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements when this is an array.
    @inlinable
    public var arrayValue: StateArray? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The string when this is a string.
    @inlinable
    public var stringValue: StateString? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// A short name of the value's kind, for messages: `"object"`, `"int"`, ….
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension StateValue: Hashable {
    /// Whether two values are the same tree: floats compare by bit pattern, so NaN equals NaN and `-0.0` is not `0.0`; objects compare in key order.
    public static func == (lhs: StateValue, rhs: StateValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.bigInt(let a), .bigInt(let b)): return a == b
        case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    /// Hashes the value as ``==(_:_:)`` compares it.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0 as UInt8)
        case .bool(let value): hasher.combine(1 as UInt8); hasher.combine(value)
        case .int(let value): hasher.combine(2 as UInt8); hasher.combine(value)
        case .bigInt(let value): hasher.combine(3 as UInt8); hasher.combine(value)
        case .float(let value):
            hasher.combine(4 as UInt8)
            hasher.combine(value.isNaN ? Double.nan.bitPattern : value.bitPattern)
        case .string(let value): hasher.combine(5 as UInt8); hasher.combine(value)
        case .array(let value): hasher.combine(6 as UInt8); hasher.combine(value)
        case .object(let value): hasher.combine(7 as UInt8); hasher.combine(value)
        }
    }
}

extension StateValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `nil` is null.
    public init(nilLiteral: ()) { self = .null }
    /// A Boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A float literal.
    public init(floatLiteral value: Double) { self = .float(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(StateString(value)) }
    /// An array literal.
    public init(arrayLiteral elements: StateValue...) { self = .array(StateArray(elements)) }
    /// An object literal, keys in the order written.
    public init(dictionaryLiteral elements: (StateString, StateValue)...) {
        self = .object(StateObject(elements, uniquingKeysWith: { _, last in last }))
    }
}
