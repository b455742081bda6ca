#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if S3
import LightningS3
#endif
import LightningStore

/// What a `--storage` value or a checkpoint argument names: a local folder, or an S3 location.
///
/// - `s3://BUCKET[/PREFIX]` is a prefix in a bucket of the S3-compatible server the AWS
///   environment variables describe (see `S3Configuration.fromEnvironment(_:)`);
///   `LIGHTNING_S3_LEASE_SECONDS` sets the term of the writer lease (30 s by default): how long a
///   writer that died blocks the next one; `LIGHTNING_S3_IDLE_SECONDS` how long a request may go
///   without progress (10 s), `LIGHTNING_S3_ATTEMPTS` how many times it is tried (4), and
///   `LIGHTNING_S3_MULTIPART_BYTES` the size above which an object goes up in parts (16 MiB);
/// - anything else is a local folder.
public enum StorageAddress {
    /// The variable that sets the writer lease's term on S3, in seconds.
    public static let leaseSecondsVariable = "LIGHTNING_S3_LEASE_SECONDS"
    /// The variable that sets how long an S3 request may go without progress, in seconds.
    public static let idleSecondsVariable = "LIGHTNING_S3_IDLE_SECONDS"
    /// The variable that sets how many times an S3 request is tried.
    public static let attemptsVariable = "LIGHTNING_S3_ATTEMPTS"
    /// The variable that sets the size, in bytes, above which an object goes up in parts.
    public static let multipartBytesVariable = "LIGHTNING_S3_MULTIPART_BYTES"

    /// The process environment.
    public static var processEnvironment: [String: String] { ProcessInfo.processInfo.environment }

    /// The storage address to use: `explicit` (a `--storage` flag) when given, else the
    /// `STORAGE_ROOT_DIR` environment variable, as in Lightning, else `./.storage`.
    public static func address(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[CheckpointStore.storageRootVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return CheckpointStore.defaultStorageRoot
    }

    /// The store a `--storage` value names (see ``address(explicit:environment:)``); its
    /// checkpoint arguments may also be local file paths or `s3://bucket/key` URLs.
    /// - Throws: `CheckpointStoreError` when an S3 address is malformed or has no credentials.
    public static func store(explicit: String?, environment: [String: String] = processEnvironment) throws(CheckpointStoreError) -> CheckpointStore {
        CheckpointStore(storage: try open(address(explicit: explicit, environment: environment), environment: environment), locating: { value throws(CheckpointStoreError) in
            if let url = try location(ofURL: value, environment: environment) { return url }
            return try CheckpointLocation.existingFile(value)
        })
    }

    /// The storage `address` names.
    public static func open(_ address: String, environment: [String: String]) throws(CheckpointStoreError) -> any CheckpointStorage {
        guard let (bucket, prefix) = try s3Parts(address) else { return LocalStorage(root: address) }
        #if S3
        let lease = try number(leaseSecondsVariable, in: environment, default: 30, range: 1...86_400, unit: "a number of seconds")
        let defaults = S3Timeouts()
        let timeouts = S3Timeouts(
            idle: try number(idleSecondsVariable, in: environment, default: defaults.idle, range: 0.1...3_600, unit: "a number of seconds"),
            attempts: Int(try number(attemptsVariable, in: environment, default: Double(defaults.attempts), range: 1...100, unit: "a whole number", whole: true)))
        let multipart = Int(try number(multipartBytesVariable, in: environment, default: Double(16 << 20), range: 0...Double(5 << 30), unit: "a whole number of bytes", whole: true))
        return S3Storage(
            bucket: bucket, prefix: prefix, configuration: try S3Configuration.fromEnvironment(environment), multipartThreshold: multipart, leaseSeconds: lease,
            timeouts: timeouts)
        #else
        _ = (bucket, prefix)
        throw withoutS3(address)
        #endif
    }

    /// The error for an `s3://` address in a build without the package's `S3` trait.
    static func withoutS3(_ address: String) -> CheckpointStoreError {
        CheckpointStoreError(
            path: address,
            problem: "this build has no S3 support: build with swift-lightning's S3 trait (on by default; an app that lists traits: [] for a local-only build leaves it out)",
            code: .invalidArgument)
    }

    #if S3
    /// The number `variable` holds, or `fallback` when it is unset or empty.
    private static func number(
        _ variable: String, in environment: [String: String], default fallback: Double, range: ClosedRange<Double>, unit: String, whole: Bool = false
    ) throws(CheckpointStoreError) -> Double {
        guard let text = environment[variable], !text.isEmpty else { return fallback }
        guard let value = Double(text), range.contains(value), !whole || value == value.rounded() else {
            let shown = { (bound: Double) in bound == bound.rounded() ? String(Int(bound)) : String(bound) }
            throw CheckpointStoreError(
                path: variable, problem: "must be \(unit) from \(shown(range.lowerBound)) to \(shown(range.upperBound)), not '\(text)'", code: .invalidArgument)
        }
        return value
    }
    #endif

    /// For a full object URL, `s3://bucket/path/to/file.lsnap`, the object (its folder is where a
    /// delta's parents are looked for); `nil` for anything else.
    public static func location(ofURL value: String, environment: [String: String]) throws(CheckpointStoreError) -> CheckpointLocation? {
        guard let (bucket, path) = try s3Parts(value) else { return nil }
        let parts = path.split(separator: "/")
        guard let name = parts.last else {
            throw CheckpointStoreError(path: value, problem: "names a bucket, not an object: give s3://bucket/path/to/checkpoint", code: .invalidArgument)
        }
        #if S3
        let storage = S3Storage(bucket: bucket, prefix: parts.dropLast().joined(separator: "/"), configuration: try S3Configuration.fromEnvironment(environment))
        return CheckpointLocation(storage: storage, key: String(name))
        #else
        _ = name
        throw withoutS3(value)
        #endif
    }

    /// The bucket and the rest of an `s3://` address; `nil` when it is not one.
    static func s3Parts(_ address: String) throws(CheckpointStoreError) -> (bucket: String, path: String)? {
        guard address.lowercased().hasPrefix("s3://") else { return nil }
        let rest = address.dropFirst(5)
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else {
            throw CheckpointStoreError(path: address, problem: "an S3 address needs a bucket: s3://BUCKET[/PREFIX]", code: .invalidArgument)
        }
        return (String(bucket), String(rest.dropFirst(bucket.count).drop { $0 == "/" }))
    }
}
