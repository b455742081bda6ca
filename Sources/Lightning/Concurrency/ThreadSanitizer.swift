#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The thread sanitizer's annotations, when the process runs under it (`--sanitize=thread`), so
/// that synchronization done in code it does not instrument — `Synchronization.Mutex` — is seen
/// as such; nothing otherwise (one load and a test of `nil`).
enum ThreadSanitizer {
    private typealias Annotation = @convention(c) (UnsafeMutableRawPointer?) -> Void

    private static let acquireFunction = lookUp("__tsan_acquire")
    private static let releaseFunction = lookUp("__tsan_release")

    /// Records that the caller now holds what `address` stands for: what its last releaser did
    /// happens before what follows.
    static func acquire(_ address: UnsafeMutableRawPointer) {
        acquireFunction?(address)
    }

    /// Records that the caller gives up what `address` stands for.
    static func release(_ address: UnsafeMutableRawPointer) {
        releaseFunction?(address)
    }

    private static func lookUp(_ symbol: String) -> Annotation? {
        // The sanitizer's runtime is linked into the executable and exports its interface.
        #if canImport(Darwin)
        let everywhere = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT
        #else
        let everywhere: UnsafeMutableRawPointer? = nil  // RTLD_DEFAULT
        #endif
        return dlsym(everywhere, symbol).map { unsafeBitCast($0, to: Annotation.self) }
    }
}
