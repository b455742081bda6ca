import Crypto

/// The ETag S3 gives an object written whole (the MD5 of its bytes) or in parts (the MD5 of the
/// parts' MD5s, then `-` and the number of parts), quoted as S3 answers it.
///
/// After an answer was lost, the object found under the key is ours exactly when its ETag is the
/// one our bytes give.
enum S3ObjectETag {
    /// The ETag of an object written in one `PUT` of `body`.
    static func whole(_ chunks: [[UInt8]]) -> String {
        var md5 = Insecure.MD5()
        for chunk in chunks { md5.update(data: chunk) }
        return quoted(hex(md5.finalize()))
    }

    /// The ETag of an object completed from parts with these ETags (each the MD5 of its part).
    static func multipart(partETags: [String]) -> String? {
        var md5 = Insecure.MD5()
        for etag in partETags {
            guard let bytes = bytes(ofHex: etag.trimmingQuotes) else { return nil }
            md5.update(data: bytes)
        }
        return quoted("\(hex(md5.finalize()))-\(partETags.count)")
    }

    private static func quoted(_ text: String) -> String { "\"\(text)\"" }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    private static func bytes(ofHex text: Substring) -> [UInt8]? {
        guard text.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

extension String {
    /// The text without the double quotes an ETag comes in.
    var trimmingQuotes: Substring {
        var text = self[...]
        if text.hasPrefix("\"") { text = text.dropFirst() }
        if text.hasSuffix("\"") { text = text.dropLast() }
        return text
    }
}
