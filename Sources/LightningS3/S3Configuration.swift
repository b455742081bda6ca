import LightningStore

/// Where an S3-compatible server is and how to sign for it, read the way the AWS tools read it.
///
/// - credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, and `AWS_SESSION_TOKEN` for
///   temporary ones;
/// - region: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`;
/// - endpoint: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else AWS itself
///   (`https://<bucket>.s3.<region>.amazonaws.com`). A custom endpoint (MinIO, Ceph RGW, a local
///   test server) is addressed path-style: `<endpoint>/<bucket>/<key>`.
public struct S3Configuration: Sendable, Hashable {
    /// The access key ID (`AWS_ACCESS_KEY_ID`).
    public var accessKeyID: String
    /// The secret access key (`AWS_SECRET_ACCESS_KEY`).
    public var secretAccessKey: String
    /// The session token of temporary credentials (`AWS_SESSION_TOKEN`), if any.
    public var sessionToken: String?
    /// The region requests are signed for.
    public var region: String
    /// A custom endpoint such as `http://127.0.0.1:9000`, or `nil` for AWS.
    public var endpoint: String?

    /// Creates a configuration from explicit values.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String = "us-east-1", endpoint: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.endpoint = endpoint
    }

    /// The configuration the environment gives.
    /// - Throws: `CheckpointStoreError` naming the missing variables when there are no credentials,
    ///   or the endpoint when it is not an `http://` or `https://` URL.
    public static func fromEnvironment(_ environment: [String: String]) throws(CheckpointStoreError) -> S3Configuration {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let key = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw CheckpointStoreError(
                path: "s3", problem: "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)",
                code: .invalidArgument)
        }
        let endpoint = value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL")
        if let endpoint, S3Endpoint(endpoint) == nil {
            throw CheckpointStoreError(path: endpoint, problem: "not an http:// or https:// endpoint URL", code: .invalidArgument)
        }
        return S3Configuration(
            accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"),
            region: value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1", endpoint: endpoint)
    }

    var signer: SigV4Signer {
        SigV4Signer(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken, region: region)
    }
}

/// The scheme, host and port of an endpoint, and how a bucket's objects are addressed on it.
struct S3Endpoint: Sendable, Hashable {
    let scheme: String
    /// `host` or `host:port`, as the `Host` header carries it.
    let authority: String
    /// Path-style (`/bucket/key`) rather than virtual-hosted (`bucket.host/key`).
    let pathStyle: Bool

    init?(_ url: String) {
        let parts = url.split(separator: "://", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["http", "https"].contains(parts[0].lowercased()) else { return nil }
        let authority = parts[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard !authority.isEmpty else { return nil }
        self.init(scheme: parts[0].lowercased(), authority: String(authority), pathStyle: true)
    }

    init(scheme: String, authority: String, pathStyle: Bool) {
        self.scheme = scheme
        self.authority = authority
        self.pathStyle = pathStyle
    }

    /// AWS's own endpoint for `region`, virtual-hosted.
    static func aws(region: String) -> S3Endpoint {
        S3Endpoint(scheme: "https", authority: "s3.\(region).amazonaws.com", pathStyle: false)
    }

    var description: String { "\(scheme)://\(authority)" }
}
