import Foundation
import LightningTestSupport
import Testing

/// The example apps and every tool command on `s3://` storage, against the S3 server
/// `Scripts/test.sh` starts.
@Suite("Apps and tool on S3, run as a user runs them", .enabled(if: S3TestEnvironment.isAvailable, Comment(rawValue: S3TestEnvironment.skipReason)))
struct S3ToolTests {
    static func storage(_ label: String) -> String { "s3://\(S3TestEnvironment.bucket!)/tools/\(S3TestEnvironment.uniquePrefix(label))" }

    @Test("counter-app saves to S3 and resumes from latest there; list shows the checkpoints")
    func counterApp() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let storage = Self.storage("counter")
        let first = try Executable.run("counter-app", ["--storage", storage], in: folder.path)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput == "counter=3\n")
        let second = try Executable.run("counter-app", ["--storage", storage, "--checkpoint", "latest"], in: folder.path)
        #expect(second.standardOutput == "counter=6\n")
        #expect(second.standardError.hasPrefix("resumed from \(storage)/checkpoints/lightningapp_checkpoint_"))
        let list = try Executable.run("lightning-checkpoint", ["list", "--storage", storage], in: folder.path)
        #expect(list.status == 0)
        #expect(list.standardOutput.split(separator: "\n").count == 7)  // a header and six checkpoints
        #expect(list.standardOutput.contains("delta of lightningapp_checkpoint_"))
        // STORAGE_ROOT_DIR takes an S3 address too.
        let fromEnvironment = try Executable.run("counter-app", ["--checkpoint", "latest"], in: folder.path, environment: ["STORAGE_ROOT_DIR": storage])
        #expect(fromEnvironment.standardOutput == "counter=9\n")
        #expect(folder.names(in: ".storage").isEmpty)
    }

    @Test("every tool command works on S3; a full s3:// URL is a checkpoint or an output anywhere")
    func toolCommands() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let storage = Self.storage("tool")
        #expect(try Executable.run("churn-app", ["--iterations", "12", "--storage", storage], in: folder.path).status == 0)
        let run: ([String]) throws -> Executable.Result = { try Executable.run("lightning-checkpoint", $0, in: folder.path) }
        #expect(try run(["verify", "--all", "--storage", storage]).status == 0)
        #expect(try run(["show", "latest", "--storage", storage]).standardOutput.hasPrefix("COMPONENT"))
        let canon = try run(["canon", "latest", "--storage", storage])
        #expect(canon.status == 0)
        // Out to a local file and an S3 object, and back: the same canonical JSON.
        #expect(try run(["export", "latest", "-o", "local.json", "--storage", storage]).status == 0)
        #expect(try run(["convert", "local.json", "\(storage)/copies/lightningapp_checkpoint_5.lsnap", "--format", "binary"]).status == 0)
        #expect(try run(["canon", "\(storage)/copies/lightningapp_checkpoint_5.lsnap"]).standardOutput == canon.standardOutput)
        #expect(try run(["convert", "\(storage)/copies/lightningapp_checkpoint_5.lsnap", "back.json"]).status == 0)
        #expect(try run(["canon", "back.json"]).standardOutput == canon.standardOutput)
        // Compaction replaces the object; retention works on S3.
        let compact = try run(["compact", "latest", "--keep-last", "2", "--storage", storage])
        #expect(compact.status == 0, "\(compact.standardError)")
        // The newest is whole now; a delta kept keeps its chain (its parent is kept too).
        let kept = try run(["list", "--storage", storage]).standardOutput.split(separator: "\n").dropFirst()
        #expect(kept.count < 12)
        #expect(kept.last?.contains(" full ") == true)
        let names = Set(kept.compactMap { $0.split(separator: " ").first.map(String.init) })
        for line in kept where line.contains("delta of") {
            let parent = line.split(separator: " ").drop { $0 != "of" }.dropFirst().first.map(String.init)
            #expect(parent.map(names.contains) == true, "\(line)")
        }
        #expect(try run(["canon", "latest", "--storage", storage]).standardOutput == canon.standardOutput)
        #expect(try run(["verify", "--all", "--storage", storage]).status == 0)
        // Bad input is one line.
        let missing = try run(["show", "nope", "--storage", storage])
        #expect(missing.status == 1)
        #expect(missing.standardError.hasPrefix("lightning-checkpoint: no checkpoint named 'nope' in \(storage)/checkpoints (there are: "))
        let bucketOnly = try run(["show", "s3://\(S3TestEnvironment.bucket!)"])
        #expect(bucketOnly.standardError == "lightning-checkpoint: s3://\(S3TestEnvironment.bucket!): names a bucket, not an object: give s3://bucket/path/to/checkpoint\n")
        let noBucket = try run(["list", "--storage", "s3://"])
        #expect(noBucket.standardError == "lightning-checkpoint: s3://: an S3 address needs a bucket: s3://BUCKET[/PREFIX]\n")
    }

    @Test("churn-app on S3, resumed in pieces, ends with the uninterrupted digest; a second app on the prefix is refused")
    func churnAndOneWriter() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let whole = try Executable.run("churn-app", ["--iterations", "30"], in: folder.path)
        let storage = Self.storage("churn")
        var output = ""
        for (index, format) in ["binary", "json", "binary"].enumerated() {
            let resume = index == 0 ? [] : ["--checkpoint", "latest"]
            output = try Executable.run(
                "churn-app", ["--iterations", String(10 * (index + 1)), "--storage", storage, "--checkpoint-format", format] + resume, in: folder.path
            ).standardOutput
        }
        #expect(output == whole.standardOutput)
    }

    @Test("SIGKILL mid-run on S3: every checkpoint verifies, the lease lapses, and the resumed run ends with the uninterrupted digest")
    func killedOnS3() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let whole = try Executable.run("churn-app", ["--iterations", "150"], in: folder.path)
        let storage = Self.storage("killed")
        let environment = ["LIGHTNING_S3_LEASE_SECONDS": "4"]
        func checkpointCount() throws -> Int {
            try Executable.run("lightning-checkpoint", ["list", "--storage", storage], in: folder.path).standardOutput.split(separator: "\n").count - 1
        }
        for (round, atLeast) in [3, 20].enumerated() {
            let resume = round == 0 ? [] : ["--checkpoint", "latest"]
            let app = Process()
            app.executableURL = Executable.productsFolder.appendingPathComponent("churn-app")
            app.arguments = ["--iterations", "150", "--storage", storage] + resume
            app.currentDirectoryURL = URL(fileURLWithPath: folder.path)
            app.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            app.standardOutput = FileHandle.nullDevice
            app.standardError = FileHandle.nullDevice
            try app.run()
            // Killed while it saves: once checkpoints are there, mid-run.
            while try checkpointCount() < atLeast && app.isRunning { Thread.sleep(forTimeInterval: 0.02) }
            #expect(app.isRunning)
            kill(app.processIdentifier, SIGKILL)
            app.waitUntilExit()
            let killedAt = Date()
            // The dead writer's lease blocks the next app until it lapses.
            let blocked = try Executable.run("churn-app", ["--iterations", "150", "--storage", storage, "--checkpoint", "latest"], in: folder.path, environment: environment)
            if Date().timeIntervalSince(killedAt) < 3 {
                #expect(blocked.status == 1)
                #expect(blocked.standardError.contains("the storage is in use by process \(app.processIdentifier) on host "))
            }
            #expect(try Executable.run("lightning-checkpoint", ["verify", "--all", "--storage", storage], in: folder.path).status == 0)
            // The term, and the second its expiry is rounded up to.
            Thread.sleep(forTimeInterval: max(0, 5.2 - Date().timeIntervalSince(killedAt)))
        }
        let finished = try Executable.run("churn-app", ["--iterations", "150", "--storage", storage, "--checkpoint", "latest"], in: folder.path, environment: environment)
        #expect(finished.status == 0, "\(finished.standardError)")
        #expect(finished.standardOutput == whole.standardOutput)
        let badLease = try Executable.run("counter-app", ["--storage", storage], in: folder.path, environment: ["LIGHTNING_S3_LEASE_SECONDS": "soon"])
        #expect(badLease.standardError == "LIGHTNING_S3_LEASE_SECONDS: must be a number of seconds from 1 to 86400, not 'soon'\n")
        for (variable, value, message) in [
            ("LIGHTNING_S3_LEASE_SECONDS", "1e300", "must be a number of seconds from 1 to 86400, not '1e300'"),
            ("LIGHTNING_S3_IDLE_SECONDS", "0", "must be a number of seconds from 0.1 to 3600, not '0'"),
            ("LIGHTNING_S3_IDLE_SECONDS", "1e300", "must be a number of seconds from 0.1 to 3600, not '1e300'"),
            ("LIGHTNING_S3_ATTEMPTS", "2.5", "must be a whole number from 1 to 100, not '2.5'"),
            ("LIGHTNING_S3_MULTIPART_BYTES", "-1", "must be a whole number of bytes from 0 to 5368709120, not '-1'"),
        ] {
            let bad = try Executable.run("counter-app", ["--storage", storage], in: folder.path, environment: [variable: value])
            #expect(bad.status == 1)
            #expect(bad.standardError == "\(variable): \(message)\n")
        }
    }

    @Test("without credentials, and with wrong ones: one line, exit 1, at once")
    func credentials() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let storage = Self.storage("creds")
        let none = try Executable.run("counter-app", ["--storage", storage], in: folder.path, environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""])
        #expect(none.status == 1)
        #expect(none.standardError == "s3: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)\n")
        let wrong = try Executable.run("lightning-checkpoint", ["list", "--storage", storage], in: folder.path, environment: ["AWS_SECRET_ACCESS_KEY": "wrong"])
        #expect(wrong.status == 1)
        #expect(wrong.standardError.hasPrefix("lightning-checkpoint: s3://\(S3TestEnvironment.bucket!): list refused: 403 SignatureDoesNotMatch"))
        #expect(wrong.standardError.split(separator: "\n").count == 1)
    }
}
