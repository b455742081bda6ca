import Foundation
import LightningStore
import LightningTestSupport
import Testing

/// The durability promises, checked as a user meets them: through the example apps and the tool.
@Suite("Durability, run as a user runs it")
struct DurabilityTests {
    static let folderName = ".storage/checkpoints"

    /// The checkpoint files, oldest first (checkpoint names sort by time, then sequence).
    static func checkpoints(in folder: TemporaryFolder) throws -> [String] {
        try CheckpointStore(storageRoot: "\(folder.path)/.storage").list().map(\.fileName)
    }

    static func flipByte(in file: String, of folder: TemporaryFolder) throws {
        var bytes = try FileIO.read("\(folder.path)/\(folderName)/\(file)")
        bytes[bytes.count / 2] ^= 0x40
        try folder.write(bytes, to: "\(folderName)/\(file)")
    }

    @Test("every requested checkpoint is a file of its own, and each one restores")
    func everyRequestedCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try Executable.run("counter-app", ["--iterations", "10"], in: folder.path)
        #expect(run.status == 0)
        let files = try Self.checkpoints(in: folder)
        #expect(files.count == 10)
        let fifth = try Executable.run("counter-app", ["--checkpoint", files[4], "--iterations", "1"], in: folder.path)
        #expect(fifth.standardOutput == "counter=6\n")
        let merged = try Executable.run("counter-app", ["--iterations", "3", "--when-behind", "merge", "--storage", "m"], in: folder.path)
        #expect(merged.status == 0)
        let badFlag = try Executable.run("counter-app", ["--when-behind", "drop"], in: folder.path)
        #expect(badFlag.status != 0)
        #expect(badFlag.standardError.contains("drop"))
    }

    @Test("verify --all reports every damaged file, goes on, and exits 1")
    func verifyAll() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("counter-app", ["--iterations", "4"], in: folder.path).status == 0)
        let files = try Self.checkpoints(in: folder)
        try Self.flipByte(in: files[1], of: folder)
        let verify = try Executable.run("lightning-checkpoint", ["verify", "--all"], in: folder.path)
        #expect(verify.status == 1)
        #expect(verify.standardOutput == "ok \(Self.folderName)/\(files[0])\n")
        let lines = verify.standardError.split(separator: "\n")
        #expect(lines.count == 4)
        // The damaged delta, then each delta whose chain runs through it, under its own name, then a count.
        #expect(lines[0].hasPrefix("lightning-checkpoint: \(Self.folderName)/\(files[1]): checksum mismatch"))
        #expect(lines[1].hasPrefix("lightning-checkpoint: \(Self.folderName)/\(files[2]): \(files[1]) in its chain of deltas: checksum mismatch"))
        #expect(lines[2].hasPrefix("lightning-checkpoint: \(Self.folderName)/\(files[3]): \(files[1]) in its chain of deltas: checksum mismatch"))
        #expect(lines.last == "lightning-checkpoint: 3 of 4 checkpoints are damaged")
    }

    @Test("--checkpoint latest on a damaged newest checkpoint names it and the newest that loads; latest-valid resumes from that")
    func damagedLatest() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("counter-app", [], in: folder.path).status == 0)
        let files = try Self.checkpoints(in: folder)
        try Self.flipByte(in: files[2], of: folder)
        let latest = try Executable.run("counter-app", ["--checkpoint", "latest"], in: folder.path)
        #expect(latest.status == 1)
        #expect(latest.standardOutput == "")
        #expect(latest.standardError.hasPrefix("\(Self.folderName)/\(files[2]): checksum mismatch: the file is corrupt (stored 0x"))
        #expect(latest.standardError.hasSuffix("; the newest checkpoint that loads is \(files[1]): ask for it by name, or for latest-valid\n"))
        #expect(latest.standardError.split(separator: "\n").count == 1)

        let valid = try Executable.run("counter-app", ["--checkpoint", "latest-valid"], in: folder.path)
        #expect(valid.status == 0)
        #expect(valid.standardOutput == "counter=5\n")
        #expect(valid.standardError.hasPrefix("skipped a damaged checkpoint: \(Self.folderName)/\(files[2]): checksum mismatch"))
        #expect(valid.standardError.contains("resumed from \(Self.folderName)/\(files[1])\n"))
        let tool = try Executable.run("lightning-checkpoint", ["show", "latest-valid"], in: folder.path)
        #expect(tool.status == 0)
    }

    @Test("one app at a time writes to a storage; readers need no lock; a holder that exits frees it")
    func oneWriter() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("counter-app", [], in: folder.path).status == 0)
        let lock = try CheckpointStore(storageRoot: "\(folder.path)/.storage").lockForWriting()
        let second = try Executable.run("counter-app", ["--checkpoint", "latest"], in: folder.path)
        #expect(second.status == 1)
        #expect(second.standardOutput == "")
        #expect(second.standardError == ".storage: the storage is in use by process \(getpid()) on host \(FileIO.hostName()) (lock .storage/.writer.lock); one app at a time writes checkpoints to a storage\n")
        #expect(try Executable.run("lightning-checkpoint", ["list"], in: folder.path).status == 0)
        #expect(try Executable.run("lightning-checkpoint", ["verify", "--all"], in: folder.path).status == 0)
        let compact = try Executable.run("lightning-checkpoint", ["compact", "latest"], in: folder.path)
        #expect(compact.status == 1)
        #expect(compact.standardError.contains("the storage is in use by process"))
        lock.release()
        #expect(try Executable.run("counter-app", ["--checkpoint", "latest"], in: folder.path).standardOutput == "counter=6\n")
    }

    @Test("an app whose saves all fail exits 1 with one line naming the error and what is durable")
    func failingDisk() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try Executable.run("counter-app", [], in: folder.path, fileSizeLimit: 0)
        #expect(run.status == 1)
        #expect(run.standardOutput == "")
        let last = run.standardError.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("The newest state was not saved: .storage/checkpoints/lightningapp_checkpoint_"))
        #expect(last.hasSuffix(": write failed: File too large; no checkpoint of this app is durable"))
        #expect(try Self.checkpoints(in: folder).isEmpty)
        #expect(folder.names(in: Self.folderName).isEmpty)  // no temporary file left either
    }
}

@Suite("churn-app, run as a user runs it")
struct ChurnAppTests {
    @Test("a run cut short and resumed from latest, binary or JSON, ends with the digest of an uninterrupted run")
    func resumedDigest() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let whole = try Executable.run("churn-app", ["--iterations", "60", "--storage", "whole"], in: folder.path)
        #expect(whole.status == 0)
        #expect(whole.standardOutput.hasPrefix("iteration=60 digest="))
        // Pieces of 10 iterations, each a separate process resuming the last, formats mixed.
        var output = ""
        for (index, format) in ["binary", "json", "both", "binary", "json", "binary"].enumerated() {
            let resume = index == 0 ? [] : ["--checkpoint", "latest"]
            let piece = try Executable.run(
                "churn-app", ["--iterations", String(10 * (index + 1)), "--storage", "pieces", "--checkpoint-format", format] + resume, in: folder.path)
            #expect(piece.status == 0, "\(piece.standardError)")
            output = piece.standardOutput
        }
        #expect(output == whole.standardOutput)
        #expect(try Executable.run("lightning-checkpoint", ["verify", "--all", "--storage", "pieces"], in: folder.path).status == 0)
        // A finished app resumed again changes nothing.
        let again = try Executable.run("churn-app", ["--iterations", "60", "--storage", "whole", "--checkpoint", "latest"], in: folder.path)
        #expect(again.standardOutput == whole.standardOutput)
    }
}
