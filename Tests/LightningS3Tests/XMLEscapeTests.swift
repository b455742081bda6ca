@testable import LightningS3
import Testing

@Suite("XML text in S3 requests")
struct XMLEscapeTests {
    @Test("&, <, > and \" are escaped in text (a combining mark after one changes nothing), every other character kept", arguments: [
        ("\"3858f62230ac3c915f300c664312c11f-9\"", "&quot;3858f62230ac3c915f300c664312c11f-9&quot;"),
        ("a&b<c>d", "a&amp;b&lt;c&gt;d"),
        ("&amp;", "&amp;amp;"),
        ("", ""),
        ("plain-etag_42", "plain-etag_42"),
        ("é<\u{301}ü", "é&lt;\u{301}ü"),
    ])
    func escapes(text: String, escaped: String) {
        #expect(S3Storage.escape(text) == escaped)
    }
}
