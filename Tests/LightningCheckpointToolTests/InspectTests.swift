import LightningTestSupport
import Testing

/// `diff`, `get` and `show --tree`, as a user runs them.
@Suite("Inspecting checkpoints: diff, get, show --tree")
struct InspectTests {
    static func checkpoints(_ folder: TemporaryFolder) throws -> [String] {
        try Executable.run("lightning-checkpoint", ["list"], in: folder.path).standardOutput.split(separator: "\n").dropFirst()
            .map { String($0.split(separator: " ")[0]) }
    }

    @Test("diff shows components added and removed and vars changed, inline or summarised; --json says the same")
    func diff() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("counter-app", ["--iterations", "2"], in: folder.path).status == 0)
        let names = try Self.checkpoints(folder)
        let text = try Executable.run("lightning-checkpoint", ["diff", names[0], names[1]], in: folder.path)
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("~ root.w.counter: 1 -> 2\n"))
        #expect(text.standardOutput.split(separator: "\n").allSatisfy { $0.hasPrefix("~ root.w.") })
        #expect(try Executable.run("lightning-checkpoint", ["diff", "latest", "latest"], in: folder.path).standardOutput == "no differences\n")
        let json = try Executable.run("lightning-checkpoint", ["diff", names[0], names[1], "--json"], in: folder.path)
        #expect(json.standardOutput.hasPrefix(#"{"components_added": [], "components_removed": [], "vars": [{"component": "root.w", "var": "counter", "change": "changed", "old": 1, "new": 2}"#))

        #expect(try Executable.run("dynamic-app", ["--storage", "dyn"], in: folder.path).status == 0)
        try folder.write(Array(#"{"vars": {"_layout": [], "_paths": {}}, "calls": {}, "flows": {}, "works": {}, "structures": {}, "changes": {}, "app_state": {"stage": "running"}}"#.utf8), to: "empty.json")
        let added = try Executable.run("lightning-checkpoint", ["diff", "empty.json", "latest", "--storage", "dyn"], in: folder.path)
        #expect(added.standardOutput.hasPrefix("+ root.w (work)\n"))
        let removed = try Executable.run("lightning-checkpoint", ["diff", "latest", "empty.json", "--storage", "dyn"], in: folder.path)
        #expect(removed.standardOutput.hasPrefix("- root.w (work)\n"))
    }

    @Test("diff reads snapshots whose lists are kept as places and by column, and counts one key as one")
    func diffCompactLists() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        func checkpoint(names: [String], label: String, note: String) -> [UInt8] {
            let rows = (0..<12).map { #"{"id": \#($0), "label": "\#($0 == 5 ? label : "l\($0 % 3)")"}"# }
            let vars = #""names": [\#(names.map { "\"\($0)\"" }.joined(separator: ", "))], "rows": [\#(rows.joined(separator: ", "))], "one": {"note": "\#(note)"}"#
            return Array(#"{"vars": {"_layout": [], "_paths": {}, \#(vars)}, "calls": {}, "flows": {}, "works": {}, "structures": {}, "changes": {}, "app_state": {"stage": "running"}}"#.utf8)
        }
        var names = (0..<129).map { "w\($0)" }
        try folder.write(checkpoint(names: names, label: "l2", note: String(repeating: "a", count: 70)), to: "a.json")
        names[3] = "changed"
        try folder.write(checkpoint(names: names, label: "new", note: String(repeating: "b", count: 70)), to: "b.json")
        for name in ["a", "b"] {
            #expect(try Executable.run("lightning-checkpoint", ["convert", "\(name).json", "\(name).lsnap"], in: folder.path).status == 0)
        }
        let fromJSON = try Executable.run("lightning-checkpoint", ["diff", "a.json", "b.json"], in: folder.path)
        let fromSnapshots = try Executable.run("lightning-checkpoint", ["diff", "a.lsnap", "b.lsnap"], in: folder.path)
        #expect(fromSnapshots.status == 0 && fromSnapshots.standardOutput == fromJSON.standardOutput)
        let lines = fromSnapshots.standardOutput.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix(#"~ root.names: array of 129 items: ~ [3] "w3" -> "changed""#) })
        #expect(lines.contains { $0.hasPrefix(#"~ root.rows: array of 12 items: ~ [5] {"id": 5, "label": "l2"} -> {"id": 5, "label": "new"}"#) })
        #expect(lines.contains { $0.hasPrefix(#"~ root.one: object of 1 key: ~ ["note"] "#) })
        let json = try Executable.run("lightning-checkpoint", ["diff", "a.lsnap", "b.lsnap", "--json"], in: folder.path)
        let jsonFromJSON = try Executable.run("lightning-checkpoint", ["diff", "a.json", "b.json", "--json"], in: folder.path)
        #expect(json.status == 0 && json.standardOutput == jsonFromJSON.standardOutput)
    }

    @Test("diff lists what changed inside a large array or object, at most five changes, then how many more")
    func diffInside() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        func checkpoint(_ vars: String) -> [UInt8] {
            Array(#"{"vars": {"_layout": [], "_paths": {}, \#(vars)}, "calls": {}, "flows": {}, "works": {}, "structures": {}, "changes": {}, "app_state": {"stage": "running"}}"#.utf8)
        }
        let keys = (0..<20).map { "\"k\($0)\": \($0)" }
        try folder.write(checkpoint(#""seen": [\#((0..<20).map(String.init).joined(separator: ", "))], "table": {\#(keys.joined(separator: ", "))}"#), to: "a.json")
        var seen = (0..<22).map(String.init)
        seen[3] = "30"
        var table = keys
        table[5] = "\"k5\": 50"
        table.remove(at: 7)
        try folder.write(checkpoint(#""seen": [\#(seen.joined(separator: ", "))], "table": {\#(table.joined(separator: ", "))}"#), to: "b.json")
        let lines = try Executable.run("lightning-checkpoint", ["diff", "a.json", "b.json"], in: folder.path).standardOutput.split(separator: "\n")
        #expect(lines == [
            "~ root.seen: array of 20 -> 22 items: ~ [3] 3 -> 30, + [20] 20, + [21] 21",
            #"~ root.table: object of 20 -> 19 keys: ~ ["k5"] 5 -> 50, - ["k7"] 7"#,
        ])
        var many = (0..<20).map(String.init)
        for index in stride(from: 0, to: 20, by: 2) { many[index] = "-1" }
        try folder.write(checkpoint(#""seen": [\#(many.joined(separator: ", "))], "table": {\#(keys.joined(separator: ", "))}"#), to: "c.json")
        let more = try Executable.run("lightning-checkpoint", ["diff", "a.json", "c.json"], in: folder.path).standardOutput
        #expect(more == "~ root.seen: array of 20 items: ~ [0] 0 -> -1, ~ [2] 2 -> -1, ~ [4] 4 -> -1, ~ [6] 6 -> -1, ~ [8] 8 -> -1, and 5 more\n")
    }

    @Test("get prints one var as JSON; a missing component or var is one line naming what exists")
    func get() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("counter-app", [], in: folder.path).status == 0)
        #expect(try Executable.run("lightning-checkpoint", ["get", "latest", "root.w.counter"], in: folder.path).standardOutput == "3\n")
        #expect(try Executable.run("lightning-checkpoint", ["get", "latest", "root.w._host"], in: folder.path).standardOutput == "\"127.0.0.1\"\n")
        let missing = try Executable.run("lightning-checkpoint", ["get", "latest", "root.w.nope"], in: folder.path)
        #expect(missing.status == 1)
        #expect(missing.standardError.hasSuffix(": root.w has no var 'nope' (its vars: _host, _port, _url, _future_url, _internal_ip, _public_ip, _restarting, _cloud_compute, _display_name, _paths, counter; `show --tree` lists the components)\n"))
        // A component's name alone: all its vars, as one object.
        let whole = try Executable.run("lightning-checkpoint", ["get", "latest", "root.w"], in: folder.path)
        #expect(whole.status == 0)
        #expect(whole.standardOutput.hasPrefix(#"{"_host": "127.0.0.1", "#))
        #expect(whole.standardOutput.hasSuffix(#""counter": 3}"# + "\n"))
        let nowhere = try Executable.run("lightning-checkpoint", ["get", "latest", "elsewhere.x"], in: folder.path)
        #expect(nowhere.standardError.hasSuffix(": no component holds 'elsewhere.x' (components: root, root.w)\n"))
    }

    @Test("get of a structure lists its entries; a missing entry names the ones there are")
    func getStructure() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("churn-app", ["--iterations", "9"], in: folder.path).status == 0)
        let structure = try Executable.run("lightning-checkpoint", ["get", "latest", "root.items"], in: folder.path)
        #expect(structure.status == 1)
        #expect(structure.standardError.contains(": root.items is a structure (a list or dict of components), which has no vars; its entries: "))
        let entry = try Executable.run("lightning-checkpoint", ["get", "latest", "root.items.nope"], in: folder.path)
        #expect(entry.status == 1)
        #expect(entry.standardError.contains(": the structure root.items has no entry 'nope' (its entries: "))
    }

    @Test("show --tree indents each component under its parent")
    func tree() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try Executable.run("churn-app", ["--iterations", "9"], in: folder.path).status == 0)
        let lines = try Executable.run("lightning-checkpoint", ["show", "--tree", "latest"], in: folder.path).standardOutput.split(separator: "\n")
        #expect(lines[1].hasPrefix("root "))
        #expect(lines.contains { $0.hasPrefix("  items ") && $0.contains("structure") })
        #expect(lines.contains { $0.hasPrefix("    ") && $0.contains("work") })
        #expect(lines.contains { $0.hasPrefix("  visitor ") })
    }
}
