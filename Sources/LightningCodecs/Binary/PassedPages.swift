#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory for a stream that its reader goes through front to back: the whole pages behind the
/// reader are given back to the system while the rest is still being read, so that a load's peak
/// does not hold both every inflated byte and the whole state built from them.
///
/// The memory is mapped on its own and unmapped when the value ends. Nothing may read a part
/// after releasing it: on Linux it reads as zeros, on Darwin as whatever it held or zeros. A debug
/// build makes such a read trap instead — released pages lose all access, and the bytes end
/// where an inaccessible page begins — so the fuzzers and tests catch a reader that goes back or
/// past the end.
struct PassedPages: ~Copyable {
    let bytes: UnsafeMutableBufferPointer<UInt8>
    private let mapping: UnsafeMutableRawPointer?
    private let mappingLength: Int

    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps `count` bytes.
    /// - Throws: ``SnapshotError`` when the system refuses the memory, with its reason.
    init(count: Int, for what: String) throws(SnapshotError) {
        guard count > 0 else {
            bytes = UnsafeMutableBufferPointer(start: nil, count: 0)
            mapping = nil
            mappingLength = 0
            return
        }
        #if DEBUG
        // A page of no access after the bytes, which end right where it starts.
        let guardLength = Self.pageSize
        #else
        let guardLength = 0
        #endif
        let length = Self.roundedUp(count) + guardLength
        guard let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), address != MAP_FAILED else {
            throw .memory(count, for: what, errno: errno)
        }
        #if DEBUG
        mprotect(address + (length - guardLength), guardLength, PROT_NONE)
        #endif
        let start = address + (length - guardLength - count)
        bytes = UnsafeMutableBufferPointer(start: start.bindMemory(to: UInt8.self, capacity: count), count: count)
        mapping = address
        mappingLength = length
    }

    deinit {
        if let mapping { munmap(mapping, mappingLength) }
    }

    /// Gives back the whole pages among the bytes from offset `start` to `end` (bytes the reader
    /// has passed, and will not read again).
    /// - Returns: Where the caller's next release starts: the end of the pages released, or
    ///   `start` when no whole page was among the bytes.
    func release(from start: Int, to end: Int) -> Int {
        guard let base = bytes.baseAddress, end > start else { return start }
        let first = Self.roundedUp(Int(bitPattern: base + start))
        // The last page also holds nothing else past the end: it goes too.
        let last = end >= bytes.count ? Self.roundedUp(Int(bitPattern: base + bytes.count)) : Self.roundedDown(Int(bitPattern: base + end))
        guard last > first, let pages = UnsafeMutableRawPointer(bitPattern: first) else { return start }
        #if canImport(Darwin)
        // MADV_FREE_REUSABLE, unlike MADV_FREE, takes the pages out of the process's footprint at once.
        let advice = MADV_FREE_REUSABLE
        #else
        let advice = MADV_DONTNEED
        #endif
        // Advice only: should the system decline, the pages stay until the value ends.
        _ = madvise(pages, last - first, advice)
        #if DEBUG
        mprotect(pages, last - first, PROT_NONE)
        #endif
        return min(bytes.count, last - Int(bitPattern: base))
    }

    static func roundedUp(_ value: Int) -> Int { (value + pageSize - 1) / pageSize * pageSize }
    static func roundedDown(_ value: Int) -> Int { value / pageSize * pageSize }
}
