@testable import Lightning
import LightningStore
import LightningState

/// Components shaped like the apps in Lightning's docs and fixtures.
final class Counter: LightningWork {
    @Var var counter = 0
    @Var var history: [String] = []

    override func run() throws {
        counter += 1
        history.append("ran \(counter)")
    }
}

final class Scorer: LightningWork {
    @Var("learning_rate") var learningRate = 0.01
    @Var var best: Double? = nil
}

final class Failing: LightningWork {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    override func run() throws { throw Boom() }
}

final class Leaf: LightningFlow {
    @Var var text = "Hello Flow Level 2!"
    let work_level_3 = Counter()
}

final class Middle: LightningFlow {
    @Var var text = "Hello Flow Level 1!"
    let flow_level_2 = Leaf()
}

/// Nested flows, a work in a flow, and List and Dict structures holding works and flows.
final class StaticRoot: LightningFlow {
    @Var var text = "Hello Root Flow!"
    @Var var weights: [String: Double] = ["a": 0.5]
    let flow_level_1 = Middle()
    let w = Counter()
    let items = LightningList<LightningComponent>([Counter(), Middle()])
    let registry = LightningDict<LightningComponent>()

    override init() {
        super.init()
        registry["trainer"] = Scorer()
        registry["evaluator"] = Leaf()
    }

    override func run() throws {
        try w.call()
        try flow_level_1.flow_level_2.work_level_3.call()
        stop()
    }
}

/// Dynamic children three levels deep, each re-created by its parent's `loadStateDict`.
final class DynamicLevel3Holder: LightningFlow {
    var work_level_3: Counter?
    var recreates = true

    override func run() throws {
        if work_level_3 == nil { work_level_3 = Counter() }
        try work_level_3?.call()
    }

    override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
        if recreates { work_level_3 = Counter() }
        try super.loadStateDict(flowState: flowState, childrenStates: childrenStates, strict: strict)
    }
}

final class DynamicLevel2Holder: LightningFlow {
    var flow_level_2: DynamicLevel3Holder?

    override func run() throws {
        if flow_level_2 == nil { flow_level_2 = DynamicLevel3Holder() }
        try flow_level_2?.run()
    }

    override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
        flow_level_2 = DynamicLevel3Holder()
        try super.loadStateDict(flowState: flowState, childrenStates: childrenStates, strict: strict)
    }
}

final class DynamicRoot: LightningFlow {
    var flow_level_1: DynamicLevel2Holder?
    var recreates = true
    var iterations = 2

    override func run() throws {
        if flow_level_1 == nil { flow_level_1 = DynamicLevel2Holder() }
        try flow_level_1?.run()
        iterations -= 1
        if iterations == 0 { stop() }
    }

    override func shouldSaveCheckpoint() -> Bool { true }

    override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
        if recreates { flow_level_1 = DynamicLevel2Holder() }
        try super.loadStateDict(flowState: flowState, childrenStates: childrenStates, strict: strict)
    }
}

extension LightningApp {
    /// Saves the app's state as it is now as one whole checkpoint in `store` (a fixture for tests
    /// that load; a running app is asked through its control instead).
    @discardableResult
    func saveCheckpoint(to store: CheckpointStore) throws -> [CheckpointInfo] {
        try store.save(checkpointState(), time: LightningWork.now(), formats: checkpointFormats)
    }
}
