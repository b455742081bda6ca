@testable import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

/// Arrays longer than ``JSONParser/longArrayElements`` are counted ahead and read straight into an
/// array of their exact size; the result and the errors must not change.
@Suite("JSON reader: long arrays")
struct JSONLongArrayTests {
    static let length = JSONParser.longArrayElements * 3 + 17

    @Test("a long array of every kind of value, strings holding commas and brackets, reads back", arguments: [false, true])
    func roundTrip(indented: Bool) throws {
        var random = SeededRandom(seed: 11)
        var elements: [StateValue] = []
        for index in 0..<Self.length {
            switch random.next() % 8 {
            case 0: elements.append(.string(StateString("a,]b\\\"c[\(index)")))
            case 1: elements.append([.int(1), ["k,": "]"], []])
            case 2: elements.append(["x": .float(0.5), "y": [.null, .bool(true)]])
            case 3: elements.append(.int(Int64(index)))
            default: elements.append(.float(Double(bitPattern: random.next() >> 2)))
            }
        }
        let value: StateValue = ["vars": ["series": .array(elements), "after": 1]]
        let text = JSONWriter.write(value, options: .init(indent: indented ? 2 : nil))
        #expect(try JSONReader.read(text) == value)
    }

    @Test("the count ahead stops at the array's end, past nested values and strings", arguments: [
        ("1, 2, 3]", 3),
        ("[1, 2], {\"a\": [3, 4]}, \"x,]\\\"y\"] , 9", 3),
        ("\"\\\\\", 2]", 2),
        ("1]", 1),
        ("1, 2", 2),  // unterminated: what was counted
    ])
    func countAhead(text: String, expected: Int) {
        let bytes = Array(text.utf8)
        let count = bytes.withUnsafeBufferPointer { buffer in
            JSONParser(input: buffer, options: .init()).countRemainingElements()
        }
        #expect(count == expected)
    }

    @Test("errors inside and after a long array keep their positions and messages")
    func errors() {
        let prefix = "[" + String(repeating: "1,", count: Self.length)
        func message(_ text: String) -> String? {
            do {
                _ = try JSONReader.read(Array(text.utf8))
                return nil
            } catch {
                return error.description
            }
        }
        let column = prefix.utf8.count + 1
        #expect(message(prefix + "2 3]") == "1:\(column + 2): expected ',' or ']' in an array, found '3'")
        #expect(message(prefix + "2,") == "1:\(column + 2): unexpected end of input: expected a value")
        #expect(message(prefix + "2") == "1:\(column + 1): unexpected end of input inside an array")
        #expect(message(prefix + "\"a,]") == "1:\(column): unterminated string")
        #expect(message(prefix + "2]]") == "1:\(column + 2): extra data after the JSON value")
    }
}
