#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why bytes are not a readable binary snapshot.
///
/// The ``description`` is one line, stable and tested, e.g.
/// `truncated: the file is 17 bytes, shorter than the 72 of an empty snapshot` or
/// `checksum mismatch: the file is corrupt (stored 0x1a2b3c4d, computed 0x00ff00ff)`.
public struct SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case notASnapshot, unsupportedVersion, truncated, checksum, malformed, limit, compression, nesting, timeout, memory
    }

    private let code: Code
    /// The one-line message.
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Whether the bytes are not a snapshot at all (no magic), as opposed to a damaged one.
    public var isForeign: Bool { code == .notASnapshot }

    static func notASnapshot() -> Self { .init(.notASnapshot, "not a binary snapshot (no snapshot signature)") }
    static func unsupportedVersion(_ version: UInt16, checksumMatches: Bool) -> Self {
        let unsupported = "snapshot format version \(version) is not supported (this build reads versions \(SnapshotFormat.readableVersions.listed))"
        return .init(.unsupportedVersion, checksumMatches ? unsupported : unsupported + ", and its checksum does not match: the file is damaged (a newer build's file would pass it)")
    }
    static func noEndSignature() -> Self { .init(.truncated, "no end signature: the file was cut short, damaged, or has bytes after its end") }
    static func truncated(_ detail: String) -> Self { .init(.truncated, "truncated: \(detail)") }
    static func checksum(stored: UInt32, computed: UInt32) -> Self {
        .init(.checksum, "checksum mismatch: the file is corrupt (stored 0x\(hex(stored)), computed 0x\(hex(computed)))")
    }
    static func malformed(_ detail: String, offset: Int) -> Self { .init(.malformed, "malformed at byte \(offset): \(detail)") }
    /// A delta's edit list that the grammar of edits refuses (it decoded as a value: no byte is at fault).
    static func malformedDelta(_ detail: String) -> Self { .init(.malformed, "malformed delta: \(detail)") }
    static func limit(_ detail: String) -> Self { .init(.limit, "over a limit: \(detail)") }
    /// The system refused memory (`errno` from the call that asked for it).
    static func memory(_ bytes: Int, for what: String, errno: Int32) -> Self {
        .init(.memory, "out of memory: the system refused \(bytes) bytes for \(what) (\(String(cString: strerror(errno))))")
    }
    static func compression(_ detail: String) -> Self { .init(.compression, "zlib: \(detail)") }
    static func nesting(_ depth: Int, limit: Int) -> Self {
        .init(.nesting, "the state nests \(depth) levels deep, deeper than the \(limit) a reader accepts")
    }
    /// The same error, naming the block it happened in when it is zlib's (`zlib: block 3 (tree
    /// stream): corrupt compressed data (…)`).
    func inBlock(_ index: Int, of stream: SnapshotFormat.Stream) -> Self {
        guard code == .compression, description.hasPrefix("zlib: ") else { return self }
        return .init(.compression, "zlib: block \(index) (\(stream == .tree ? "tree" : "float") stream): " + description.dropFirst(6))
    }

    /// A wait on another thread's work that passed its deadline.
    static func timeout(_ detail: String) -> Self { .init(.timeout, "timed out: \(detail)") }
    /// Whether a wait on another thread's work passed its deadline.
    var isTimeout: Bool { code == .timeout }
    /// For a failure of the machine rather than of the bytes — memory refused, a wait past its
    /// deadline — the C library's error number that says so (`ENOMEM`, `ETIMEDOUT`); `nil` for a
    /// file that is not a readable snapshot.
    package var systemErrno: Int32? {
        switch code {
        case .memory: ENOMEM
        case .timeout: ETIMEDOUT
        default: nil
        }
    }
    /// Whether a writer refused a state nested deeper than a reader accepts.
    public var isTooDeep: Bool { code == .nesting }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

extension ClosedRange<UInt16> {
    /// The versions as a message lists them: `1, 2 and 3`.
    fileprivate var listed: String {
        let names = map(String.init)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
