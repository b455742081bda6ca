import LightningCodecs

/// Decodes arbitrary bytes as a binary snapshot. Any trap is a bug; when decoding succeeds,
/// encoding the result and decoding it again must give the same state.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshot(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    let options = BinarySnapshot.Options(maxDepth: 200, maxNodeCount: 1 << 20, maxDecompressedBytes: 1 << 24)
    guard let state = try? BinarySnapshot.decode(bytes, options: options) else { return 0 }
    let again = try! BinarySnapshot.encode(state, threads: 1)
    precondition(try! BinarySnapshot.decode(again) == state, "re-encoded snapshot differs")
    return 0
}
