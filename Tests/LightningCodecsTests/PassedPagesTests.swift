@testable import LightningCodecs
import Testing

/// The memory a load gives back page by page as its decoder passes it.
@Suite("Passed pages")
struct PassedPagesTests {
    @Test("only whole pages inside a range are let go; the bytes around them stay; each release starts where the last one ended")
    func release() throws {
        let page = PassedPages.pageSize
        let count = 10 * page + 100
        let pages = try #require(PassedPages(count: count))
        defer { pages.unmap() }
        for index in 0..<count { pages.bytes[index] = UInt8(truncatingIfNeeded: index % 251 + 1) }
        // Less than a page: nothing let go, the next range starts where this one did.
        #expect(pages.release(100..<4000) == 100)
        // From byte 100 to 3 pages and a bit: pages 1 and 2 (page 0 holds bytes before 100).
        #expect(pages.release(100..<3 * page + 10) == 3 * page)
        #if os(Linux)
        #expect(pages.bytes[page..<3 * page].allSatisfy { $0 == 0 })
        #endif
        for index in Array(0..<page) + Array(3 * page..<count) {
            #expect(pages.bytes[index] == UInt8(truncatingIfNeeded: index % 251 + 1))
        }
        // Through the end: the last, partial page too.
        #expect(pages.release(3 * page..<count) > count)
        #if os(Linux)
        #expect(pages.bytes[3 * page..<count].allSatisfy { $0 == 0 })
        #endif
    }

    @Test("an empty stream maps nothing, and releasing or unmapping it does nothing")
    func empty() throws {
        let pages = try #require(PassedPages(count: 0))
        #expect(pages.bytes.isEmpty)
        #expect(pages.release(0..<0) == 0)
        pages.unmap()
    }
}
