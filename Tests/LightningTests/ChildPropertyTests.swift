import Foundation
import InMemoryLogging
@testable import Lightning
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import Testing

/// How a flow's children are found and followed: `let` children read once, `@Child` properties
/// reporting their writes, plain optionals compared after each iteration, and a plain
/// non-optional `var` replaced, which full checkpoints catch.
@Suite("Child properties")
struct ChildPropertyTests {
    final class Kinds: LightningFlow {
        let fixed = Counter()
        var swappable = Counter()
        var optional: Leaf?
        @Child var reported: Counter? = nil
        let items = LightningList<Counter>()
        var count = 0
    }

    @Test("reflection finds every kind of child property, and tells which ones are watched")
    func reflection() {
        let flow = Kinds()
        flow.reported = Counter()
        let children = flow.children()
        #expect(Array(children.works.keys) == ["fixed", "swappable", "reported"])
        #expect(Array(children.structures.keys) == ["items"])
        #expect(children.flows.isEmpty)
        #expect(children.watchedLabels == ["optional"], "only a plain optional is compared after each iteration")
        #expect(children.fixedPlainLabels == ["fixed", "swappable", "items"])
    }

    /// Replaces a child in iteration 2 in the way `how` says, and saves after every iteration.
    final class Replacer: LightningFlow {
        enum How { case reported, optional, plainVar }
        let how: How
        @Child var reported: Counter? = nil
        var optional: Counter?
        var plain = Counter()
        var iteration = 0

        init(_ how: How) { self.how = how }

        override func run() throws {
            iteration += 1
            if iteration == 2 {
                let child = Counter()
                child.counter = 42
                switch how {
                case .reported: reported = child
                case .optional: optional = child
                case .plainVar: plain = child
                }
            }
            if iteration == 3 { stop() }
        }

        override func shouldSaveCheckpoint() -> Bool { true }
    }

    @Test("a child set through @Child or a plain optional is attached at the next boundary and saved by the next delta", arguments: [Replacer.How.reported, .optional])
    func replacedChildSaved(_ how: Replacer.How) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Replacer(how)
        try LightningApp(root: root, name: "children").run(from: .initialState, storageRoot: folder.path)
        let key: StateString = how == .reported ? "reported" : "optional"
        let store = CheckpointStore(storageRoot: folder.path)
        let infos = try store.list()
        #expect(infos.count == 3)
        #expect(infos[1].parent != nil, "the checkpoint after the replacement is a delta")
        let second = try store.loadCheckpoint(infos[1].name.stem).state
        #expect(second["works"]?[key]?["vars"]?["counter"] == 42)
        #expect((how == .reported ? root.reported : root.optional)?.name == "root.\(key.displayString)")
    }

    @Test("a plain non-optional var replaced is caught before the next checkpoint, with a warning that says how to declare it")
    func plainVarReplacedCaught() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Replacer(.plainVar)
        let app = LightningApp(root: root, name: "children")
        let logs = InMemoryLogHandler()
        app.logger = Logger(label: "lightning.app", factory: { _ in logs })
        try app.run(from: .initialState, storageRoot: folder.path)
        let store = CheckpointStore(storageRoot: folder.path)
        let infos = try store.list()
        #expect(infos[1].parent != nil, "the checkpoint after the replacement is a delta")
        let second = try store.loadCheckpoint(infos[1].name.stem).state
        #expect(second["works"]?["plain"]?["vars"]?["counter"] == 42)
        #expect(root.plain.name == "root.plain")
        let warnings = logs.entries.filter { $0.level == .warning }.map { "\($0.message)" }
        #expect(warnings == ["a child of root was replaced in a property declared neither optional nor @Child, which only checkpoints look at: declare children you replace as @Child var (or optionals)"])
    }

    @Test("beyond 64 flows with plain non-optional children, only full checkpoints look at them")
    func plainVarsBeyondTheLimit() throws {
        final class Holder: LightningFlow {
            var child = Counter()
        }
        final class Many: LightningFlow {
            let boxes = LightningList<Holder>((0...ChildWatch.fixedCheckLimit).map { _ in Holder() })
            var iteration = 0
            override func run() throws {
                iteration += 1
                if iteration == 2 { boxes[0].child = Counter() }
                if iteration == 3 { stop() }
            }
            override func shouldSaveCheckpoint() -> Bool { true }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = Many()
        let app = LightningApp(root: root, name: "children")
        app.policy.maxDeltaChain = 1  // full, delta, full
        try app.run(from: .initialState, storageRoot: folder.path)
        let store = CheckpointStore(storageRoot: folder.path)
        let infos = try store.list()
        #expect(infos.map { $0.parent == nil } == [true, false, true])
        func child(_ index: Int) throws -> StateValue? {
            let loaded = try store.loadCheckpoint(infos[index].name.stem)
            return loaded.state["structures"]?["boxes"]?["flows"]?["0"]?["works"]?["child"]
        }
        let (first, second) = (try child(0), try child(1))
        #expect(first != nil && second == first, "the delta does not see the replacement")
        #expect(root.boxes[0].child.name == "root.boxes.0.child", "the full checkpoint attached the new child")
    }

    @Test("a flow holding only let and @Child children is never reflected after an iteration")
    func unwatchedFlowsNotListed() {
        final class Quiet: LightningFlow {
            let fixed = Counter()
            @Child var later: Counter? = nil
        }
        let root = Quiet()
        _ = root.refreshAttachments(renaming: true)
        let watch = ChildWatch()
        watch.rebuild(from: root)
        root.later = Counter()
        #expect(root.childrenReassigned, "the @Child write was reported")
        _ = root.refreshAttachments(renaming: false)
        #expect(!root.childrenReassigned)
        #expect(root.attached?.works["later"] === root.later)
        #expect(root.later?.name == "root.later")
    }
}
