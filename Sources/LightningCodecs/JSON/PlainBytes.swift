/// Word-at-a-time scanning of JSON string bodies: how many bytes from a position need no
/// attention — no quote, no backslash, no control character, no DEL (which `ensure_ascii`
/// escapes), and nothing outside ASCII.
///
/// Eight bytes are tested at once with the classic "has a zero byte" bit trick (a byte equal to
/// `c` is a zero byte of `word ^ c…c`); a word that may hold a byte of interest ends the run, and
/// the caller looks at its bytes one by one. The trick can flag a byte next to a real hit, never
/// miss one, so the result is exact where it matters: every byte it counts is plain.
enum PlainBytes {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The number of plain bytes at the start of `bytes[start...]`, counted in whole words; the
    /// caller goes on byte by byte from `start + result`.
    @inline(__always)
    static func run(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var index = start
        while index &+ 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let quote = word ^ (0x22 &* ones)
            let backslash = word ^ (0x5C &* ones)
            let delete = word ^ (0x7F &* ones)
            // Equal to one of the three, below 0x20, or with the high bit set (non-ASCII).
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((delete &- ones) & ~delete)
                | (word &- 0x20 &* ones) | word
            if special & highs != 0 { break }
            index &+= 8
        }
        return index &- start
    }
}
