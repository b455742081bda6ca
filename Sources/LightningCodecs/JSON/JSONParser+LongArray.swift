import LightningState

extension JSONParser {
    /// The element count from which an array is read straight into an array of its exact size,
    /// counted ahead in the text, instead of through the element stack: a list of millions of
    /// values then costs its final size once, not a doubling stack plus a copy.
    static let longArrayElements = 65_536

    /// Reads the rest of an array whose first elements are on the element stack from `base`; the
    /// position is at the start of its next element.
    /// A list of numbers of one kind is kept as numbers (``StateArray``) for as long as it is one.
    mutating func parseLongArrayRest(from base: Int) throws(JSONDecodingError) -> StateArray {
        var elements = elementStack.withUnsafeBufferPointer { StateArray(compacting: $0[base...]) }
        // Every element of a well-formed array takes at least two bytes with its separator, which
        // bounds what a run of bare commas could make the count claim.
        let remaining = min(countRemainingElements(), (input.count - position) / 2 + 1)
        elements.reserveCapacity(elementStack.count - base + remaining)
        elementStack.removeSubrange(base...)
        while true {
            elements.append(try parseValue())
            guard try parseArraySeparator() else { break }
        }
        depth -= 1
        return elements
    }

    /// The number of elements left in the array being read, from the start of its next one: one
    /// more than the commas before its `]`, outside strings and nested containers. A capacity
    /// hint only: on malformed text it returns what it counted, and the parser reports the error.
    func countRemainingElements() -> Int {
        var count = 1
        var nesting = 0
        var index = position
        while index < input.count {
            switch input[index] {
            case UInt8(ascii: "\""):
                index += 1
                while index < input.count, input[index] != UInt8(ascii: "\"") {
                    index += input[index] == UInt8(ascii: "\\") ? 2 : 1
                }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                nesting += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if nesting == 0 { return count }
                nesting -= 1
            case UInt8(ascii: ","):
                if nesting == 0 { count += 1 }
            default:
                break
            }
            index += 1
        }
        return count
    }
}
