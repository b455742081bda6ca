import LightningCodecs

/// An input starting with this byte (never the start of JSON) is read as the rest of an array
/// that already holds `longArrayPrefix` elements, so that the reader's path for long arrays,
/// taken from 65,536 elements on, meets fuzzed bytes too.
let longArrayMarker: UInt8 = 0x01
let longArrayPrefix: [UInt8] = [UInt8(ascii: "[")] + Array(repeating: Array("0,".utf8), count: 70_000).joined()

/// Reads arbitrary bytes as JSON. Any trap is a bug; when reading succeeds, writing the result and
/// reading it again must give the same state, in the compact and the indented form; and the
/// one-pass transcoder must give the same bytes as writing the tree, or the reader's error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: count))
    if bytes.first == longArrayMarker {
        bytes = longArrayPrefix + bytes.dropFirst()
    }
    let reading = JSONReader.Options(maxDepth: 200)
    let read = Result { () throws(JSONDecodingError) in try JSONReader.read(bytes, options: reading) }
    for options in [JSONWriter.Options(), JSONWriter.Options(ensureASCII: false, indent: 2)] {
        // The one-pass transcoder must give the tree's bytes, or the reader's error.
        let transcoded = Result { () throws(JSONDecodingError) in try JSONTranscoder.transcode(bytes, options: options, reading: reading) }
        switch (read, transcoded) {
        case (.success(let state), .success(.written(let chunks))):
            precondition(chunks.flatMap { $0 } == JSONWriter.write(state, options: options), "transcoder bytes differ from the tree's")
        case (_, .success(.repeatedKey)):
            // Stopped at a repeated key (in an object of up to 8 keys, before any later error; in a
            // larger one, at its end, or at keys that only share a hash): the caller reads the tree.
            break
        case (.failure(let expected), .failure(let error)):
            precondition(expected.description == error.description, "transcoder error differs from the reader's")
        default:
            preconditionFailure("transcoder and reader disagree on whether the text is JSON")
        }
        guard case .success(let state) = read else { continue }
        precondition(try! JSONReader.read(JSONWriter.write(state, options: options)) == state, "JSON round trip differs")
    }
    return 0
}
