#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives back to the system the pages of an array that a load has read for the last time while the
/// array lives on: a snapshot file's bytes until every block is inflated, a list of ints while it
/// is narrowed (``NarrowInts``).
///
/// Unlike ``PassedPages``, the memory is the array's, from the allocator, which uses it again once
/// the array is let go: so the advice is one after which the pages are simply filled again when
/// next written (Linux's `MADV_DONTNEED`, which reads them back as zeros; Darwin's `MADV_FREE`), and
/// no page loses its access, even in a debug build.
enum FilePages {
    /// Gives back the whole pages among `bytes`, memory its owner alone holds and will not read again.
    /// - Returns: The bytes given back.
    @discardableResult
    static func giveBack(pagesWithin bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let first = PassedPages.roundedUp(Int(bitPattern: base))
        let last = PassedPages.roundedDown(Int(bitPattern: base + bytes.count))
        guard last > first, let pages = UnsafeMutableRawPointer(bitPattern: first) else { return 0 }
        #if canImport(Darwin)
        let advice = MADV_FREE
        #else
        let advice = MADV_DONTNEED
        #endif
        // Advice only: should the system decline, the pages stay until the array is let go.
        _ = madvise(pages, last - first, advice)
        return last - first
    }
}
