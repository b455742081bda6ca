import Crypto
import LightningCLI
@testable import LightningS3
import LightningStore
import Testing

@Suite("Storage addresses")
struct StorageAddressTests {
    @Test("the storage: flag, then STORAGE_ROOT_DIR, then ./.storage")
    func address() {
        #expect(StorageAddress.address(explicit: "flag", environment: ["STORAGE_ROOT_DIR": "env"]) == "flag")
        #expect(StorageAddress.address(explicit: nil, environment: ["STORAGE_ROOT_DIR": "env"]) == "env")
        #expect(StorageAddress.address(explicit: "", environment: [:]) == ".storage")
    }

    @Test("s3:// addresses: bucket and prefix, configuration from the AWS variables, one-line errors")
    func s3Addresses() throws {
        let environment = ["AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "eu-west-3"]
        let storage = try #require(try StorageAddress.open("s3://bucket/run/one/", environment: environment) as? S3Storage)
        #expect(storage.bucket == "bucket")
        #expect(storage.prefix == "run/one")
        #expect(storage.location(of: "checkpoints/x.lsnap") == "s3://bucket/run/one/checkpoints/x.lsnap")
        #expect(storage.client.endpoint.description == "https://s3.eu-west-3.amazonaws.com")
        #expect(try StorageAddress.open("folder/s3", environment: [:]) is LocalStorage)
        let object = try #require(try StorageAddress.location(ofURL: "s3://bucket/a/b.lsnap", environment: environment))
        #expect(object.description == "s3://bucket/a/b.lsnap")
        let custom = try S3Configuration.fromEnvironment(environment.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_ENDPOINT_URL_S3": "http://localhost:9999/"]) { $1 })
        #expect(custom.endpoint == "http://localhost:9999/")
        #expect(custom.region == "eu-west-3")
        #expect(throws: CheckpointStoreError.self) { try S3Configuration.fromEnvironment(environment.merging(["AWS_ENDPOINT_URL": "ftp://x"]) { $1 }) }
        let bad = #expect(throws: CheckpointStoreError.self) { try StorageAddress.open("s3:///prefix", environment: environment) }
        #expect(bad?.description == "s3:///prefix: an S3 address needs a bucket: s3://BUCKET[/PREFIX]")
    }
}

@Suite("Signature Version 4")
struct SigV4Tests {
    static let signer = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    /// 2013-05-24T00:00:00Z, the time of AWS's examples.
    static let time = 1_369_353_600.0

    static func authorization(_ headers: [(String, String)]) -> String? { headers.first { $0.0 == "authorization" }?.1 }

    @Test("AWS's published example: GET /test.txt with a Range header")
    func awsGetObjectExample() {
        let headers = Self.signer.sign(
            method: "GET", path: "/test.txt", query: [], headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
            payloadHash: SigV4Signer.emptyPayloadHash, time: Self.time)
        #expect(Self.authorization(headers) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
        #expect(SigV4Signer.emptyPayloadHash == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    // The vectors below come from botocore's S3SigV4Auth (Scripts/sigv4-vectors.py), which
    // reproduces the published example above.

    @Test("a conditional PUT with a payload, to a key with a space, '+', '=' and non-ASCII, path-style")
    func conditionalPutWithEncodedKey() {
        let payload = Array("Welcome to Amazon S3.".utf8)
        let headers = Self.signer.sign(
            method: "PUT", path: "/ckpt-test/run 1/a+b=c/été.lsnap", query: [], headers: [("host", "127.0.0.1:9000"), ("if-none-match", "*")],
            payloadHash: S3Request.body([Array(payload.prefix(7)), Array(payload.dropFirst(7))]).withUnsafeReadableBytes { SigV4Signer.payloadHash($0) },
            time: Self.time)
        #expect(Self.authorization(headers)?.hasSuffix("SignedHeaders=host;if-none-match;x-amz-content-sha256;x-amz-date, Signature=0b06446e0a4e24069e954bcd97fa7a3eff5187a121e15c495da7817bdd400708") == true)
    }

    @Test("a listing: the query sorted by name, values encoded, '/' included")
    func listingQuery() {
        let headers = Self.signer.sign(
            method: "GET", path: "/ckpt-test",
            query: [("list-type", "2"), ("prefix", "run1/checkpoints/"), ("delimiter", "/"), ("continuation-token", "a+b==")],
            headers: [("host", "127.0.0.1:9000")], payloadHash: SigV4Signer.emptyPayloadHash, time: Self.time)
        #expect(Self.authorization(headers)?.hasSuffix("Signature=df176778c754fe93297633b43cd4e0cd959ab611ae81e02aa5e38b3d95d9c881") == true)
    }

    @Test("temporary credentials sign their session token, in another region")
    func sessionToken() {
        let signer = SigV4Signer(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "FQoGZXIvYXdzEXAMPLETOKEN", region: "eu-west-3")
        let headers = signer.sign(
            method: "DELETE", path: "/bucket/key", query: [], headers: [("host", "s3.eu-west-3.amazonaws.com")], payloadHash: SigV4Signer.emptyPayloadHash, time: Self.time)
        #expect(headers.contains { $0 == ("x-amz-security-token", "FQoGZXIvYXdzEXAMPLETOKEN") })
        #expect(Self.authorization(headers) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/eu-west-3/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=8a0b12ff5e06e3ec15ca30e5206d4d4b4a062d1653e3050595db43c9f1c9b6bb")
    }

    @Test("URI encoding keeps only unreserved characters, in upper-case hex")
    func uriEncoding() {
        #expect(SigV4Signer.uriEncode("a-b_c.d~e") == "a-b_c.d~e")
        #expect(SigV4Signer.uriEncode("a b+c=d/é*") == "a%20b%2Bc%3Dd%2F%C3%A9%2A")
        #expect(SigV4Signer.timestamps(1_795_857_470).dateTime == "20261128T091750Z")
    }
}

@Suite("S3 request bodies")
struct RequestBodyTests {
    @Test("a part's bytes are cut from the chunks at any boundary")
    func partsAcrossChunks() {
        let chunks: [[UInt8]] = [[0, 1, 2], [], [3, 4], [5, 6, 7, 8]]
        let all = Array(0...8).map(UInt8.init)
        for start in 0...9 {
            for end in start...9 {
                let buffer = S3Request.body(chunks, range: start..<end)
                #expect(Array(buffer.readableBytesView) == Array(all[start..<end]))
            }
        }
        #expect(Array(S3Request.body(chunks).readableBytesView) == all)
    }
}

@Suite("S3 answers")
struct XMLElementsTests {
    @Test("a ListObjectsV2 page: keys, sizes, truncation and the next token, entities decoded")
    func listPage() {
        let xml = XMLElements(Array("""
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix>p/</Prefix>\
            <Contents><Key>p/a&amp;b.lsnap</Key><Size>12</Size></Contents><Contents><Key>p/c&#x20;d</Key><Size>0</Size></Contents>\
            <IsTruncated>true</IsTruncated><NextContinuationToken>t+/=</NextContinuationToken><Delimiter/></ListBucketResult>
            """.utf8))
        let contents = xml.blocks("Contents")
        #expect(contents.map { $0.value("Key") } == ["p/a&b.lsnap", "p/c d"])
        #expect(contents.map { $0.value("Size") } == ["12", "0"])
        #expect(xml.value("IsTruncated") == "true")
        #expect(xml.value("NextContinuationToken") == "t+/=")
        #expect(xml.value("Delimiter") == "")
        #expect(xml.value("Missing") == nil)
    }

    @Test("an error answer's code and message")
    func errorAnswer() {
        let xml = XMLElements(Array("<Error><Code>NoSuchBucket</Code><Message>The bucket &lt;x&gt; does not exist</Message></Error>".utf8))
        #expect(xml.value("Code") == "NoSuchBucket")
        #expect(xml.value("Message") == "The bucket <x> does not exist")
    }
}
