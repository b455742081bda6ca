/// Reads the few things S3's XML answers hold: the text of simple elements, and the blocks of
/// repeated ones (`<Contents>…</Contents>`). Enough for ListObjectsV2, multipart uploads and
/// errors; not a general XML parser (no attributes, namespaces or CDATA are needed there).
package struct XMLElements {
    private let text: Substring

    package init(_ bytes: [UInt8]) {
        text = Substring(String(decoding: bytes, as: UTF8.self))
    }

    private init(_ text: Substring) {
        self.text = text
    }

    /// The decoded text of the first `<name>…</name>`, or `nil`.
    package func value(_ name: String) -> String? {
        guard let inner = blocks(name).first?.text else { return nil }
        return Self.decodeEntities(inner)
    }

    /// Each `<name>…</name>` in order, as an element of its own.
    package func blocks(_ name: String) -> [XMLElements] {
        let open = "<\(name)>"
        let close = "</\(name)>"
        var found: [XMLElements] = []
        var rest = text[...]
        while let start = rest.firstRange(of: open) {
            let afterOpen = rest[start.upperBound...]
            guard let end = afterOpen.firstRange(of: close) else { break }
            found.append(XMLElements(afterOpen[..<end.lowerBound]))
            rest = afterOpen[end.upperBound...]
        }
        // An empty element (`<Prefix/>`) has no text.
        if found.isEmpty, text.contains("<\(name)/>") { found.append(XMLElements("")) }
        return found
    }

    /// Replaces the five named entities and numeric character references.
    static func decodeEntities(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var result = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let scalar: UInt32? = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let scalar, let character = Unicode.Scalar(scalar) {
                    result.unicodeScalars.append(character)
                } else {
                    result += "&\(entity);"
                }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }
}
