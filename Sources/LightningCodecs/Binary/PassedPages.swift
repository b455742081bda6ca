#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory for a stream that its reader goes through front to back: the whole pages behind the
/// reader are given back to the system while the rest is still being read, so that a load's peak
/// does not hold both every inflated byte and the whole state built from them.
///
/// The memory is mapped on its own (page-aligned, zero until written). A released page reads as
/// zeros afterwards, so a part is released only once nothing will read it again.
struct PassedPages {
    let bytes: UnsafeMutableBufferPointer<UInt8>
    private let mapped: Int

    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps `count` bytes; `nil` when the system refuses them.
    init?(count: Int) {
        guard count > 0 else {
            bytes = UnsafeMutableBufferPointer(start: nil, count: 0)
            mapped = 0
            return
        }
        let length = Self.roundedUp(count)
        guard let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              address != MAP_FAILED
        else { return nil }
        bytes = UnsafeMutableBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: count)
        mapped = length
    }

    /// Gives back the whole pages inside `range` (bytes the reader has passed).
    /// - Returns: Where the caller's next range starts: the end of the pages released, or
    ///   `range.lowerBound` when no whole page was inside.
    func release(_ range: Range<Int>) -> Int {
        let start = Self.roundedUp(range.lowerBound)
        let end = range.upperBound >= bytes.count ? mapped : Self.roundedDown(range.upperBound)
        guard end > start, let base = bytes.baseAddress else { return range.lowerBound }
        #if canImport(Darwin)
        let advice = MADV_FREE
        #else
        let advice = MADV_DONTNEED
        #endif
        // Advice only: should the system decline, the pages stay until `unmap`.
        _ = madvise(UnsafeMutableRawPointer(base + start), end - start, advice)
        return end
    }

    /// Unmaps the memory; nothing may read it after.
    func unmap() {
        guard let base = bytes.baseAddress else { return }
        munmap(UnsafeMutableRawPointer(base), mapped)
    }

    private static func roundedUp(_ offset: Int) -> Int { (offset + pageSize - 1) / pageSize * pageSize }
    private static func roundedDown(_ offset: Int) -> Int { offset / pageSize * pageSize }
}
