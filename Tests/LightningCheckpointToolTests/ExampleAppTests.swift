import LightningTestSupport
import Testing

@Suite("Example apps, run as a user runs them")
struct ExampleAppTests {
    @Test("counter-app prints counter=3, then counter=6 when resumed from latest")
    func counterApp() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try Executable.run("counter-app", [], in: folder.path)
        #expect(first.status == 0)
        #expect(first.standardOutput == "counter=3\n")
        #expect(folder.names(in: ".storage/checkpoints").count == 3)
        let second = try Executable.run("counter-app", ["--checkpoint", "latest"], in: folder.path)
        #expect(second.status == 0)
        #expect(second.standardOutput == "counter=6\n")
        #expect(second.standardError.hasPrefix("resumed from .storage/checkpoints/lightningapp_checkpoint_"))
        let named = try Executable.run("counter-app", ["--checkpoint", folder.names(in: ".storage/checkpoints")[0], "--iterations", "1"], in: folder.path)
        #expect(named.standardOutput == "counter=2\n")
    }

    @Test("--log-level debug, or LIGHTNING_LOG_LEVEL, adds a line per save with its size and time; a wrong level is refused")
    func logLevels() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let quiet = try Executable.run("counter-app", [], in: folder.path)
        #expect(quiet.standardError == "")
        let debug = try Executable.run("counter-app", ["--log-level", "debug"], in: folder.path)
        let saves = debug.standardError.split(separator: "\n").filter { $0.hasPrefix("saved checkpoint lightningapp_checkpoint_") }
        #expect(saves.count == 3)
        #expect(saves.allSatisfy { $0.contains(" bytes=") && $0.contains(" checkpoint=") && $0.contains(" kind=") && $0.contains(" seconds=") })
        let fromEnvironment = try Executable.run("counter-app", [], in: folder.path, environment: ["LIGHTNING_LOG_LEVEL": "DEBUG"])
        #expect(fromEnvironment.standardError.split(separator: "\n").count(where: { $0.hasPrefix("saved checkpoint ") }) == 3)
        let silenced = try Executable.run("counter-app", ["--checkpoint", "latest", "--log-level", "error"], in: folder.path)
        #expect(silenced.status == 0)
        #expect(silenced.standardError == "")  // no "resumed from" at error level
        let wrong = try Executable.run("counter-app", ["--log-level", "loud"], in: folder.path)
        #expect(wrong.status != 0)
        #expect(wrong.standardError.contains("The value 'loud' is invalid for '--log-level <level>'"))
    }

    @Test("the storage root comes from --storage, else STORAGE_ROOT_DIR")
    func storageRoot() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try Executable.run("counter-app", ["--storage", "flagged"], in: folder.path)
        _ = try Executable.run("counter-app", [], in: folder.path, environment: ["STORAGE_ROOT_DIR": "fromenv"])
        #expect(folder.names(in: "flagged/checkpoints").count == 3)
        #expect(folder.names(in: "fromenv/checkpoints").count == 3)
        #expect(folder.names(in: ".storage/checkpoints").isEmpty)
    }

    @Test("dynamic-app resumes; without its override it fails with Lightning's message and exit 1")
    func dynamicApp() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("dynamic-app", [], in: folder.path).standardOutput == "counter=3\n")
        #expect(try Executable.run("dynamic-app", ["--checkpoint", "latest"], in: folder.path).standardOutput == "counter=6\n")
        let failed = try Executable.run("dynamic-app", ["--checkpoint", "latest", "--no-reload"], in: folder.path)
        #expect(failed.status == 1)
        #expect(failed.standardOutput == "")
        #expect(failed.standardError == "The component w wasn't instantiated for the component root\n")
        let lenient = try Executable.run("dynamic-app", ["--checkpoint", "latest", "--no-reload", "--non-strict"], in: folder.path)
        #expect(lenient.status == 0)
        #expect(lenient.standardOutput == "counter=3\n")
    }

    @Test("bad --checkpoint values and flags: one line, exit 1, nothing runs")
    func badInput() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let garbage = try folder.write([0xDE, 0xAD, 0xBE, 0xEF], to: "garbage.json")
        let none = try Executable.run("counter-app", ["--checkpoint", "latest"], in: folder.path)
        #expect(none.status == 1)
        #expect(none.standardError == "no checkpoint to take as 'latest': .storage/checkpoints holds none\n")
        let bad = try Executable.run("counter-app", ["--checkpoint", garbage], in: folder.path)
        #expect(bad.status == 1)
        #expect(bad.standardError == "\(garbage): neither a binary snapshot (no snapshot signature) nor JSON (it starts with byte 0xDE)\n")
        let flag = try Executable.run("counter-app", ["--iterations", "0"], in: folder.path)
        #expect(flag.status != 0)
        #expect(flag.standardError.contains("--iterations must be at least 1"))
        #expect(folder.names(in: ".storage/checkpoints").isEmpty)
    }

    @Test("--checkpoint-format picks binary (the default), json or both; resuming reads either")
    func checkpointFormats() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try Executable.run("counter-app", ["--iterations", "1"], in: folder.path)
        #expect(folder.names(in: ".storage/checkpoints").allSatisfy { $0.hasSuffix(".lsnap") })
        let json = try Executable.run("counter-app", ["--iterations", "1", "--checkpoint", "latest", "--checkpoint-format", "json"], in: folder.path)
        #expect(json.standardOutput == "counter=2\n")
        #expect(folder.names(in: ".storage/checkpoints").filter { $0.hasSuffix(".json") }.count == 1)
        let both = try Executable.run("counter-app", ["--iterations", "1", "--checkpoint", "latest", "--checkpoint-format", "both"], in: folder.path)
        #expect(both.standardOutput == "counter=3\n")
        let names = folder.names(in: ".storage/checkpoints")
        #expect(names.count == 4)
        let newest = names.filter { $0.hasPrefix(names.last!.split(separator: ".")[0]) }
        #expect(newest.count == 2)
        let resumed = try Executable.run("counter-app", ["--iterations", "1", "--checkpoint", "latest"], in: folder.path)
        #expect(resumed.standardOutput == "counter=4\n")
        #expect(resumed.standardError.hasSuffix(".lsnap\n"))
        let bad = try Executable.run("counter-app", ["--checkpoint-format", "xml"], in: folder.path)
        #expect(bad.status != 0)
    }
}
