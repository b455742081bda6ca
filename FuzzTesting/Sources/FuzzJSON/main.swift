import LightningCodecs

/// An input starting with this byte (never the start of JSON) is read as the rest of an array
/// that already holds `longArrayPrefix` elements, so that the reader's path for long arrays,
/// taken from 65,536 elements on, meets fuzzed bytes too.
let longArrayMarker: UInt8 = 0x01
let longArrayPrefix: [UInt8] = [UInt8(ascii: "[")] + Array(repeating: Array("0,".utf8), count: 70_000).joined()

/// Reads arbitrary bytes as JSON. Any trap is a bug; when reading succeeds, writing the result and
/// reading it again must give the same state, in the compact and the indented form.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: count))
    if bytes.first == longArrayMarker {
        bytes = longArrayPrefix + bytes.dropFirst()
    }
    guard let state = try? JSONReader.read(bytes, options: .init(maxDepth: 200)) else { return 0 }
    for options in [JSONWriter.Options(), JSONWriter.Options(ensureASCII: false, indent: 2)] {
        precondition(try! JSONReader.read(JSONWriter.write(state, options: options)) == state, "JSON round trip differs")
    }
    return 0
}
