import LightningState
import LightningTestSupport
import Testing

@Suite("StateString")
struct StateStringTests {
    @Test("canonically equivalent strings stay distinct, as Python keys do")
    func normalisationIsNotEquality() {
        let composed = StateString("\u{E9}")
        let decomposed = StateString("e\u{301}")
        #expect("\u{E9}" == "e\u{301}")  // Swift's String equality…
        #expect(composed != decomposed)  // …is not the state's.
        #expect(Set([composed, decomposed]).count == 2)
    }

    @Test("orders by code point, not by UTF-16 unit")
    func codePointOrder() {
        let keys: [StateString] = ["\u{1F600}", "\u{FFFF}", "\u{E000}", "b", "a", ""]
        #expect(keys.sorted() == ["", "a", "b", "\u{E000}", "\u{FFFF}", "\u{1F600}"])
        #expect(StateString(codePoints: [0xD800]) < StateString("\u{E000}"))
        #expect(StateString("\u{D7FF}") < StateString(codePoints: [0xD800]))
    }

    @Test("keeps lone surrogates as WTF-8")
    func loneSurrogates() throws {
        let lone = StateString(codePoints: [0x61, 0xD800])
        #expect(lone.hasLoneSurrogates)
        #expect(lone.string == nil)
        #expect(lone.withWTF8 { Array($0) } == [0x61, 0xED, 0xA0, 0x80])
        #expect(lone.displayString == "a\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(lone != StateString("a\u{FFFD}"))
    }

    @Test("pairs of surrogates combine into one code point")
    func pairedSurrogates() {
        let paired = StateString(codePoints: [0xD83D, 0xDE00])
        #expect(paired == StateString("\u{1F600}"))
        #expect(!paired.hasLoneSurrogates)
    }

    @Test("rejects bytes that are not WTF-8", arguments: [
        [0xFF] as [UInt8],
        [0xC0, 0x80],  // overlong
        [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80],  // a surrogate pair must be one 4-byte sequence
        [0xE2, 0x82],  // truncated
        [0xF4, 0x90, 0x80, 0x80],  // beyond U+10FFFF
    ])
    func rejectsMalformed(bytes: [UInt8]) {
        #expect(StateString(wtf8: bytes) == nil)
    }
}
