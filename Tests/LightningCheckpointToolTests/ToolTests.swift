import Foundation
import LightningStore
import LightningTestSupport
import Testing

@Suite("lightning-checkpoint")
struct ToolTests {
    static let checkpoint = #"{"vars": {"_layout": [{"name": "root.flow_component", "content": "root.flow_component"}], "_paths": {}, "text": "Hello \u00e9", "counter": 3, "rate": 1e-05}, "calls": {}, "flows": {"flow_component": {"vars": {"_layout": [], "_paths": {}}, "calls": {}, "flows": {}, "works": {"w": {"vars": {"x": 1.0}, "calls": {}, "changes": {}}}, "structures": {}, "changes": {}}}, "works": {}, "structures": {"items": {"works": {"0": {"vars": {}, "calls": {}, "changes": {}}}, "flows": {}}}, "changes": {}, "app_state": {"stage": "running"}}"#

    static func run(_ arguments: [String], in folder: TemporaryFolder) throws -> Executable.Result {
        try Executable.run("lightning-checkpoint", arguments, in: folder.path)
    }

    @Test("convert writes Python's compact, indented and UTF-8 forms")
    func convert() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(Array(Self.checkpoint.utf8), to: "in.json")
        #expect(try Self.run(["convert", "in.json", "-"], in: folder).standardOutput == Self.checkpoint)
        #expect(try Self.run(["convert", "in.json", "out.json"], in: folder).status == 0)
        #expect(try Self.run(["convert", "out.json", "-"], in: folder).standardOutput == Self.checkpoint)
        let utf8 = try Self.run(["convert", "in.json", "-", "--utf8"], in: folder).standardOutput
        #expect(utf8.contains(#""text": "Hello é""#))
        let indented = try Self.run(["convert", "in.json", "-", "--indent", "2"], in: folder).standardOutput
        #expect(indented.hasPrefix("{\n  \"vars\": {\n    \"_layout\": [\n      {\n        \"name\": \"root.flow_component\","))
    }

    @Test("show lists components with kind, vars and size")
    func show() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(Array(Self.checkpoint.utf8), to: "in.json")
        let result = try Self.run(["show", "in.json"], in: folder)
        #expect(result.status == 0)
        #expect(result.standardOutput == """
            COMPONENT              KIND       VARS  BYTES
            root                   flow          5    526
            root.flow_component    flow          2    164
            root.flow_component.w  work          1     48
            root.items             structure     0     71
            root.items.0           work          0     40

            """)
    }

    @Test("canon sorts keys by code point, as json.dumps(sort_keys=True)")
    func canon() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(Array(#"{"b": 1, "a": {"\ud83d\ude00": 1, "\uffff": 2}, "é": [1.0, -0.0]}"#.utf8), to: "in.json")
        let result = try Self.run(["canon", "in.json"], in: folder)
        #expect(result.standardOutput == #"{"a": {"\uffff": 2, "\ud83d\ude00": 1}, "b": 1, "\u00e9": [1.0, -0.0]}"# + "\n")
    }

    @Test("list shows the storage's checkpoints, newest last; commands take the same names")
    func list() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let missing = try Self.run(["list"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.standardError == "lightning-checkpoint: no storage at .storage: the folder does not exist (give --storage the folder the app saves to)\n")
        let typo = try Self.run(["list", "--storage", "/typo/does-not-exist"], in: folder)
        #expect(typo.status == 1 && typo.standardError.contains("no storage at /typo/does-not-exist"))
        try FileManager.default.createDirectory(atPath: "\(folder.path)/.storage", withIntermediateDirectories: true)
        #expect(try Self.run(["list"], in: folder).standardOutput == "no checkpoints in .storage/checkpoints\n")
        try folder.write(Array(Self.checkpoint.utf8), to: "s/checkpoints/lightningapp_checkpoint_1665501626.json")
        try folder.write(Array(Self.checkpoint.utf8), to: "s/checkpoints/lightningapp_checkpoint_1665501626_1.json")
        try folder.write(Array("not one".utf8), to: "s/checkpoints/notes.txt")
        let listed = try Self.run(["list", "--storage", "s"], in: folder)
        #expect(listed.standardOutput == """
            NAME                                  FORMAT  KIND  TIME (UTC)           BYTES
            lightningapp_checkpoint_1665501626    json    full  2022-10-11 15:20:26    526
            lightningapp_checkpoint_1665501626_1  json    full  2022-10-11 15:20:26    526

            """)
        #expect(try Self.run(["show", "latest", "--storage", "s"], in: folder).status == 0)
        #expect(try Self.run(["canon", "lightningapp_checkpoint_1665501626", "--storage", "s"], in: folder).status == 0)
    }

    @Test("every bad input is one line naming the file, with exit code 1", arguments: [
        ([] as [UInt8], "empty.json: the file is empty (0 bytes): neither a snapshot nor JSON"),
        ([0x7F, 0x45, 0x4C, 0x46, 0x02], "bad.json: neither a binary snapshot (no snapshot signature) nor JSON (it starts with byte 0x7F)"),
        (Array(#"{"a": "\#u{E9}"#.utf8.dropLast()), "bad.json:1:7: unterminated string"),
        (Array(#"{"vars": {}}"#.utf8), #"bad.json: root: missing "calls""#),
        // A state's string quoted in a message is escaped: still one line, no escape sequence.
        (Array(#"{"vars": {}, "calls": {}, "flows": {}, "works": {"bad\nname\u001b[31m": {}}, "structures": {}, "changes": {}}"#.utf8),
         #"bad.json: root.works.bad\nname\u{1B}[31m: missing "vars""#),
    ])
    func errors(bytes: [UInt8], message: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let name = bytes.isEmpty ? "empty.json" : "bad.json"
        try folder.write(bytes, to: name)
        for command in ["show", "canon"] {
            let result = try Self.run([command, name], in: folder)
            if command == "canon" && message.contains("missing") { continue }  // canon compares any JSON
            #expect(result.status == 1)
            #expect(result.standardError == "lightning-checkpoint: \(message)\n")
            #expect(result.standardOutput == "")
        }
    }

    @Test("convert JSON to JSON: a repeated key keeps Python's last value at the first place; a broken file is one line naming it")
    func convertEdgeCases() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(Array(#"{"a": 1, "b": {"x": [1E5, "\u00e9\/"]}, "a": 2}"#.utf8), to: "repeated.json")
        #expect(try Self.run(["convert", "repeated.json", "-"], in: folder).standardOutput == #"{"a": 2, "b": {"x": [100000.0, "\u00e9/"]}}"#)
        try folder.write(Array(#"{"a": [1, 2}"#.utf8), to: "broken.json")
        let broken = try Self.run(["convert", "broken.json", "out.json"], in: folder)
        #expect(broken.status == 1)
        #expect(broken.standardError == "lightning-checkpoint: broken.json:1:12: expected ',' or ']' in an array, found '}'\n")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out.json"))
        try folder.write(Array(#"{"a": 1, "a": [1 2]}"#.utf8), to: "both.json")
        #expect(try Self.run(["convert", "both.json", "-"], in: folder).standardError == "lightning-checkpoint: both.json:1:18: expected ',' or ']' in an array, found '2'\n")
    }

    @Test("deep nesting and missing names are errors, not crashes")
    func hostile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write([UInt8](repeating: UInt8(ascii: "["), count: 100_000), to: "deep.json")
        let deep = try Self.run(["convert", "deep.json", "-"], in: folder)
        #expect(deep.status == 1)
        #expect(deep.standardError == "lightning-checkpoint: deep.json:1:1025: nesting deeper than 1024 levels\n")
        let missing = try Self.run(["show", "nope"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.standardError == "lightning-checkpoint: no checkpoint named 'nope' in .storage/checkpoints (it holds no checkpoints)\n")
        let flag = try Self.run(["convert", "a", "b", "--indent=-3"], in: folder)
        #expect(flag.status != 0)
        #expect(flag.standardError.contains("--indent must be 0 or more"))
    }

    @Test("convert to a binary snapshot and back gives the same JSON; every command reads binary")
    func binaryRoundTrip() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(Array(Self.checkpoint.utf8), to: "in.json")
        // The output's extension says its format; --format only where there is none.
        #expect(try Self.run(["convert", "in.json", "snap.lsnap"], in: folder).status == 0)
        #expect(try FileIO.read("\(folder.path)/snap.lsnap").starts(with: [0x89, 0x4C, 0x43, 0x4B]))
        #expect(try Self.run(["convert", "snap.lsnap", "-"], in: folder).standardOutput == Self.checkpoint)
        #expect(try Self.run(["convert", "in.json", "plain", "--format", "binary"], in: folder).status == 0)
        #expect(try FileIO.read("\(folder.path)/plain") == FileIO.read("\(folder.path)/snap.lsnap"))
        let mismatch = try Self.run(["convert", "in.json", "other.lsnap", "--format", "json"], in: folder)
        #expect(mismatch.status != 0)
        #expect(mismatch.standardError.contains("other.lsnap names a binary file, but --format json was given: name the output .json, or leave --format out"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/other.lsnap"))
        // Content, not the extension, tells the formats of inputs apart; an empty file is no format.
        try folder.write(try FileIO.read("\(folder.path)/snap.lsnap"), to: "disguised.json")
        #expect(try Self.run(["canon", "disguised.json"], in: folder).standardOutput == (try Self.run(["canon", "in.json"], in: folder)).standardOutput)
        try folder.write([], to: "empty.lsnap")
        let empty = try Self.run(["convert", "empty.lsnap", "-"], in: folder)
        #expect(empty.status == 1)
        #expect(empty.standardError == "lightning-checkpoint: empty.lsnap: the file is empty (0 bytes): neither a snapshot nor JSON\n")
        try folder.write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A], to: "image.lsnap")
        #expect(
            try Self.run(["convert", "image.lsnap", "-"], in: folder).standardError
                == "lightning-checkpoint: image.lsnap: neither a binary snapshot (no snapshot signature) nor JSON (it starts with byte 0x89)\n")
        // An output named like a checkpoint is created, never replaced: a delta may be built on it.
        #expect(try Self.run(["convert", "in.json", "lightningapp_checkpoint_7.lsnap"], in: folder).status == 0)
        let kept = try FileIO.read("\(folder.path)/lightningapp_checkpoint_7.lsnap")
        let replacing = try Self.run(["convert", "snap.lsnap", "lightningapp_checkpoint_7.lsnap"], in: folder)
        #expect(replacing.status == 1)
        #expect(
            replacing.standardError
                == "lightning-checkpoint: lightningapp_checkpoint_7.lsnap: exists, and a checkpoint is never replaced (a delta may be built on it): remove it first, or write to another name\n")
        #expect(try FileIO.read("\(folder.path)/lightningapp_checkpoint_7.lsnap") == kept)
        try folder.write([0x89, 0x4C, 0x43, 0x4B], to: "cut.json")
        #expect(try Self.run(["convert", "cut.json", "-"], in: folder).standardError == "lightning-checkpoint: cut.json: truncated: the file is 4 bytes, shorter than the 72 of an empty snapshot\n")
        #expect(try Self.run(["show", "snap.lsnap"], in: folder).standardOutput == (try Self.run(["show", "in.json"], in: folder)).standardOutput)
        #expect(try Self.run(["verify", "snap.lsnap"], in: folder).standardOutput == "ok snap.lsnap\n")
        let flags = try Self.run(["convert", "in.json", "x", "--format", "binary", "--indent", "2"], in: folder)
        #expect(flags.status != 0)
    }

    @Test("export keeps the swift_lightning metadata; --plain leaves it out, with Lightning's keys only")
    func exportPlain() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("counter-app", ["--iterations", "1"], in: folder.path).status == 0)
        let full = try Self.run(["export", "latest"], in: folder).standardOutput
        let plain = try Self.run(["export", "latest", "--plain"], in: folder).standardOutput
        #expect(full.contains(#""swift_lightning": {"#))
        #expect(!plain.contains("swift_lightning"))
        let keys = (try JSONSerialization.jsonObject(with: Data(plain.utf8)) as? [String: Any])?.keys.sorted()
        #expect(keys == ["app_state", "calls", "changes", "flows", "structures", "vars", "works"])
    }

    @Test("verify names the first damaged file and exits 1")
    func verify() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(Array(Self.checkpoint.utf8), to: "s/checkpoints/lightningapp_checkpoint_10.json")
        #expect(try Self.run(["convert", "s/checkpoints/lightningapp_checkpoint_10.json", "s/checkpoints/lightningapp_checkpoint_11.lsnap", "--format", "binary"], in: folder).status == 0)
        let good = try Self.run(["verify", "--all", "--storage", "s"], in: folder)
        #expect(good.status == 0)
        #expect(good.standardOutput == "ok s/checkpoints/lightningapp_checkpoint_10.json\nok s/checkpoints/lightningapp_checkpoint_11.lsnap\n")
        var snapshot = try FileIO.read("\(folder.path)/s/checkpoints/lightningapp_checkpoint_11.lsnap")
        snapshot[snapshot.count / 2] ^= 0x01
        try folder.write(snapshot, to: "s/checkpoints/lightningapp_checkpoint_11.lsnap")
        try folder.write(Array(snapshot.prefix(30)), to: "cut.lsnap")
        let bad = try Self.run(["verify", "latest", "--storage", "s"], in: folder)
        #expect(bad.status == 1)
        #expect(bad.standardError.hasPrefix("lightning-checkpoint: s/checkpoints/lightningapp_checkpoint_11.lsnap: checksum mismatch: the file is corrupt (stored 0x"))
        let cut = try Self.run(["show", "cut.lsnap"], in: folder)
        #expect(cut.standardError == "lightning-checkpoint: cut.lsnap: truncated: the file is 30 bytes, shorter than the 72 of an empty snapshot\n")
        try folder.write(Array(snapshot.prefix(1)), to: "one.lsnap")
        #expect(try Self.run(["show", "one.lsnap"], in: folder).standardError
            == "lightning-checkpoint: one.lsnap: truncated: the file is 1 byte, shorter than the 72 of an empty snapshot\n")
        // Something there that no checkpoint can be read from is named for what it is.
        try FileIO.createFolder("\(folder.path)/folder.lsnap")
        let notAFile = try Self.run(["verify", "folder.lsnap"], in: folder)
        #expect(notAFile.status == 1)
        #expect(notAFile.standardError == "lightning-checkpoint: folder.lsnap: a folder, not a checkpoint file\n")
        #expect(try Self.run(["show", "/dev/null"], in: folder).standardError == "lightning-checkpoint: /dev/null: a device, not a checkpoint file\n")
        // A path into a folder that is not there is refused, not made.
        let nowhere = try Self.run(["convert", "s/checkpoints/lightningapp_checkpoint_10.json", "nowhere/out.json"], in: folder)
        #expect(nowhere.status == 1)
        #expect(nowhere.standardError == "lightning-checkpoint: nowhere/out.json: no folder nowhere to write it in\n")
        #expect(!FileIO.isFolder("\(folder.path)/nowhere"))
        #expect(try Self.run(["verify"], in: folder).status != 0)
    }
}

@Suite("bench")
struct BenchToolTests {
    /// The configuration the tests (and the tool beside them) were built in.
    static var build: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    @Test("bench's component count follows the mix unless given: few components for the mixes held in large vars", arguments: [("records", 41), ("large-vars", 5), ("text", 10_000)])
    func componentsFollowTheMix(mix: String, components: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try Executable.run(
            "lightning-checkpoint", ["bench", "--mix", mix, "--target-mb", "0.2", "--runs", "1", "--json", "--storage", "store"], in: folder.path)
        #expect(run.status == 0, "\(run.standardError)")
        let figures = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let parameters = try #require(figures["parameters"] as? [String: Any])
        #expect(parameters["components"] as? Int == components)
    }

    @Test("bench --json reports every figure of every mix, the queue wait apart from the pause, and leaves no checkpoint", arguments: ["float", "text", "mixed", "records", "large-vars"])
    func json(mix: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try Executable.run(
            "lightning-checkpoint", ["bench", "--mix", mix, "--target-mb", "0.3", "--components", "20", "--runs", "1", "--json", "--storage", "store"],
            in: folder.path)
        #expect(run.status == 0, "\(run.standardError)")
        let figures = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        for key in ["blocking_s", "queue_wait_s", "binary_save_s", "binary_load_s", "json_save_s", "json_load_s", "delta_save_s", "load_floor_1t_s", "load_floor_s", "save_floor_s"] {
            #expect((figures[key] as? Double ?? -1) >= 0, "\(key)")
        }
        // Each load and save beside what its bytes alone cost, in the same run.
        #expect((figures["binary_load_over_floor_1t"] as? Double ?? 0) > 0)
        #expect((figures["binary_save_over_floor"] as? Double ?? 0) > 0)
        #expect((figures["json_bytes"] as? Double ?? 0) > 200_000)
        // What a report needs to be quoted: the build, the version, the machine, the parameters.
        #expect(figures["build"] as? String == Self.build)
        #expect(figures["tool_version"] as? String == "0.1.0-dev")
        #expect((figures["cores"] as? Int ?? 0) >= 1)
        let parameters = try #require(figures["parameters"] as? [String: Any])
        #expect(parameters["components"] as? Int == 20)
        #expect(parameters["mix"] as? String == mix)
        #expect(parameters["storage"] as? String == "store")
        // Each figure's spread, whose median is the figure itself.
        let spread = try #require(figures["spread"] as? [String: [String: Double]])
        for key in ["binary_save_s", "json_load_s", "delta_save_s", "blocking_s", "upload_s"] {
            let figure = try #require(spread[key], "\(key)")
            #expect(figure["median"] == figures[key] as? Double, "\(key)")
        }
        // A debug build says its figures say little; a release build says nothing.
        #expect(run.standardError.hasPrefix("warning: this is a debug build") == (Self.build == "debug"))
        #expect(folder.names(in: "store/checkpoints").isEmpty)
        if mix == "float" {
            let table = try Executable.run("lightning-checkpoint", ["bench", "--target-mb", "0.3", "--components", "20", "--runs", "1", "--storage", "store"], in: folder.path)
            let lines = table.standardOutput.split(separator: "\n")
            #expect(lines.first?.hasPrefix("lightning-checkpoint 0.1.0-dev, \(Self.build) build, ") == true)
            #expect(lines.first?.hasSuffix("; --components 20 --target-mb 0.3 --mix float --runs 1 --change-fraction 0.01 --storage store") == true)
            #expect(try Executable.run("lightning-checkpoint", ["--version"], in: folder.path).standardOutput == "0.1.0-dev\n")
            #expect(table.standardOutput.contains("STATE MB/S"))
            #expect(table.standardOutput.contains("load floor: read + CRC + inflate, 1 thread"))
            #expect(table.standardOutput.contains("x its one-thread floor"))
            #expect(table.standardOutput.contains("MIN–MAX S"))
        }
    }

    @Test("bench --large-vars reports, per size, what a checkpoint of a large history and table costs, exactly, and leaves no checkpoint")
    func largeVars() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try Executable.run("lightning-checkpoint", ["bench", "--large-vars", "1000", "20000", "--json", "--storage", "store"], in: folder.path)
        #expect(run.status == 0, "\(run.standardError)")
        let figures = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let rows = try #require(figures["large_vars"] as? [[String: Any]])
        #expect(rows.map { $0["history_values"] as? Int } == [1_000, 20_000])
        for row in rows {
            #expect(row["restores_exactly"] as? Bool == true)
            // What changed, not the size: an append, a key changed, a key added, the metadata.
            #expect((row["delta_bytes"] as? Int ?? .max) < 1_024)
            #expect((row["full_bytes"] as? Int ?? 0) > (row["history_values"] as? Int ?? 0) * 4)
            #expect((row["deltas"] as? Int ?? 0) > 40)
        }
        let parameters = try #require(figures["parameters"] as? [String: Any])
        #expect(parameters["large_vars"] as? [Int] == [1_000, 20_000])
        #expect(parameters["mix"] == nil)
        #expect(folder.names(in: "store/checkpoints").isEmpty)
        let refused = try Executable.run("lightning-checkpoint", ["bench", "--large-vars", "0", "--storage", "store"], in: folder.path)
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("--large-vars sizes must be from 1 to 100000000, not 0"))
    }

    @Test("bench refuses fewer than 3 components, and warns when the components take more than half the target, with what would leave the mix half")
    func smallStates() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let two = try Executable.run("lightning-checkpoint", ["bench", "--components", "2", "--storage", "store"], in: folder.path)
        #expect(two.status != 0)
        #expect(two.standardError.contains("--components must be at least 3 (the root flow, a flow and a work), not 2"))
        for size in ["inf", "1e300", "0"] {
            let refused = try Executable.run("lightning-checkpoint", ["bench", "--target-mb", size, "--storage", "store"], in: folder.path)
            #expect(refused.status != 0, "\(size)")
            #expect(refused.standardError.contains("--target-mb must be above 0 and at most 1000000, not "), "\(size)")
            #expect(!refused.standardError.contains("Backtrace"), "\(size)")
        }
        // When the components take more than half the target: (--components, --target-mb, the warning).
        let crowded = [
            ("200", "0.05", "warning: 200 components take 0.14 MB of JSON without their series, more than --target-mb 0.05: the state is larger than asked"
                + " and has none of what --mix float puts in it; give --components 37 or fewer, or --target-mb 0.28 or more\n"),
            ("3", "0.0005", "warning: 3 components take 0.0011 MB of JSON without their series, more than --target-mb 0.0005: the state is larger than asked"
                + " and has none of what --mix float puts in it; give --target-mb 0.0022 or more\n"),
            // 1,000 components take 0.69 MB: in a target of 1 MB the floats are the lesser part.
            ("1000", "1", "warning: 1000 components take 0.69 MB of JSON without their series, more than half of --target-mb 1: what --mix float puts in the series"
                + " (about 15 items each) is the lesser part of the state; give --components 723 or fewer, or --target-mb 1.39 or more\n"),
        ]
        for (components, target, warning) in crowded {
            let run = try Executable.run(
                "lightning-checkpoint", ["bench", "--components", components, "--target-mb", target, "--runs", "1", "--json", "--storage", "store"], in: folder.path)
            #expect(run.status == 0)
            #expect(run.standardError.contains(warning), "\(run.standardError)")
        }
        let three = try Executable.run("lightning-checkpoint", ["bench", "--components", "3", "--target-mb", "0.05", "--runs", "1", "--json", "--storage", "store"], in: folder.path)
        #expect(three.status == 0)
        #expect(!three.standardError.contains("warning: 3 components"))
    }

    @Test("bench --parallel-works measures the pause for each count of publishing works, and leaves no checkpoint")
    func parallelWorks() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try Executable.run(
            "lightning-checkpoint", ["bench", "--parallel-works", "0", "2", "--target-mb", "0.2", "--components", "20", "--json", "--storage", "store"],
            in: folder.path)
        #expect(run.status == 0, "\(run.standardError)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(object["components"] as? Int == 20)
        #expect(object["publish_interval_s"] as? Double == 0.001)
        let rows = try #require(object["parallel_pause"] as? [[String: Double]])
        #expect(rows.map { $0["works"] } == [0, 2])
        for row in rows {
            #expect(row["checkpoints"] == 200)
            #expect((row["pause_median_s"] ?? -1) > 0 && row["pause_median_s"]! <= row["pause_p90_s"]! && row["pause_p90_s"]! <= row["pause_max_s"]!)
        }
        #expect(folder.names(in: "store/checkpoints").isEmpty)
    }
}
