@testable import LightningState
import LightningTestSupport
import Testing

/// A reader's table of strings gives back every string as it was appended, built or as bytes,
/// across the growth of its first chunks and the ends of the others.
@Suite("A reader's table of strings")
struct StringTableTests {
    /// A random string of `length` bytes: ASCII, multi-byte UTF-8, or holding a lone surrogate.
    static func string(length: Int, using random: inout SeededRandom) -> StateString {
        var bytes: [UInt8] = []
        while bytes.count < length {
            switch (random.next() % 8, length - bytes.count) {
            case (0, 3...): bytes += [0xE6, 0x97, 0xA5]  // 日
            case (1, 3...): bytes += [0xED, 0xA0, 0x80]  // a lone high surrogate
            case (2, 2...): bytes += [0xC3, 0xA9]  // é
            default: bytes.append(UInt8(0x20 + random.next() % 0x5F))
            }
        }
        return StateString(wtf8: bytes)!
    }

    @Test("strings of 0 to 255 bytes read back equal, from a table sized for them, in every chunk", arguments: [1, 2, 3])
    func readsBack(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        // Enough for several chunks of bytes (64 KiB) and of places (4,096), empty strings first and among them.
        let strings = [StateString(""), StateString("")] + (0..<12_000).map { index in
            let length = index % 97 == 0 ? 0 : index % 13 == 0 ? Int(random.next() % 256) : Int(random.next() % 40)
            return Self.string(length: length, using: &random)
        }
        let bytes = strings.reduce(0) { $0 + max(1, $1.wtf8Count) }
        let table = StringTable(maximumBytes: bytes)
        for (place, string) in strings.enumerated() {
            table.append(string)
            // The first string, read while later ones make the first chunks grow.
            #expect(table[0] == strings[0] && table[place] == string)
        }
        #expect(table.count == strings.count)
        for (place, string) in strings.enumerated() {
            let back = table[place]
            #expect(back == string)
            #expect(back.hasLoneSurrogates == string.hasLoneSurrogates)
            #expect(table.withWTF8(at: place) { Array($0) } == string.withWTF8 { Array($0) })
        }
    }

    @Test("a table sized for a tree of n bytes holds n one-byte strings, or strings of the longest length filling its bytes")
    func sizedForTheTree() {
        let ones = StringTable(maximumBytes: 70_000)
        for index in 0..<70_000 { ones.append(StateString(String(UnicodeScalar(UInt8(0x41 + index % 26))))) }
        #expect(ones.count == 70_000 && ones[69_999] == "H" && ones[4_096] == "O")
        let long = String(repeating: "x", count: StringTable.maximumLength)
        let longest = StringTable(maximumBytes: 1_000 * StringTable.maximumLength)
        for _ in 0..<1_000 { longest.append(StateString(long)) }
        #expect(longest.count == 1_000 && longest[999].string == long)
    }

    @Test("an empty string read after a chunk of bytes filled exactly, and first of all")
    func emptyStrings() {
        let table = StringTable(maximumBytes: 70_000)
        table.append("")
        let full = StateString(String(repeating: "x", count: 64))
        for _ in 0..<1_024 { table.append(full) }
        table.append("")
        table.append("after")
        #expect(table[0] == "" && table[1_024] == full && table[1_025] == "" && table[1_026] == "after")
        #expect(table.withWTF8(at: 1_025) { $0.count } == 0)
    }
}
