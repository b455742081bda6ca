import LightningState

/// Random state trees for property tests, covering every case of the JSON model: big integers,
/// floats of every bit pattern (NaN, infinities, -0.0, subnormals), strings with escapes, astral
/// characters and lone surrogates, nested arrays and objects with awkward keys.
public enum RandomState {
    /// A random tree at most `depth` levels deep.
    public static func value(depth: Int = 5, using random: inout SeededRandom) -> StateValue {
        let roll = Int.random(in: 0..<100, using: &random)
        if depth == 0 || roll < 60 { return scalar(using: &random) }
        if roll < 74 {
            return .array(StateArray((0..<Int.random(in: 0...6, using: &random)).map { _ in value(depth: depth - 1, using: &random) }))
        }
        if roll < 80 { return .array(numbers(using: &random)) }
        var members = StateObject()
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            members[string(using: &random)] = value(depth: depth - 1, using: &random)
        }
        return .object(members)
    }

    /// A list of 0 to 12 floats (any bit pattern, the edge cases included) or ints, kept as
    /// numbers (``StateArray/init(floats:)``, ``StateArray/init(ints:)``) or as values, at random.
    public static func numbers(using random: inout SeededRandom) -> StateArray {
        let count = Int.random(in: 0...12, using: &random)
        let compact = Bool.random(using: &random)
        if Bool.random(using: &random) {
            let floats = (0..<count).map { _ in
                Bool.random(using: &random) ? Double(bitPattern: random.next()) : specialDoubles.randomElement(using: &random)!
            }
            return compact ? StateArray(floats: floats) : StateArray(floats.map(StateValue.float))
        }
        if compact && Bool.random(using: &random) {
            // Ints a reader keeps narrow (``NarrowInts``): a span of 1, 2, 3 or 4 bytes from anywhere in 64 bits.
            let span = [UInt64(UInt8.max), UInt64(UInt16.max), UInt64(1 << 24 - 1), UInt64(UInt32.max)].randomElement(using: &random)!
            let lowest = Int64.random(in: Int64.min...(Int64.max - Int64(span)), using: &random)
            let count = Int.random(in: NarrowInts.minimumCount...(NarrowInts.minimumCount + 20), using: &random)
            return StateArray(narrowing: (0..<count).map { _ in lowest + Int64(random.next() % (span + 1)) })
        }
        let ints = (0..<count).map { _ in Bool.random(using: &random) ? Int64(bitPattern: random.next()) : Int64.random(in: -200...200, using: &random) }
        return compact ? StateArray(ints: ints) : StateArray(ints.map(StateValue.int))
    }

    /// A random scalar.
    public static func scalar(using random: inout SeededRandom) -> StateValue {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int(Int64.random(in: -1_000...1_000, using: &random))
        case 3: return .int(Int64(bitPattern: random.next()))
        case 4:
            let digits = (0..<Int.random(in: 20...120, using: &random)).map { _ in String(Int.random(in: 0...9, using: &random)) }
            return StateValue.integer(decimalText: (Bool.random(using: &random) ? "-" : "") + "9" + digits.joined())!
        case 5: return .float(Double(bitPattern: random.next()))
        case 6: return .float(specialDoubles.randomElement(using: &random)!)
        case 7: return .float(Double.random(in: -1e6...1e6, using: &random))
        default: return .string(string(using: &random))
        }
    }

    /// Doubles at the edges of Python's repr rules and of the parser's fast paths.
    public static let specialDoubles: [Double] = [
        0.0, -0.0, 1.0, 0.1, 1e-05, 1e-07, 0.0001, 1e15, 1e16, 1e22, 1e23, 1e-300, .greatestFiniteMagnitude,
        .leastNonzeroMagnitude, .leastNormalMagnitude, 0.30000000000000004, 9_007_199_254_740_992.0,
        9_999_999_999_999_998.0, .nan, .infinity, -.infinity, 123456789012345678.0,
    ]

    /// A random string mixing ASCII, control characters, escapes, BMP and astral characters and lone surrogates.
    public static func string(using random: inout SeededRandom) -> StateString {
        var scalars: [UInt32] = []
        for _ in 0..<Int.random(in: 0...8, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5: scalars.append(UInt32.random(in: 0x20...0x7E, using: &random))
            case 5: scalars.append(UInt32.random(in: 0...0x1F, using: &random))
            case 6: scalars.append([0x7F, 0x2028, 0x2029, 0xE9, 0x301, 0xFFFF, 0xE000, 0x22, 0x5C, 0x2F].randomElement(using: &random)!)
            case 7: scalars.append(UInt32.random(in: 0x10000...0x10FFFF, using: &random))
            case 8: scalars.append(UInt32.random(in: 0xD800...0xDFFF, using: &random))
            default: scalars.append(UInt32.random(in: 0x80...0xD7FF, using: &random))
            }
        }
        return StateString(codePoints: scalars)
    }
}
