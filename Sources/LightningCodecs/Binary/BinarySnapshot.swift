import Dispatch
import LightningState

/// The engine's own checkpoint format: a compact binary encoding of the state tree, compressed with
/// zlib in independent blocks, with a checksum over the whole file. `docs/FORMAT.md` specifies it.
///
/// It holds everything the JSON model holds — key order, the int/float split, big integers,
/// `-0.0`, NaN and the infinities, lone surrogates — so JSON → binary → JSON is lossless; the same
/// state always gives the same bytes.
///
/// ```swift
/// let bytes = try BinarySnapshot.encode(state)
/// let back = try BinarySnapshot.decode(bytes)      // == state
/// ```
public enum BinarySnapshot {
    /// Limits on untrusted input.
    public struct Options: Sendable, Hashable {
        /// The deepest nesting of arrays and objects accepted.
        public var maxDepth: Int
        /// The most nodes (values of any kind) a snapshot may hold.
        public var maxNodeCount: Int
        /// The most bytes the streams may inflate to, together.
        public var maxDecompressedBytes: Int
        /// Whether long lists of strings are kept as places, lists of records by column and lists
        /// of ints in fewer than 8 bytes each (``StateArray``); off, the reader keeps values and
        /// numbers only — the same state, for tests and fuzzers to compare the two readings.
        @_spi(Testing) public var keepsCompactLists = true

        /// Creates options; the defaults accept any state this engine writes on a 64-bit machine up to 8 GiB.
        public init(maxDepth: Int = 1_024, maxNodeCount: Int = 1 << 31, maxDecompressedBytes: Int = 8 << 30) {
            self.maxDepth = maxDepth
            self.maxNodeCount = maxNodeCount
            self.maxDecompressedBytes = maxDecompressedBytes
        }
    }

    /// What a snapshot's header says.
    public struct Header: Sendable, Hashable {
        /// The format version the snapshot was written in.
        public var version: UInt16
        /// Full state, or changes against ``parent``.
        public var isDelta: Bool
        /// The snapshot's own number (0 when unnumbered).
        public var sequence: UInt64
        /// The number of the snapshot a delta applies to (0 for a full snapshot).
        public var parent: UInt64
        /// The uncompressed sizes of the tree and float streams.
        public var treeBytes: Int
        /// The uncompressed size of the float stream.
        public var floatBytes: Int
        /// The number of compressed blocks.
        public var blockCount: Int
    }

    /// Whether `bytes` start with the snapshot signature (content, not the file name, tells formats apart).
    public static func hasSignature(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: SnapshotFormat.magic)
    }

    // MARK: - Encoding

    /// Encodes `state` as a full snapshot.
    /// - Parameters:
    ///   - state: The state tree.
    ///   - sequence: The snapshot's number, stored in the header.
    ///   - threads: `1` compresses every block on the calling thread; more lets blocks compress on
    ///     other threads while the encoder goes on. Every core's worth when `nil`. The bytes are
    ///     the same either way.
    /// - Throws: ``SnapshotError`` only if zlib fails (out of memory).
    public static func encode(_ state: StateValue, sequence: UInt64 = 0, threads: Int? = nil) throws(SnapshotError) -> [UInt8] {
        joined(try encodeChunks(state, sequence: sequence, threads: threads))
    }

    /// The snapshot as consecutive chunks (header and block table, each block, trailer), so that a
    /// file can be written from the compressed blocks without joining them in memory first.
    /// - Parameter maximumNesting: When given, a state nested deeper is refused, with nothing written.
    package static func encodeChunks(_ state: StateValue, sequence: UInt64 = 0, threads: Int? = nil, maximumNesting: Int? = nil) throws(SnapshotError) -> [[UInt8]] {
        try encodeChunks(of: state, kind: .full, sequence: sequence, parent: 0, threads: threads, maximumNesting: maximumNesting)
    }

    static func joined(_ chunks: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
        for chunk in chunks { bytes.append(contentsOf: chunk) }
        return bytes
    }

    /// Encodes a tree (a state, or a delta's edits) into a snapshot's chunks, compressing each
    /// block of the streams as soon as the encoder has written it.
    static func encodeChunks(
        of value: StateValue, kind: SnapshotFormat.Kind, sequence: UInt64, parent: UInt64, threads: Int?, maximumNesting: Int? = nil
    ) throws(SnapshotError) -> [[UInt8]] {
        let compressor = BlockCompressor(threads: threads ?? ProcessorCount.online)
        var encoder = TreeEncoder(compressor: compressor)
        encoder.encode(value)
        // Refused before the floats are compressed; blocks already handed over finish on their own.
        if let maximumNesting, encoder.deepest > maximumNesting { throw .nesting(encoder.deepest, limit: maximumNesting) }
        let sizes = encoder.finish()
        let blocks = try compressor.finish()
        return assemble(blocks, treeBytes: sizes.tree, floatBytes: sizes.floats, kind: kind, sequence: sequence, parent: parent)
    }

    /// The header and block table, the blocks, and the trailer.
    private static func assemble(
        _ blocks: [BlockCompressor.Block], treeBytes: Int, floatBytes: Int, kind: SnapshotFormat.Kind, sequence: UInt64, parent: UInt64
    ) -> [[UInt8]] {
        var file = ByteWriter(capacity: SnapshotFormat.headerSize + blocks.count * SnapshotFormat.blockEntrySize)
        file.append(SnapshotFormat.magic)
        file.littleEndian(SnapshotFormat.version)
        file.littleEndian(UInt16(0))  // flags
        file.byte(kind.rawValue)
        file.append([0, 0, 0])
        file.littleEndian(sequence)
        file.littleEndian(parent)
        file.littleEndian(UInt64(treeBytes))
        file.littleEndian(UInt64(floatBytes))
        file.littleEndian(UInt32(blocks.count))
        file.littleEndian(UInt32(SnapshotFormat.blockSize))
        file.littleEndian(UInt64(0))  // reserved
        for block in blocks {
            file.byte(block.stream.rawValue)
            file.byte(block.method.rawValue)
            file.littleEndian(UInt16(0))
            file.littleEndian(UInt32(block.uncompressedSize))
            file.littleEndian(UInt32(block.data.count))
        }
        var chunks = [file.finish()]
        var crc = chunks[0].withUnsafeBufferPointer(Zlib.crc32)
        for block in blocks {
            chunks.append(block.data)
            crc = Zlib.crc32(combining: crc, with: block.crc, length: block.data.count)
        }
        var trailer = ByteWriter(capacity: SnapshotFormat.trailerSize)
        trailer.littleEndian(crc)
        trailer.append(SnapshotFormat.endMagic)
        chunks.append(trailer.finish())
        return chunks
    }

    // MARK: - Decoding

    /// The kind and numbers in the first ``SnapshotFormat/headerSize`` bytes of a snapshot, read
    /// without verifying the file (for listings); `nil` when the bytes are not a snapshot header.
    package static func peekHeader(_ prefix: [UInt8]) -> (isDelta: Bool, sequence: UInt64, parent: UInt64)? {
        guard prefix.count >= SnapshotFormat.headerSize, hasSignature(prefix) else { return nil }
        return prefix.withUnsafeBufferPointer { buffer in
            var reader = ByteReader(buffer)
            reader.offset = 12
            guard let kind = try? reader.byte() else { return nil }
            reader.offset = 16
            guard let sequence = try? reader.littleEndian(UInt64.self), let parent = try? reader.littleEndian(UInt64.self) else { return nil }
            return (kind == SnapshotFormat.Kind.delta.rawValue, sequence, parent)
        }
    }

    /// Reads the header of a snapshot after checking its signature, version and checksum.
    public static func header(of bytes: [UInt8]) throws(SnapshotError) -> Header {
        try bytes.withUnsafeBufferPointer { buffer throws(SnapshotError) in try parse(buffer).header }
    }

    /// Decodes a snapshot, verifying its checksum and every length and limit first.
    /// - Throws: ``SnapshotError`` naming what is wrong; never traps on bad input.
    /// - Parameters:
    ///   - bytes: The file. When it is the caller's last use of the array and the file has several
    ///     blocks, it is let go as soon as other threads have inflated and checked every block,
    ///     while the state is still being built.
    ///   - options: The limits the file is read within.
    public static func decode(_ bytes: consuming [UInt8], options: Options = Options()) throws(SnapshotError) -> StateValue {
        try decode(bytes, options: options, workers: nil)
    }

    /// ``decode(_:options:)`` with `workers` threads inflating beside the decoding one (`nil`: the default).
    package static func decode(_ bytes: consuming [UInt8], options: Options = Options(), workers: Int?) throws(SnapshotError) -> StateValue {
        let (header, value, _) = try decodeAnyKind(bytes, options: options, workers: workers)
        guard !header.isDelta else { throw .malformed("a delta snapshot needs its parent to be read", offset: 12) }
        return value
    }

    /// Decodes the tree of a full or delta snapshot, and how deeply it nests.
    ///
    /// A delta's tree wraps each value in two levels (the edit list and the edit), so it is read
    /// with two more levels than a state: whether its values fit in the state is the delta's check
    /// (``LightningState/StateDelta/stateNesting``), the same rule as the writer's.
    /// - Parameter workers: The threads that inflate beside the decoding one; by default one fewer
    ///   than the cores, and none for a snapshot of one block (tests set it to try both ways).
    static func decodeAnyKind(_ bytes: consuming [UInt8], options: Options, workers: Int? = nil) throws(SnapshotError) -> (header: Header, value: StateValue, deepest: Int) {
        let (header, blocks, storedChecksum) = try checksumFirst(bytes) { buffer throws(SnapshotError) in
            let parsed = try parse(buffer, verifyingChecksum: false)
            try checkInflatedSize(parsed.header, limit: options.maxDecompressedBytes)
            return parsed
        }
        var treeOptions = options
        if header.isDelta {
            treeOptions.maxDepth = min(options.maxDepth, .max - StateDelta.payloadNesting) + StateDelta.payloadNesting
        }
        // One block leaves nothing to overlap: a small snapshot (a delta, mostly) is read on this thread alone.
        let workers = workers ?? (blocks.count > 1 ? min(ProcessorCount.online - 1, blocks.count) : 0)
        let streams = try StreamInflation(
            file: consume bytes, blocks: blocks, storedChecksum: storedChecksum, treeBytes: header.treeBytes, floatBytes: header.floatBytes, workers: workers)
        var decoder = TreeDecoder(streams, layout: .init(version: header.version), options: treeOptions)
        let decoded: Result<StateValue, SnapshotError>
        do throws(SnapshotError) {
            decoded = .success(try decoder.decodeDocument())
        } catch {
            decoded = .failure(error)
        }
        return (header, try streams.finish(after: decoded), decoder.deepest)
    }

    /// Runs `body` on the file's bytes without its CRC checked; if it throws, a checksum mismatch is
    /// the error, as when the CRC is checked first (a damaged file is reported as damaged, whatever
    /// its bytes then say).
    private static func checksumFirst<T>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws(SnapshotError) -> T) throws(SnapshotError) -> T {
        try bytes.withUnsafeBufferPointer { buffer throws(SnapshotError) in
            do throws(SnapshotError) {
                return try body(buffer)
            } catch {
                _ = try parse(buffer)
                throw error
            }
        }
    }

    /// The file's header and its two streams, inflated: the checks of the header and block table,
    /// the CRC, and every block inflated — on the calling thread, or, when `parallel`, one block
    /// per core at a time.
    static func inflated(_ bytes: [UInt8], maxDecompressedBytes: Int, parallel: Bool) throws(SnapshotError) -> (header: Header, tree: [UInt8], floats: [UInt8]) {
        try bytes.withUnsafeBufferPointer { buffer throws(SnapshotError) in
            let parsed = try parse(buffer)
            try checkInflatedSize(parsed.header, limit: maxDecompressedBytes)
            // Every byte is written by its block (the blocks cover each stream exactly, checked by
            // `parse`); when a block fails, the streams are dropped unread.
            var failure: SnapshotError?
            var floats: [UInt8] = []
            let tree = [UInt8](unsafeUninitializedCapacity: parsed.header.treeBytes) { treeBuffer, treeCount in
                floats = [UInt8](unsafeUninitializedCapacity: parsed.header.floatBytes) { floatBuffer, floatCount in
                    do throws(SnapshotError) {
                        try inflate(parsed.blocks, from: buffer, tree: treeBuffer, floats: floatBuffer, parallel: parallel)
                    } catch {
                        failure = error
                    }
                    floatCount = floatBuffer.count
                }
                treeCount = treeBuffer.count
            }
            if let failure { throw failure }
            return (parsed.header, tree, floats)
        }
    }

    /// Refuses streams that would inflate beyond `limit` bytes, before anything is allocated.
    private static func checkInflatedSize(_ header: Header, limit: Int) throws(SnapshotError) {
        let total = header.treeBytes + header.floatBytes
        guard total <= limit else { throw .limit("the streams inflate to \(total) bytes, more than the limit of \(limit)") }
    }

    struct BlockEntry {
        var stream: SnapshotFormat.Stream
        var method: SnapshotFormat.Method
        var uncompressed: Int
        var compressed: Int
        /// Offset of the block's data in the file.
        var fileOffset: Int
        /// Offset of the block's bytes in its stream.
        var streamOffset: Int

        /// Inflates (or, stored, copies) the block from `file` into its place in `tree` or `floats`.
        /// - Returns: zlib's error, naming the block (number `index`), if it failed.
        func inflate(
            _ index: Int, from file: UnsafeBufferPointer<UInt8>, tree: UnsafeMutableBufferPointer<UInt8>, floats: UnsafeMutableBufferPointer<UInt8>
        ) -> SnapshotError? {
            let target = stream == .tree ? tree : floats
            let destination = UnsafeMutableBufferPointer(rebasing: target[streamOffset..<streamOffset + uncompressed])
            let source = UnsafeBufferPointer(rebasing: file[fileOffset..<fileOffset + compressed])
            switch method {
            case .stored:
                _ = destination.initialize(from: source)
                return nil
            case .zlib:
                do throws(SnapshotError) {
                    try Zlib.inflate(source, into: destination)
                    return nil
                } catch {
                    return error.inBlock(index, of: stream)
                }
            }
        }
    }

    /// Whether the file ends with the end signature after a CRC of the bytes before it (a file of
    /// at least a header and trailer).
    private static func checksumMatches(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard buffer.suffix(4).elementsEqual(SnapshotFormat.endMagic) else { return false }
        let trailer = buffer.count - SnapshotFormat.trailerSize
        let stored = (0..<4).reduce(UInt32(0)) { $0 | UInt32(buffer[trailer + $1]) << (8 * UInt32($1)) }
        return stored == Zlib.crc32(UnsafeBufferPointer(rebasing: buffer[..<trailer]))
    }

    /// The header and block table, checked; the CRC too unless `verifyingChecksum` is false (the
    /// caller then checks it, as ``StreamInflation`` does on another thread).
    /// - Returns: Also the CRC the trailer holds, for a caller that checks it later.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, verifyingChecksum: Bool = true) throws(SnapshotError) -> (header: Header, blocks: [BlockEntry], storedChecksum: UInt32) {
        guard buffer.starts(with: SnapshotFormat.magic.prefix(min(buffer.count, SnapshotFormat.magic.count))), !buffer.isEmpty else {
            throw .notASnapshot()
        }
        let minimum = SnapshotFormat.headerSize + SnapshotFormat.trailerSize
        guard buffer.count >= minimum else {
            throw .truncated("the file is \(buffer.count) byte\(buffer.count == 1 ? "" : "s"), shorter than the \(minimum) of an empty snapshot")
        }
        var reader = ByteReader(buffer)
        reader.offset = SnapshotFormat.magic.count
        let version = try reader.littleEndian(UInt16.self)
        // A newer writer's file checks out under this CRC; a damaged version byte breaks it too.
        guard SnapshotFormat.readableVersions.contains(version) else { throw .unsupportedVersion(version, checksumMatches: checksumMatches(buffer)) }
        guard buffer.suffix(4).elementsEqual(SnapshotFormat.endMagic) else { throw .noEndSignature() }
        let checked = UnsafeBufferPointer(rebasing: buffer[..<(buffer.count - SnapshotFormat.trailerSize)])
        var trailer = ByteReader(UnsafeBufferPointer(rebasing: buffer[(buffer.count - SnapshotFormat.trailerSize)...]), base: buffer.count - 8)
        let stored = try trailer.littleEndian(UInt32.self)
        if verifyingChecksum {
            let computed = Zlib.crc32(checked)
            guard stored == computed else { throw .checksum(stored: stored, computed: computed) }
        }

        let flags = try reader.littleEndian(UInt16.self)
        guard flags == 0 else { throw .malformed("unknown flags 0x\(String(flags, radix: 16))", offset: 10) }
        let rawKind = try reader.byte()
        guard let kind = SnapshotFormat.Kind(rawValue: rawKind) else { throw .malformed("unknown snapshot kind \(rawKind)", offset: 12) }
        reader.offset = 16
        let sequence = try reader.littleEndian(UInt64.self)
        let parent = try reader.littleEndian(UInt64.self)
        // A parent on a full snapshot means a kind byte or a writer that cannot be trusted: read as
        // a state, a delta's edit list would restore a wrong state without a word.
        guard kind == .delta || parent == 0 else {
            throw .malformed("a full snapshot with parent number \(parent) (only a delta has a parent)", offset: 24)
        }
        let treeBytes = try reader.littleEndian(UInt64.self)
        let floatBytes = try reader.littleEndian(UInt64.self)
        let blockCount = Int(try reader.littleEndian(UInt32.self))
        reader.offset = SnapshotFormat.headerSize

        let dataEnd = checked.count
        guard blockCount <= (dataEnd - reader.offset) / SnapshotFormat.blockEntrySize else {
            throw .malformed("\(blockCount) blocks do not fit in the file", offset: 48)
        }
        var fileOffset = reader.offset + blockCount * SnapshotFormat.blockEntrySize
        var streamOffsets = [0, 0]
        var blocks: [BlockEntry] = []
        blocks.reserveCapacity(blockCount)
        for index in 0..<blockCount {
            let entryOffset = reader.offset
            guard let stream = SnapshotFormat.Stream(rawValue: try reader.byte()),
                let method = SnapshotFormat.Method(rawValue: try reader.byte())
            else { throw .malformed("block \(index) has an unknown stream or method", offset: entryOffset) }
            _ = try reader.littleEndian(UInt16.self)
            let uncompressed = Int(try reader.littleEndian(UInt32.self))
            let compressed = Int(try reader.littleEndian(UInt32.self))
            guard compressed <= dataEnd - fileOffset else {
                throw .truncated("block \(index) needs \(compressed) bytes, only \(dataEnd - fileOffset) are left")
            }
            let plausible = method == .stored ? uncompressed == compressed : uncompressed <= compressed * SnapshotFormat.maximumInflateRatio + 64
            guard plausible else {
                throw .malformed("block \(index) claims \(uncompressed) bytes from \(compressed): impossible for \(method == .stored ? "a stored block" : "zlib")", offset: entryOffset)
            }
            // A writer leaves an empty stream without blocks: an empty block is no writer's.
            guard uncompressed > 0 else { throw .malformed("block \(index) is empty (an empty stream has no block)", offset: entryOffset) }
            let streamIndex = Int(stream.rawValue)
            blocks.append(BlockEntry(stream: stream, method: method, uncompressed: uncompressed, compressed: compressed, fileOffset: fileOffset, streamOffset: streamOffsets[streamIndex]))
            streamOffsets[streamIndex] += uncompressed
            fileOffset += compressed
        }
        guard fileOffset == dataEnd else {
            throw .malformed("\(dataEnd - fileOffset) bytes between the blocks and the trailer", offset: fileOffset)
        }
        guard UInt64(streamOffsets[0]) == treeBytes, UInt64(streamOffsets[1]) == floatBytes else {
            throw .malformed("the blocks add up to \(streamOffsets[0]) + \(streamOffsets[1]) bytes, the header says \(treeBytes) + \(floatBytes)", offset: 32)
        }
        guard floatBytes % 8 == 0 else {
            throw .malformed("the float stream's \(floatBytes) bytes are not a whole number of 8-byte floats", offset: 40)
        }
        let header = Header(version: version, isDelta: kind == .delta, sequence: sequence, parent: parent, treeBytes: Int(treeBytes), floatBytes: Int(floatBytes), blockCount: blockCount)
        return (header, blocks, stored)
    }

    private static func inflate(
        _ blocks: [BlockEntry], from file: UnsafeBufferPointer<UInt8>, tree: UnsafeMutableBufferPointer<UInt8>, floats: UnsafeMutableBufferPointer<UInt8>,
        parallel: Bool
    ) throws(SnapshotError) {
        var failures = [SnapshotError?](repeating: nil, count: blocks.count)
        failures.withUnsafeMutableBufferPointer { slots in
            let output = FailureSlots(base: slots.baseAddress!, file: file, tree: tree, floats: floats)
            let work: @Sendable (Int) -> Void = { index in
                output.base[index] = blocks[index].inflate(index, from: output.file, tree: output.tree, floats: output.floats)
            }
            if parallel && blocks.count > 1 && ProcessorCount.online > 1 {
                DispatchQueue.concurrentPerform(iterations: blocks.count, execute: work)
            } else {
                (0..<blocks.count).forEach(work)
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
    }
}

/// Output slots and buffers of parallel block inflation.
// reason: blocks write disjoint ranges of the stream buffers (checked by `parse`) and only their own slot.
private struct FailureSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<SnapshotError?>
    let file: UnsafeBufferPointer<UInt8>
    let tree: UnsafeMutableBufferPointer<UInt8>
    let floats: UnsafeMutableBufferPointer<UInt8>
}
