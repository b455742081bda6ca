import LightningState

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The recursive-descent parser behind ``JSONReader``: a cursor over the input bytes.
struct JSONParser {
    let input: UnsafeBufferPointer<UInt8>
    let options: JSONReader.Options
    var position = 0
    var depth = 0
    /// Scratch space for strings with escapes, reused across strings.
    var scratch: [UInt8] = []
    /// The elements of the arrays being parsed, innermost last: each array is built at its exact
    /// size when it closes, instead of growing by doubling (which leaves up to half its capacity unused).
    var elementStack: [StateValue] = []
    /// The members of the objects being parsed, innermost last: an object of a few members is built
    /// when it closes, with the keys of its shape shared (``KeyShapes``).
    var memberKeys: [StateString] = []
    var memberValues: [StateValue] = []
    var shapes = KeyShapes()

    init(input: UnsafeBufferPointer<UInt8>, options: JSONReader.Options) {
        self.input = input
        self.options = options
    }

    mutating func parseDocument() throws(JSONDecodingError) -> StateValue {
        if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF {
            throw error(at: 0, "unexpected UTF-8 byte-order mark (Python's json refuses it)")
        }
        skipWhitespace()
        guard position < input.count else {
            throw error(at: position, input.isEmpty ? "empty input: expected a JSON value" : "expected a JSON value, found only whitespace")
        }
        let value = try parseValue()
        skipWhitespace()
        if position < input.count {
            throw error(at: position, "extra data after the JSON value")
        }
        return value
    }

    // MARK: - Values

    mutating func parseValue() throws(JSONDecodingError) -> StateValue {
        guard position < input.count else { throw error(at: position, "unexpected end of input: expected a value") }
        switch input[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .float(.nan)
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .float(.infinity)
        default: throw error(at: position, "expected a value, found \(describeByte(at: position))")
        }
    }

    mutating func enterContainer() throws(JSONDecodingError) {
        depth += 1
        if depth > options.maxDepth {
            throw error(at: position, "nesting deeper than \(options.maxDepth) levels")
        }
    }

    mutating func parseObject() throws(JSONDecodingError) -> StateValue {
        try enterContainer()
        position += 1
        skipWhitespace()
        if position < input.count, input[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object([:])
        }
        // A few members gather on the stacks, and the object is built when it closes; past
        // ``sharedShapeMembers``, the object is built then, and takes the rest as they come.
        let base = memberKeys.count
        var large: StateObject?
        defer {
            memberKeys.removeSubrange(base...)
            memberValues.removeSubrange(base...)
        }
        while true {
            guard position < input.count else { throw error(at: position, "unexpected end of input inside an object") }
            guard input[position] == UInt8(ascii: "\"") else {
                throw error(at: position, "expected a string key in double quotes, found \(describeByte(at: position))")
            }
            let key = try parseString()
            skipWhitespace()
            guard position < input.count, input[position] == UInt8(ascii: ":") else {
                throw error(at: position, "expected ':' after an object key, found \(describeByte(at: position))")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            if large != nil {
                large?.updateValue(value, forKey: key)
            } else {
                memberKeys.append(key)
                memberValues.append(value)
                if memberKeys.count - base > Self.sharedShapeMembers {
                    large = dictionary(from: base)
                    memberKeys.removeSubrange(base...)
                    memberValues.removeSubrange(base...)
                }
            }
            skipWhitespace()
            guard position < input.count else { throw error(at: position, "unexpected end of input inside an object") }
            let byte = input[position]
            position += 1
            if byte == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if byte == UInt8(ascii: "}") { break }
            throw error(at: position - 1, "expected ',' or '}' in an object, found \(describeByte(at: position - 1))")
        }
        depth -= 1
        if let large { return .object(large) }
        guard let keys = shapes.keys(memberKeys[base...]) else { return .object(dictionary(from: base)) }
        // Copied through a buffer pointer, as the arrays are (see `parseArray`).
        return .object(StateObject(uncheckedUniqueKeys: keys, values: memberValues.withUnsafeBufferPointer { ContiguousArray($0[base...]) }))
    }

    /// The most members an object may have to be built with its shape's shared keys (``KeyShapes``),
    /// checked for a repeat pairwise: as many as `OrderedDictionary` itself looks up without hashing.
    static let sharedShapeMembers = 15

    /// The members on the stacks from `base` on as a dictionary, as Python's `dict` makes it: a
    /// repeated key keeps its first place and takes its last value.
    func dictionary(from base: Int) -> StateObject {
        var members = StateObject(minimumCapacity: memberKeys.count - base)
        for index in base..<memberKeys.count { members.updateValue(memberValues[index], forKey: memberKeys[index]) }
        return members
    }

    mutating func parseArray() throws(JSONDecodingError) -> StateValue {
        try enterContainer()
        position += 1
        skipWhitespace()
        if position < input.count, input[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array([])
        }
        let base = elementStack.count
        defer { elementStack.removeSubrange(base...) }
        while true {
            elementStack.append(try parseValue())
            guard try parseArraySeparator() else { break }
            if elementStack.count - base == Self.longArrayElements {
                return .array(try parseLongArrayRest(from: base))
            }
        }
        depth -= 1
        // Copied through a buffer pointer: an array made from a slice of the whole stack would share
        // (and keep alive) the stack's large buffer. Numbers of one kind are kept as numbers, even
        // a few: 8 bytes each, not 24 (the snapshot reader does the same).
        return .array(elementStack.withUnsafeBufferPointer { StateArray(compacting: $0[base...]) })
    }

    /// Reads what follows an array element: `true` after a `,` (and the whitespace after it),
    /// `false` after the closing `]`.
    mutating func parseArraySeparator() throws(JSONDecodingError) -> Bool {
        skipWhitespace()
        guard position < input.count else { throw error(at: position, "unexpected end of input inside an array") }
        let byte = input[position]
        position += 1
        if byte == UInt8(ascii: ",") {
            skipWhitespace()
            return true
        }
        if byte == UInt8(ascii: "]") { return false }
        throw error(at: position - 1, "expected ',' or ']' in an array, found \(describeByte(at: position - 1))")
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONDecodingError) {
        let count = literal.utf8CodeUnitCount
        let matches = position + count <= input.count
            && (0..<count).allSatisfy { input[position + $0] == literal.utf8Start[$0] }
        guard matches else { throw error(at: position, "expected a value, found \(describeByte(at: position))") }
        position += count
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    // MARK: - Errors

    func error(at offset: Int, _ message: String) -> JSONDecodingError {
        JSONDecodingError(offset: offset, in: input, message: message)
    }

    func describeByte(at offset: Int) -> String {
        guard offset < input.count else { return "end of input" }
        let byte = input[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true).leftPadded(to: 2))"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
