extension StateValue {
    /// How deeply arrays and objects nest: 0 for a scalar, 1 for `[]`, `{}` or `[1, 2]`, 2 for `[[1]]`.
    ///
    /// The readers refuse a tree nested deeper than their limit (1,024 levels), so a writer checks
    /// this before saving what could not be read back.
    public var nestingDepth: Int {
        switch self {
        case .array(let elements):
            switch elements.storage {
            case .values: break
            // Numbers and places are scalars; records kept by column nest as deep as their deepest member.
            case .floats, .ints, .narrowInts, .pooled: return 1
            case .columns(let columns): return 2 + columns.columns.reduce(0) { Swift.max($0, StateValue.array($1).nestingDepth - 1) }
            }
            var deepest = 0
            for element in elements {
                switch element {
                case .array, .object: deepest = Swift.max(deepest, element.nestingDepth)
                default: continue
                }
            }
            return deepest + 1
        case .object(let members):
            var deepest = 0
            for (_, member) in members {
                switch member {
                case .array, .object: deepest = Swift.max(deepest, member.nestingDepth)
                default: continue
                }
            }
            return deepest + 1
        default:
            return 0
        }
    }
}
