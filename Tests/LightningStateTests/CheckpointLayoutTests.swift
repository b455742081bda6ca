import LightningState
import LightningTestSupport
import Testing

@Suite("Checkpoint layout")
struct CheckpointLayoutTests {
    static func flow(vars: StateObject = [:], flows: StateObject = [:], works: StateObject = [:], structures: StateObject = [:]) -> StateValue {
        ["vars": .object(vars), "calls": [:], "flows": .object(flows), "works": .object(works), "structures": .object(structures), "changes": [:]]
    }

    static let work: StateValue = ["vars": ["counter": 1], "calls": [:], "changes": [:]]

    static func checkpoint(_ root: StateValue, stage: StateValue = "running") -> StateValue {
        guard case .object(var members) = root else { fatalError() }
        members["app_state"] = ["stage": stage]
        return .object(members)
    }

    @Test("a checkpoint with flows, works and structures is valid")
    func valid() throws {
        let structure: StateValue = ["works": ["0": Self.work], "flows": ["1": Self.flow(works: ["w": Self.work])]]
        let root = Self.flow(flows: ["a": Self.flow(works: ["w": Self.work])], works: ["w": Self.work], structures: ["items": structure])
        try CheckpointLayout.validate(Self.checkpoint(root))
    }

    @Test("errors name the component path and the problem", arguments: [
        (
            flow(flows: ["a": flow(works: ["w": ["vars": [:], "changes": [:]]])]),
            #"root.flows.a.works.w: missing "calls""#
        ),
        (flow(flows: ["a": ["vars": [:]]]), #"root.flows.a: missing "calls""#),
        (flow(works: ["w": ["vars": [], "calls": [:], "changes": [:]]]), #"root.works.w: "vars" is an array, expected an object"#),
        (flow(structures: ["s": ["works": [:]]]), #"root.structures.s: missing "flows""#),
        (flow(structures: ["s": ["works": ["0": 3], "flows": [:]]]), "root.structures.s.works.0: is an int, expected an object"),
    ] as [(StateValue, String)])
    func layoutErrors(root: StateValue, message: String) {
        #expect(throws: CheckpointLayoutError.self) { try CheckpointLayout.validate(Self.checkpoint(root)) }
        do {
            try CheckpointLayout.validate(Self.checkpoint(root))
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("the stage must be one Lightning knows")
    func stages() throws {
        for stage in AppStage.allCases {
            try CheckpointLayout.validate(Self.checkpoint(Self.flow(), stage: .string(StateString(stage.rawValue))))
        }
        let error = #expect(throws: CheckpointLayoutError.self) {
            try CheckpointLayout.validate(Self.checkpoint(Self.flow(), stage: "sleeping"))
        }
        #expect(error?.description == #"app_state.stage: "sleeping" is not a known stage (blocking, running, restarting, stopping, failed)"#)
        let missing = #expect(throws: CheckpointLayoutError.self) { try CheckpointLayout.validate(Self.flow()) }
        #expect(missing?.description == #"root: missing "app_state""#)
        let notObject = #expect(throws: CheckpointLayoutError.self) { try CheckpointLayout.validate([1, 2]) }
        #expect(notObject?.description == "root: is an array, expected an object")
    }

    @Test("components get Lightning's full names")
    func fullNames() {
        let structure: StateValue = ["works": ["0": Self.work], "flows": ["1": Self.flow(works: ["scorer": Self.work])]]
        let root = Self.flow(
            vars: ["x": 1, "y": 2],
            flows: ["flow_level_1": Self.flow(works: ["work_level_3": Self.work])],
            structures: ["items": structure])
        let entries = CheckpointLayout.components(of: Self.checkpoint(root))
        #expect(entries.map(\.fullName) == [
            "root", "root.flow_level_1", "root.flow_level_1.work_level_3", "root.items", "root.items.0", "root.items.1",
            "root.items.1.scorer",
        ])
        #expect(entries.map(\.kind) == [.flow, .flow, .work, .structure, .work, .flow, .work])
        #expect(entries[0].varCount == 2)
        #expect(entries[3].varCount == 0)
    }
}
