import ArgumentParser
import Lightning
import LightningCLI
import LightningCodecs
import LightningState

/// A work holding several kinds of values.
final class Item: LightningWork {
    @Var var value = 0
    @Var var label = ""
    @Var var samples: [Double] = []

    override func run() throws {
        value += 1
    }
}

/// A flow kept in the dictionary beside works.
final class Cell: LightningFlow {
    @Var var visits = 0
    let inner = Item()
}

/// The dynamic child, added and dropped as the app goes.
final class Visitor: LightningWork {
    @Var var born = 0
    @Var var ticks = 0
}

/// A root whose state changes in every way a checkpoint must follow: vars, a list and a dictionary
/// of works and flows whose entries are appended, removed and re-created, and a dynamic child that
/// comes and goes. What changes in iteration `n` follows from `n` alone, so that a run resumed from
/// any checkpoint ends where an uninterrupted run ends.
final class Root: LightningFlow {
    @Var var iteration = 0
    @Var var total = 0
    @Var var recent: [String] = []
    /// The iteration each key was last seen at: keys join where they sort (an `insert` in a delta).
    @Var var seen: [String: Int] = [:]
    /// A growing history, now and then corrected in the middle (an `append`, or a `splice`).
    @Var var history: [Double] = []
    /// A growing log (text appended).
    @Var var log = ""
    let items = LightningList<Item>(makeElement: { _, _ in Item() })
    let cells = LightningDict<LightningComponent>(makeElement: { key, _ in key.hasPrefix("cell") ? Cell() : Item() })
    var visitor: Visitor?
    let iterations: Int
    /// Whether the hook asks for a checkpoint after every iteration (else only the policy saves).
    let savesEveryIteration: Bool

    init(iterations: Int, savesEveryIteration: Bool = true) {
        self.iterations = iterations
        self.savesEveryIteration = savesEveryIteration
    }

    override func run() throws {
        guard iteration < iterations else { return stop() }
        iteration += 1
        let n = iteration
        let h = Self.mix(UInt64(n))
        total += n
        recent = Array((recent + ["step \(n)"]).suffix(8))
        seen["k\(h % 50)"] = n
        history.append(Double(n) / 4)
        if h % 6 == 5 && history.count > 2 { history[history.count / 2] = -Double(n) }
        log += "iteration \(n)\n"

        if h % 3 == 0 || items.isEmpty { items.append(Item()) }
        if h % 5 == 1 && items.count > 1 { items.remove(at: Int(h >> 8 % UInt64(items.count))) }
        let item = items[Int(h >> 16 % UInt64(items.count))]
        try item.call()
        item.label = "item \(n % 97)"
        item.samples = Array((item.samples + [Double(h % 1000) / 8]).suffix(16))

        let key = h % 2 == 0 ? "cell\(h >> 4 % 5)" : "item\(h >> 4 % 4)"
        if h % 4 == 0 {
            cells[key] = key.hasPrefix("cell") ? Cell() : Item()  // added, or re-created
        } else if h % 7 == 3 {
            cells[key] = nil
        }
        if let cell = cells[key] as? Cell {
            cell.visits += 1
            try cell.inner.call()
        } else if let work = cells[key] as? Item {
            work.label = "visited at \(n)"
        }

        if n % 9 == 0 {
            visitor = visitor == nil ? { let born = Visitor(); born.born = n; return born }() : nil
        }
        visitor?.ticks += 1

        if iteration >= iterations { stop() }
    }

    override func shouldSaveCheckpoint() -> Bool { savesEveryIteration }

    override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
        visitor = childrenStates["visitor"] == nil ? nil : Visitor()
        try super.loadStateDict(flowState: flowState, childrenStates: childrenStates, strict: strict)
    }

    /// A well-mixed number for iteration `n` (SplitMix64's finalizer).
    static func mix(_ n: UInt64) -> UInt64 {
        var z = n &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@main
struct ChurnApp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn-app",
        abstract: "Change state in every way a checkpoint must follow, checkpointing after every iteration.",
        discussion: """
            Each iteration edits vars, appends, removes and re-creates entries of a list and a \
            dictionary of works and flows, and adds or drops a dynamic child, on a schedule that \
            follows from the iteration number. The iteration counter is state: --iterations N is \
            the app's whole life, and a run resumed with --checkpoint latest goes on to N. At the end \
            it prints digest=<hex> of its state, the same for an uninterrupted run and for one \
            killed and resumed any number of times.
            """
    )

    @Option(help: "The app's whole life, in iterations.")
    var iterations = 300

    @Flag(help: "Save only when the policy says so (--checkpoint-every, --checkpoint-interval, SIGUSR1, the final checkpoint at a stop): the app's own hook asks for none.")
    var policyOnly = false

    @OptionGroup var lightning: LightningAppOptions

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, not \(iterations)") }
    }

    func run() throws {
        LightningLogging.bootstrap()
        let root = Root(iterations: iterations, savesEveryIteration: !policyOnly)
        let app = LightningApp(root: root, name: "churn-app")
        try app.run(lightning)
        print("iteration=\(root.iteration) digest=\(StateDigest.of(try app.checkpointState()))")
    }
}
