#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread of the app's own, for work that blocks (writing checkpoints, renewing a lease, running
/// a work in parallel), kept off Swift's cooperative pool: a POSIX thread, detached, that runs one
/// closure and ends.
package enum OwnedThread {
    /// The stack of a thread that runs flows and works, which may recurse as deep as on a main thread.
    package static let deepStack = 8 << 20

    /// Starts a detached thread named `name` (its first 15 bytes, all Linux keeps: a short name says
    /// most) running `body`, on a stack of `stackSize` bytes when given (else the system's default).
    /// - Precondition: the system has room for another thread; running out of threads is not a
    ///   condition the app can go on from.
    package static func start(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Context(name: name, body: body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if let stackSize { precondition(pthread_attr_setstacksize(&attributes, stackSize) == 0, "\(name): no stack of \(stackSize) bytes") }
        let result = pthread_create(&thread, &attributes, { context in
            // Optional on Linux, not on Darwin: the cast makes one spelling for both.
            let context = Unmanaged<Context>.fromOpaque((context as UnsafeMutableRawPointer?)!).takeRetainedValue()
            context.nameCurrentThread()
            context.body()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<Context>.fromOpaque(context).release()
            fatalError("cannot start the thread \(name): \(SystemError.message(for: result))")
        }
        #if canImport(Darwin)
        pthread_detach(thread!)
        #else
        pthread_detach(thread)
        #endif
    }

    /// Blocks the calling thread, one of the app's own, for `seconds` (none when not positive; at
    /// most 2^31 seconds, 68 years).
    package static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        let capped = min(seconds, 0x1p31)
        let whole = capped.rounded(.down)
        var request = timespec(tv_sec: Int(whole), tv_nsec: Int((capped - whole) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR {
            request = remaining
        }
    }

    private final class Context {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }

        /// Names the thread for debuggers and `top -H`; a name the system refuses is no failure.
        func nameCurrentThread() {
            #if canImport(Darwin)
            _ = pthread_setname_np(String(decoding: name.utf8.prefix(63), as: UTF8.self))
            #else
            // What `pthread_setname_np` does, which Glibc's module does not bring into Swift.
            let file = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            guard file >= 0 else { return }
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            close(file)
            #endif
        }
    }
}
