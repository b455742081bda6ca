import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signs S3 requests with AWS Signature Version 4 (the `Authorization` header form).
///
/// The canonical request is the method, the URI-encoded path (each segment encoded, `/` kept),
/// the query sorted by name, the lower-cased headers sorted by name with their values trimmed, the
/// list of signed headers, and the payload's SHA-256; the signature is an HMAC-SHA256 chain over
/// the date, region, service and `aws4_request`. HMAC and SHA-256 come from swift-crypto.
package struct SigV4Signer: Sendable {
    package let accessKeyID: String
    package let secretAccessKey: String
    package let sessionToken: String?
    package let region: String
    package let service: String

    package init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// The SHA-256 of an empty payload, in hex.
    package static let emptyPayloadHash = hex(SHA256.hash(data: [UInt8]()))

    /// The SHA-256 of a payload, in hex.
    package static func payloadHash(_ bytes: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// The headers to send: `headers` with `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token` (with a session token) and `authorization` added.
    /// - Parameters:
    ///   - path: The request path, not yet encoded (`/bucket/key`).
    ///   - headers: Every header to sign, `host` among them.
    ///   - time: Unix seconds of the request.
    package func sign(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String, time: Double
    ) -> [(String, String)] {
        let (date, dateTime) = Self.timestamps(time)
        var all = headers + [("x-amz-date", dateTime), ("x-amz-content-sha256", payloadHash)]
        if let sessionToken { all.append(("x-amz-security-token", sessionToken)) }
        let canonical = Self.canonicalRequest(method: method, path: path, query: query, headers: all, payloadHash: payloadHash)
        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(dateTime)\n\(scope)\n\(Self.hex(SHA256.hash(data: Array(canonical.request.utf8))))"
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        all.append(("authorization", "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"))
        return all
    }

    /// The canonical request and the signed-header list.
    package static func canonicalRequest(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String
    ) -> (request: String, signedHeaders: String) {
        let canonicalPath = path.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
        let canonicalQuery = query.map { (uriEncode($0.0), uriEncode($0.1)) }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let lowered = headers.map { (name: $0.0.lowercased(), value: trimmed($0.1)) }.sorted { $0.name < $1.name }
        let canonicalHeaders = lowered.map { "\($0.name):\($0.value)\n" }.joined()
        let signedHeaders = lowered.map(\.name).joined(separator: ";")
        return ([method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n"), signedHeaders)
    }

    /// Percent-encodes every byte but the unreserved `A-Z a-z 0-9 - _ . ~`, in upper-case hex.
    package static func uriEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                result += "%" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return result
    }

    /// Leading and trailing spaces removed, inner runs of spaces folded to one.
    private static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// `20130524` and `20130524T000000Z` for Unix time `time`, in UTC.
    package static func timestamps(_ time: Double) -> (date: String, dateTime: String) {
        var seconds = time_t(time.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let date = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        return (date, "\(date)T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z")
    }

    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
