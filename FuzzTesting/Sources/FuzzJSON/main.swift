import LightningCodecs

/// Reads arbitrary bytes as JSON. Any trap is a bug; when reading succeeds, writing the result and
/// reading it again must give the same state, in the compact and the indented form.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    guard let state = try? JSONReader.read(bytes, options: .init(maxDepth: 200)) else { return 0 }
    for options in [JSONWriter.Options(), JSONWriter.Options(ensureASCII: false, indent: 2)] {
        precondition(try! JSONReader.read(JSONWriter.write(state, options: options)) == state, "JSON round trip differs")
    }
    return 0
}
