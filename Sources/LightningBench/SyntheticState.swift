import LightningCodecs
import LightningState

/// A deterministic, app-shaped checkpoint for measuring save and load: a root flow holding flows
/// of works, each work with Lightning's private vars, short strings, ints, a nested config dict,
/// recorded calls and one long series — floats (`floatHeavy`), log lines (`textHeavy`), rows of
/// mixed values shaped like real app states (`mixed`), nested records (`records`), or a few large
/// vars of numbers and a table (`largeVars`).
///
/// The same parameters give the same tree, byte for byte, on every machine.
public struct SyntheticState: Sendable {
    /// What the long series in each work holds.
    public enum Mix: String, Sendable, CaseIterable {
        /// Full-precision random doubles: the hardest case for text and for deflate.
        case floatHeavy = "float"
        /// Short log lines from a small vocabulary: compresses well.
        case textHeavy = "text"
        /// Rows like real app states hold: short ASCII labels (10 to 20 characters), random integers
        /// up to 2^62, a nested list of small ints, a boolean and a float, and every 16th row a
        /// small dict; strings are about a fifth of the values.
        case mixed
        /// Lists of small records, as apps keep datasets, runs or users: each record an object
        /// `{"id", "name", "label", "tags", "active", "score"}` with a unique name, a label from a few
        /// hundred, a 40-bit id and a short list of small ints. Meant for few components holding
        /// large vars (``defaultComponents``: 41, as 40 flows of large vars).
        case records
        /// A few vars holding millions of numbers and a large dictionary: in each work, a history of
        /// doubles, a list of ints and a table from string keys to doubles a quarter as long.
        /// Meant for few components (``defaultComponents``: 5).
        case largeVars = "large-vars"

        /// The component count the mix is meant for: 10,000 for the per-component mixes, few for
        /// the mixes whose bulk lives in large vars.
        public var defaultComponents: Int {
            switch self {
            case .floatHeavy, .textHeavy, .mixed: return 10_000
            case .records: return 41
            case .largeVars: return 5
            }
        }
    }

    /// How many components (flows and works) the tree has, at least 3: the root, a flow and a work.
    public let components: Int
    /// The approximate size of the state's JSON (as `json.dumps` writes it), in bytes.
    public let targetBytes: Int
    /// What fills the bulk of the state.
    public let mix: Mix
    /// The random seed.
    public let seed: UInt64
    /// The JSON bytes of the state without its series (every component's private vars, config,
    /// calls and the tree around them): about 690 a component, measured once on that state.
    public private(set) var fixedBytes = 0
    /// The items in each work's series, the part of the state that makes the mix: what is left of
    /// the target once ``fixedBytes`` are counted, shared among the works (the first few hold one
    /// item more), none when they leave too little.
    public private(set) var seriesLength = 0
    /// How many works, the first ones, hold an item more than ``seriesLength``.
    private var longerSeries = 0

    public init(components: Int = 10_000, targetBytes: Int = 100_000_000, mix: Mix = .floatHeavy, seed: UInt64 = 42) {
        self.components = max(3, components)
        self.targetBytes = targetBytes
        self.mix = mix
        self.seed = seed
        fixedBytes = JSONWriter.encodedSize(of: make(seriesLength: 0, longerSeries: 0))
        let items = max(0, targetBytes - fixedBytes) / Self.bytesPerItem(mix)
        seriesLength = items / max(1, workCount)
        longerSeries = items % max(1, workCount)
    }

    /// Works per child flow.
    static let worksPerFlow = 99

    private var flowCount: Int { max(1, (components - 1 + Self.worksPerFlow) / (Self.worksPerFlow + 1)) }
    private var workCount: Int { max(0, components - 1 - flowCount) }

    /// Whether the mix fills less than half the state (it is meant to fill the bulk): the
    /// components' fixed parts take more than half the target, or all of it.
    public var mixIsMinor: Bool { fixedBytes * 2 > targetBytes }

    /// The most components, fewer than this state's, whose fixed parts leave the mix half of this
    /// target; `nil` when not even 3 do. Found by bisection, measuring each count's fixed parts
    /// (they grow with every component).
    public var mostComponentsForMix: Int? {
        func leavesHalf(_ count: Int) -> Bool {
            !SyntheticState(components: count, targetBytes: targetBytes, mix: mix, seed: seed).mixIsMinor
        }
        guard components > 3, leavesHalf(3) else { return nil }
        var (low, high) = (3, components)  // `low` leaves half; `high` is not below this state's count
        while high - low > 1 {
            let middle = (low + high) / 2
            if leavesHalf(middle) { low = middle } else { high = middle }
        }
        return low
    }

    /// The least target in which the mix fills half the state of this many components.
    public var leastTargetBytesForMix: Int { 2 * fixedBytes }

    /// Builds the checkpoint tree.
    public func make() -> StateValue {
        make(seriesLength: seriesLength, longerSeries: longerSeries)
    }

    private func make(seriesLength: Int, longerSeries: Int) -> StateValue {
        var random = SplitMix(seed: seed)
        let flowCount = flowCount
        let workCount = workCount
        var flows = StateObject()
        var worksLeft = workCount
        for flowIndex in 0..<flowCount {
            let count = flowIndex == flowCount - 1 ? worksLeft : min(worksLeft, Self.worksPerFlow)
            worksLeft -= count
            var works = StateObject()
            for workIndex in 0..<count {
                let index = flowIndex * Self.worksPerFlow + workIndex
                works[StateString("worker_\(workIndex)")] = work(index: index, seriesLength: seriesLength + (index < longerSeries ? 1 : 0), using: &random)
            }
            flows[StateString("group_\(flowIndex)")] = flow(name: "root.group_\(flowIndex)", vars: ["progress": .float(random.unit()), "epoch": .int(Int64(flowIndex))], works: works)
        }
        guard case .object(var root) = flow(name: "root", vars: ["text": "synthetic app", "iteration": 12_345], flows: flows) else {
            preconditionFailure("a flow is an object")
        }
        root["app_state"] = ["stage": "running"]
        return .object(root)
    }

    private func flow(name: String, vars: StateObject, flows: StateObject = [:], works: StateObject = [:]) -> StateValue {
        var allVars: StateObject = ["_layout": .array(flows.keys.map { key in
            let child = StateValue.string(StateString("\(name).\(key.displayString)"))
            return ["name": child, "content": child]
        }), "_paths": [:]]
        for (key, value) in vars { allVars[key] = value }
        return ["vars": .object(allVars), "calls": [:], "flows": .object(flows), "works": .object(works), "structures": [:], "changes": [:]]
    }

    private func work(index: Int, seriesLength: Int, using random: inout SplitMix) -> StateValue {
        let series: StateValue
        switch mix {
        case .floatHeavy:
            // As a `[Double]` var gives it: the floats kept as floats.
            series = .array(StateArray(floats: (0..<seriesLength).map { _ in random.unit() * 10 - 5 }))
        case .textHeavy:
            series = .array((0..<seriesLength).map { step in
                .string(StateString("step \(step) \(Self.words[Int(random.next() % UInt64(Self.words.count))]) ok"))
            })
        case .mixed:
            series = .array((0..<seriesLength).map { row in Self.mixedRow(row, using: &random) })
        case .records:
            series = .array((0..<seriesLength).map { _ in Self.record(using: &random) })
        case .largeVars:
            series = Self.largeVars(seriesLength, using: &random)
        }
        let hash = StateString(String(random.next() >> 36, radix: 16))
        return [
            "vars": [
                "_host": "127.0.0.1", "_port": .null, "_url": "", "_future_url": "", "_internal_ip": "127.0.0.1",
                "_public_ip": "", "_restarting": false,
                "_cloud_compute": [
                    "type": "__cloud_compute__", "name": "cpu-small", "disk_size": 0, "idle_timeout": .null, "shm_size": 0,
                    "mounts": .null, "colocation_group_id": .null, "interruptible": false, "_internal_id": "default",
                ],
                "_display_name": "", "_paths": [:],
                "step": .int(Int64(index) * 7),
                "status": .string(StateString(Self.words[index % Self.words.count])),
                "config": ["lr": .float(random.unit() / 100), "layers": [64, 128, .int(Int64(index % 512))], "name": .string(StateString("model-\(index)"))],
                "series": series,
            ],
            "calls": [
                "latest_call_hash": .string(hash),
                hash: ["statuses": [["stage": "succeeded", "timestamp": 1_795_721_338]], "ret": .null],
            ],
            "changes": [:],
        ]
    }

    /// The JSON bytes one series item takes, about.
    static func bytesPerItem(_ mix: Mix) -> Int {
        switch mix {
        case .floatHeavy: return 20
        case .textHeavy: return 22
        case .mixed: return 150
        case .records: return 122
        case .largeVars: return 36
        }
    }

    /// A short ASCII label of 10 to 20 characters.
    private static func label(using random: inout SplitMix) -> StateString {
        let length = 10 + Int(random.next() % 11)
        return StateString(String(decoding: (0..<length).map { _ in labelAlphabet[Int(random.next() % UInt64(labelAlphabet.count))] }, as: UTF8.self))
    }

    private static let labelAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789_".utf8)

    /// One record of the records mix.
    static func record(using random: inout SplitMix) -> StateValue {
        let tags = (0..<(1 + Int(random.next() % 4))).map { _ in StateValue.int(Int64(random.next() % 100)) }
        let kind = words[Int(random.next() % UInt64(words.count))]
        return [
            "id": .int(Int64(random.next() >> 24)),
            "name": .string(label(using: &random)),
            "label": .string(StateString("\(kind)-\(random.next() % 32)")),
            "tags": .array(tags),
            "active": .bool(random.next() & 1 == 1),
            "score": .int(Int64(random.next() % 10_000)),
        ]
    }

    /// The vars of the large-vars mix, `length` items in all: a history of doubles, a list of ints
    /// and a table a quarter as long.
    static func largeVars(_ length: Int, using random: inout SplitMix) -> StateValue {
        // As `[Double]` and `[Int]` vars give them: numbers kept as numbers.
        let history = StateArray(floats: (0..<length).map { _ in random.unit() * 10 - 5 })
        let counts = StateArray(ints: (0..<length).map { _ in Int64(random.next() % 1_000_000) })
        var table = StateObject(minimumCapacity: length / 4)
        for index in 0..<(length / 4) { table[StateString("key_\(index)")] = .float(random.unit()) }
        return ["history": .array(history), "counts": .array(counts), "table": .object(table)]
    }

    /// One row of the mixed series: `[label, int, int, [int, int, int], bool, float, label, int]`,
    /// and every 16th row a dict `{"id": int, "tag": label, "ok": bool}` as a ninth value.
    static func mixedRow(_ row: Int, using random: inout SplitMix) -> StateValue {
        func label() -> StateValue { .string(Self.label(using: &random)) }
        func bigInt() -> StateValue { .int(Int64(random.next() >> 2)) }
        func smallInt() -> StateValue { .int(Int64(random.next() % 1_000)) }
        var values: [StateValue] = [
            label(), bigInt(), bigInt(), [smallInt(), smallInt(), smallInt()], .bool(random.next() & 1 == 1), .float(random.unit() * 100), label(), bigInt(),
        ]
        if row % 16 == 0 { values.append(["id": bigInt(), "tag": label(), "ok": .bool(random.next() & 1 == 0)]) }
        return .array(values)
    }

    private static let words = ["running", "pending", "succeeded", "loss", "accuracy", "epoch", "batch", "checkpoint", "train", "eval"]
}

/// SplitMix64, a small deterministic generator.
struct SplitMix: Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1) with 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}
