import LightningCodecs
import LightningState

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a checkpoint could not be found, read or written.
///
/// The ``description`` is one line that names the file (or the storage folder) and the problem:
/// `ckpt.json:3:14: expected ':' after an object key`,
/// `ckpt.json: root.flows.a.works.w: missing "calls"`,
/// `no checkpoint named 'nope' in .storage/checkpoints (there are: lightningapp_checkpoint_1665501626)`.
/// ``code`` tells the kinds of failure apart for code that reacts to them.
public struct CheckpointStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    ///
    /// A struct with static members, as swift-nio's errors are, so that new kinds can be added
    /// without breaking a caller's `switch`. Compare with `==` (`error.code == .notFound`,
    /// `error.code == .io(errno: ENOSPC)`), or read ``errno`` and ``httpStatus``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        package enum Kind: String, Hashable, Sendable {
            case io, refused, notFound, noCheckpoints, corrupt, layout, encoding, lockHeld, invalidArgument
        }

        /// The kind, for the package's own `switch`es.
        package let kind: Kind
        /// For ``io(errno:)``: the C library's error number, when there is one.
        public let errno: Int32?
        /// For ``refused(status:)``: the HTTP status the object store answered.
        public let httpStatus: Int?

        private init(_ kind: Kind, errno: Int32? = nil, httpStatus: Int? = nil) {
            self.kind = kind
            self.errno = errno
            self.httpStatus = httpStatus
        }

        /// The storage failed an operation; `errno` is the C library's error number when there is one.
        /// Trying again may succeed.
        public static func io(errno: Int32?) -> Code { Code(.io, errno: errno) }
        /// An object store refused the request with this HTTP status (bad credentials, no such
        /// bucket, access denied): trying again will not help.
        public static func refused(status: Int) -> Code { Code(.refused, httpStatus: status) }
        /// No checkpoint has the name asked for.
        public static let notFound = Code(.notFound)
        /// `latest` was asked for, and the storage holds no checkpoint.
        public static let noCheckpoints = Code(.noCheckpoints)
        /// The bytes are not a valid checkpoint: bad JSON, a damaged or truncated snapshot, a broken chain.
        public static let corrupt = Code(.corrupt)
        /// The state does not have Lightning's layout.
        public static let layout = Code(.layout)
        /// The state cannot be written in the format asked for (a value the reader would refuse).
        public static let encoding = Code(.encoding)
        /// Another app holds the storage's writer lock.
        public static let lockHeld = Code(.lockHeld)
        /// The request itself is wrong (a JSON checkpoint to compact, a retention of no checkpoints).
        public static let invalidArgument = Code(.invalidArgument)

        /// Whether this is a failure of the storage itself (``io(errno:)``), whatever its `errno`.
        public var isIO: Bool { kind == .io }

        /// The code as its static member is written: `io(errno: 28)`, `refused(status: 403)`, `notFound`.
        public var description: String {
            switch kind {
            case .io: "io(errno: \(errno.map(String.init) ?? "nil"))"
            case .refused: "refused(status: \(httpStatus ?? 0))"
            default: kind.rawValue
            }
        }
    }

    /// The file or folder concerned, as the storage names it.
    public let path: String
    /// What kind of failure this is.
    public let code: Code
    /// The one-line message.
    public let description: String
    /// Whether the storage already tried the operation again on its own (an object store's client
    /// retries transient failures with pauses): the app then does not retry it once more, which
    /// would multiply the storage's worst case.
    package let alreadyRetried: Bool

    package init(path: String, problem: String, code: Code = .corrupt, alreadyRetried: Bool = false) {
        self.path = path
        self.code = code
        self.description = "\(path): \(problem)"
        self.alreadyRetried = alreadyRetried
    }

    private init(path: String, code: Code, description: String, alreadyRetried: Bool = false) {
        self.path = path
        self.code = code
        self.description = description
        self.alreadyRetried = alreadyRetried
    }

    /// Whether trying the same operation again may succeed: storage failures, not bad data, a
    /// refusal or a missing object.
    public var isTransient: Bool {
        code.isIO && code.errno != ENOENT
    }

    /// Whether the storage reported that the object does not exist (`ENOENT`; an object store's 404).
    public var isMissingObject: Bool { code == .io(errno: ENOENT) }

    static func syntax(_ error: JSONDecodingError, in path: String) -> Self {
        CheckpointStoreError(path: path, code: .corrupt, description: "\(path):\(error)")
    }

    static func layout(_ error: CheckpointLayoutError, in path: String) -> Self {
        CheckpointStoreError(path: path, problem: error.description, code: .layout)
    }

    /// A C library call failed with `errno`: `<path>: <operation> failed: <strerror>`.
    package static func system(_ operation: String, path: String, errno code: Int32) -> Self {
        CheckpointStoreError(path: path, problem: "\(operation) failed: \(SystemError.message(for: code))", code: .io(errno: code))
    }

    static func notFound(_ name: String, in folder: String, available: [String]) -> Self {
        let shown = 10
        let list = available.isEmpty ? "it holds no checkpoints"
            : available.count <= shown ? "there are: \(available.joined(separator: ", "))"
            : "it holds \(available.count); the newest \(shown): \(available.suffix(shown).joined(separator: ", "))"
        return CheckpointStoreError(path: folder, code: .notFound, description: "no checkpoint named '\(name)' in \(folder) (\(list))")
    }

    static func noLatest(in folder: String, asked value: String = "latest") -> Self {
        CheckpointStoreError(path: folder, code: .noCheckpoints, description: "no checkpoint to take as '\(value)': \(folder) holds none")
    }

    /// The newest checkpoint is damaged: names the damage, and the newest checkpoint that loads.
    static func damagedLatest(_ damage: CheckpointStoreError, newestValid: String?) -> Self {
        // Said to apps (`--checkpoint latest`) and to the tool (`show latest`) alike: no flag named.
        let advice = newestValid.map { "the newest checkpoint that loads is \($0): ask for it by name, or for latest-valid" }
            ?? "no checkpoint in the storage loads"
        return CheckpointStoreError(path: damage.path, code: damage.code, description: "\(damage.description); \(advice)", alreadyRetried: damage.alreadyRetried)
    }

    /// The same failure with more context in front of the message.
    package func prefixed(_ context: String) -> Self {
        CheckpointStoreError(path: path, code: code, description: "\(context)\(description)", alreadyRetried: alreadyRetried)
    }
}
