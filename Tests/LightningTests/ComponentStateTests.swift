import Lightning
import LightningState
import LightningTestSupport
import Testing

@Suite("Component state")
struct ComponentStateTests {
    @Test("vars have their property names or the given key, after the private vars")
    func varKeys() throws {
        let app = LightningApp(root: StaticRoot(), name: "test")
        let state = try app.checkpointState(time: 1)
        let scorerVars = try #require(state["structures"]?["registry"]?["works"]?["trainer"]?["vars"]?.objectValue)
        #expect(Array(scorerVars.keys.suffix(2)) == ["learning_rate", "best"])
        #expect(Array(scorerVars.keys.prefix(10)) == [
            "_host", "_port", "_url", "_future_url", "_internal_ip", "_public_ip", "_restarting", "_cloud_compute",
            "_display_name", "_paths",
        ])
        #expect(scorerVars["best"] == .null)
        let rootVars = try #require(state["vars"]?.objectValue)
        #expect(Array(rootVars.keys) == ["_layout", "_paths", "text", "weights"])
    }

    @Test("a structure's entries are read by key, works and flows together; a missing structure is nil")
    func structureEntries() throws {
        let state = try LightningApp(root: StaticRoot(), name: "test").checkpointState(time: 1)
        let root = ComponentState(state: state)
        #expect(root.structure("items")?.names == ["1", "0"])
        let registry = try #require(root.structure("registry"))
        #expect(registry.names == ["evaluator", "trainer"])
        #expect(try registry["trainer"]?.value(of: "learning_rate", as: Double.self) == 0.01)
        #expect(root.structure("nope") == nil)
        #expect(root.structure("text") == nil)
    }

    @Test("full names follow Lightning, in structures too")
    func fullNames() throws {
        let root = StaticRoot()
        let app = LightningApp(root: root, name: "test")
        let state = try app.checkpointState(time: 1)
        try CheckpointLayout.validate(state)
        #expect(CheckpointLayout.components(of: state).map(\.fullName) == [
            "root", "root.flow_level_1", "root.flow_level_1.flow_level_2", "root.flow_level_1.flow_level_2.work_level_3",
            "root.w", "root.items", "root.items.0", "root.items.1", "root.items.1.flow_level_2",
            "root.items.1.flow_level_2.work_level_3", "root.registry", "root.registry.trainer", "root.registry.evaluator",
            "root.registry.evaluator.work_level_3",
        ])
        #expect(root.flow_level_1.flow_level_2.work_level_3.name == "root.flow_level_1.flow_level_2.work_level_3")
        #expect(root.items[0].name == "root.items.0")
    }

    @Test("_layout lists every flow below, structures included")
    func layout() throws {
        let state = try LightningApp(root: StaticRoot(), name: "test").checkpointState(time: 1)
        let names = state["vars"]?["_layout"]?.arrayValue?.compactMap { $0["name"]?.stringValue?.displayString }
        #expect(names == [
            "root.flow_level_1", "root.flow_level_1.flow_level_2", "root.items.1", "root.items.1.flow_level_2",
            "root.registry.evaluator",
        ])
        #expect(state["vars"]?["_layout"]?.arrayValue?.first == ["name": "root.flow_level_1", "content": "root.flow_level_1"])
        #expect(state["flows"]?["flow_level_1"]?["flows"]?["flow_level_2"]?["vars"]?["_layout"] == [])
    }

    @Test("writing a var marks its component changed")
    func changeTracking() throws {
        let root = StaticRoot()
        let app = LightningApp(root: root, name: "test")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        app.control.requestStop()  // before the first iteration: the run only takes its final checkpoint
        try app.run(checkpoint: nil, storageRoot: folder.path)
        #expect(app.statistics.saves == 1)
        #expect(!root.w.hasChanges)
        #expect(!root.hasChanges)
        root.w.counter += 1
        #expect(root.w.hasChanges)
        #expect(!root.hasChanges)
        _ = root.w.counter  // reading does not mark
        root.text = "changed"
        #expect(root.hasChanges)
    }

    @Test("calls are recorded like Lightning's: latest_call_hash, statuses, ret")
    func calls() throws {
        let root = StaticRoot()
        let app = LightningApp(root: root, name: "test")
        try root.w.call()
        let calls = try #require(try app.checkpointState(time: 1)["works"]?["w"]?["calls"]?.objectValue)
        let hash = try #require(calls["latest_call_hash"]?.stringValue)
        #expect(hash.displayString.count == 7)
        let record = try #require(calls[hash])
        #expect(record["ret"] == .null)
        #expect(record["statuses"]?.arrayValue?.count == 1)
        #expect(record["statuses"]?.arrayValue?.first?["stage"] == "succeeded")
        if case .int? = record["statuses"]?.arrayValue?.first?["timestamp"] {} else { Issue.record("timestamp is not an int") }
    }

    @Test("a failing work records the failure and the app reports it")
    func failingWork() throws {
        final class Root: LightningFlow {
            let bad = Failing()
            override func run() throws { try bad.call() }
        }
        let root = Root()
        let app = LightningApp(root: root, name: "test")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // The work's own error reaches the caller unchanged.
        #expect(throws: Failing.Boom.self) { try app.run(checkpoint: nil, storageRoot: folder.path) }
        #expect(app.stage == .failed)
        let calls = try #require(try app.checkpointState(time: 1)["works"]?["bad"]?["calls"]?.objectValue)
        let statuses = try #require(calls[calls["latest_call_hash"]!.stringValue!]?["statuses"]?.arrayValue)
        #expect(statuses.map { $0["stage"] } == ["pending", "running", "failed"])
        #expect(statuses.last?["message"] == "boom")
    }
}
