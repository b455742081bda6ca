import LightningState

/// A Swift type that a component can hold as state: it converts to and from a `StateValue`.
///
/// `Int`, `Double`, `String`, `Bool`, `StateValue`, and optionals, arrays and string-keyed
/// dictionaries of these conform. A `Codable` type conforms by declaring it:
/// `extension TrainingConfig: StateConvertible {}` (it is converted through JSON).
public protocol StateConvertible {
    /// Creates a value from its state.
    /// - Throws: ``StateConversionError`` when `state` holds another kind of value.
    init(state: StateValue) throws(StateConversionError)
    /// The value as state.
    var stateValue: StateValue { get }
    /// The value as state for a checkpoint; throws when the value has no faithful state (a `Codable`
    /// value holding a non-finite float, which JSON cannot hold), so that a save fails naming the
    /// var instead of writing something else. The default returns ``stateValue``.
    func checkpointState() throws(StateConversionError) -> StateValue
}

extension StateConvertible {
    /// The state to save: ``stateValue``, unless the type has values that no checkpoint can hold.
    public func checkpointState() throws(StateConversionError) -> StateValue { stateValue }
}

/// A state value that does not convert to the Swift type asked for.
public struct StateConversionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The Swift type asked for.
    public let expected: String
    /// What the state held, e.g. `a float` or `the string "x"`.
    public let found: String

    /// Creates an error for a state value that is not the kind `expected` names ("a String").
    public init(expected: String, found: StateValue) {
        self.expected = expected
        switch found {
        case .string(let text): self.found = "the string \"\(text.displayString)\""
        case .int(let value): self.found = "the int \(value)"
        case .bigInt(let value): self.found = "the int \(value)"
        case .float(let value): self.found = "the float \(value)"
        case .bool(let value): self.found = "\(value)"
        case .null: self.found = "null"
        case .array: self.found = "an array"
        case .object: self.found = "an object"
        }
    }

    init(expected: String, detail: String) {
        self.expected = expected
        self.found = detail
    }

    /// The one-line message: `expected a String, found the int 3`.
    public var description: String { "expected \(expected), found \(found)" }
}

extension StateValue: StateConvertible {
    /// The value itself.
    public init(state: StateValue) { self = state }
    /// The value itself.
    public var stateValue: StateValue { self }
}

extension Int: StateConvertible {
    /// Converts a saved value; throws when it is of another kind or out of range.
    public init(state: StateValue) throws(StateConversionError) {
        guard case .int(let value) = state, let converted = Int(exactly: value) else {
            throw StateConversionError(expected: "an Int", found: state)
        }
        self = converted
    }
    /// The value as checkpoint state.
    public var stateValue: StateValue { .int(Int64(self)) }
    /// The value as checkpoint state, directly (not through the `Codable` default, which would
    /// encode it as JSON).
    public func checkpointState() -> StateValue { stateValue }
}

extension Double: StateConvertible {
    /// Accepts floats and, as Python code often assigns `1` to a float var, integers.
    public init(state: StateValue) throws(StateConversionError) {
        switch state {
        case .float(let value): self = value
        case .int(let value): self = Double(value)
        default: throw StateConversionError(expected: "a Double", found: state)
        }
    }
    /// The value as checkpoint state.
    public var stateValue: StateValue { .float(self) }
    /// The value as checkpoint state, directly (not through the `Codable` default, which would
    /// encode it as JSON).
    public func checkpointState() -> StateValue { stateValue }
}

extension Bool: StateConvertible {
    /// Converts a saved value; throws when it is of another kind or out of range.
    public init(state: StateValue) throws(StateConversionError) {
        guard case .bool(let value) = state else { throw StateConversionError(expected: "a Bool", found: state) }
        self = value
    }
    /// The value as checkpoint state.
    public var stateValue: StateValue { .bool(self) }
    /// The value as checkpoint state, directly (not through the `Codable` default, which would
    /// encode it as JSON).
    public func checkpointState() -> StateValue { stateValue }
}

extension String: StateConvertible {
    /// Converts a saved value; throws when it is of another kind or out of range.
    public init(state: StateValue) throws(StateConversionError) {
        guard case .string(let text) = state else { throw StateConversionError(expected: "a String", found: state) }
        guard let string = text.string else {
            throw StateConversionError(expected: "a String", detail: "a string with a lone surrogate (use StateString)")
        }
        self = string
    }
    /// The value as checkpoint state.
    public var stateValue: StateValue { .string(StateString(self)) }
    /// The value as checkpoint state, directly (not through the `Codable` default, which would
    /// encode it as JSON).
    public func checkpointState() -> StateValue { stateValue }
}

extension StateString: StateConvertible {
    /// Converts a saved value; throws when it is of another kind or out of range.
    public init(state: StateValue) throws(StateConversionError) {
        guard case .string(let text) = state else { throw StateConversionError(expected: "a string", found: state) }
        self = text
    }
    /// The value as checkpoint state.
    public var stateValue: StateValue { .string(self) }
}

extension Optional: StateConvertible where Wrapped: StateConvertible {
    /// Converts a saved value; throws when it is of another kind or out of range.
    public init(state: StateValue) throws(StateConversionError) {
        self = state == .null ? nil : try Wrapped(state: state)
    }
    /// The wrapped value's state, or null.
    public var stateValue: StateValue { map(\.stateValue) ?? .null }
    /// The state to save, checked element by element.
    public func checkpointState() throws(StateConversionError) -> StateValue {
        guard let self else { return .null }
        return try self.checkpointState()
    }
}

extension Array: StateConvertible where Element: StateConvertible {
    /// Converts a saved value; throws when it is of another kind or out of range. A `[Double]` of
    /// floats kept as numbers (a snapshot's, another `[Double]`'s) shares their storage; an `[Int]`
    /// of ints kept as numbers is copied from them in one pass.
    public init(state: StateValue) throws(StateConversionError) {
        guard case .array(let elements) = state else { throw StateConversionError(expected: "an array", found: state) }
        switch elements.storage {
        case .floats(let floats) where Element.self == Double.self:
            self = unsafeBitCast(floats, to: [Element].self)  // the same type: checked above
        case .ints(let ints) where Element.self == Int.self && Int.bitWidth == Int64.bitWidth:
            self = Self.converting(ints)
        case .narrowInts(let ints) where Element.self == Int.self && Int.bitWidth == Int64.bitWidth:
            self = Self.converting(ints)
        default:
            var result: [Element] = []
            result.reserveCapacity(elements.count)
            // Strings that repeat in a snapshot's list are built once, and shared.
            try elements.forEachElement { (element) throws(StateConversionError) in result.append(try Element(state: element)) }
            self = result
        }
    }

    /// Ints kept as numbers, as an `[Int]`.
    /// - Precondition: `Element` is `Int`, of 64 bits.
    private static func converting(_ ints: some Collection<Int64>) -> [Element] {
        unsafeBitCast(ints.map { Int(truncatingIfNeeded: $0) }, to: [Element].self)  // the same type: checked by the caller
    }

    /// The elements' states, in order; a `[Double]` is kept as its floats (sharing the array's
    /// storage), an `[Int]` as 64-bit ints (`StateArray`).
    public var stateValue: StateValue {
        if let compact = compactState { return compact }
        return .array(map(\.stateValue))
    }
    /// The state to save, checked element by element.
    public func checkpointState() throws(StateConversionError) -> StateValue {
        if let compact = compactState { return compact }
        var elements: [StateValue] = []
        elements.reserveCapacity(count)
        for element in self { elements.append(try element.checkpointState()) }
        return .array(elements)
    }

    /// The elements' states, as `stateValue` holds them.
    var stateArray: StateArray {
        guard case .array(let elements) = stateValue else { preconditionFailure("an array's state is an array") }
        return elements
    }

    /// The state of a `[Double]` or an `[Int]`, its numbers kept as numbers; otherwise `nil`.
    private var compactState: StateValue? {
        if Element.self == Double.self {
            return .array(StateArray(floats: unsafeBitCast(self, to: [Double].self)))  // the same type: checked above
        }
        if Element.self == Int.self {
            return .array(StateArray(ints: unsafeBitCast(self, to: [Int].self).map { Int64($0) }))
        }
        return nil
    }
}

extension Dictionary: StateConvertible where Key == String, Value: StateConvertible {
    /// Dictionaries are written with their keys sorted, so that the same value gives the same state.
    public init(state: StateValue) throws(StateConversionError) {
        guard case .object(let members) = state else { throw StateConversionError(expected: "an object", found: state) }
        var result: [String: Value] = [:]
        for (key, member) in members {
            guard let name = key.string else {
                throw StateConversionError(expected: "an object with String keys", detail: "a key with a lone surrogate")
            }
            result[name] = try Value(state: member)
        }
        self = result
    }
    /// The value as checkpoint state.
    public var stateValue: StateValue {
        let keys = sortedKeys
        return .object(StateObject(uncheckedUniqueKeys: keys.map { StateString($0) }, values: keys.map { self[$0]!.stateValue }))
    }
    /// The state to save, checked element by element.
    public func checkpointState() throws(StateConversionError) -> StateValue {
        let keys = sortedKeys
        var values: [StateValue] = []
        values.reserveCapacity(keys.count)
        for key in keys { values.append(try self[key]!.checkpointState()) }
        return .object(StateObject(uncheckedUniqueKeys: keys.map { StateString($0) }, values: values))
    }

    /// The keys in the order the state lists them. (Sorting the keys alone, not the key-value
    /// pairs, keeps the sort free of the value's type.)
    var sortedKeys: [String] { keys.sorted() }
}
