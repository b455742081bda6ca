import Foundation
import LightningStore
import LightningTestSupport
import Testing

@Suite("File reads")
struct FileIOTests {
    @Test("a file is read whole, or up to a limit; an empty file is empty")
    func wholeAndLimited() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = try folder.write(bytes, to: "data")
        #expect(try FileIO.read(path) == bytes)
        #expect(try FileIO.read(path, maximumBytes: 8) == Array(bytes.prefix(8)))
        #expect(try FileIO.read(try folder.write([], to: "empty")) == [])
    }

    #if os(Linux)
    @Test("a file larger than its reported size is read to its end (procfs reports 0)")
    func largerThanReported() throws {
        let bytes = try FileIO.read("/proc/self/maps")
        #expect(!bytes.isEmpty)
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("\n"))
        #expect(try FileIO.read("/proc/self/maps", maximumBytes: 10).count == 10)
    }
    #endif

    @Test("a missing file and a folder are one-line errors naming the path")
    func errors() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let missing = #expect(throws: CheckpointStoreError.self) { try FileIO.read("\(folder.path)/missing") }
        #expect(missing?.description == "\(folder.path)/missing: open failed: No such file or directory")
        #expect(missing?.isMissingObject == true)
        let directory = #expect(throws: CheckpointStoreError.self) { try FileIO.read(folder.path) }
        #expect(directory?.description == "\(folder.path): is a directory, not a checkpoint file")
        #expect(directory?.isMissingObject == false)
    }
}
