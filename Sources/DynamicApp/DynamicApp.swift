import ArgumentParser
import Lightning
import LightningCLI

/// The second example of Lightning's checkpointing docs: the work is created in `run()` when
/// missing, so restoring needs `loadStateDict` to re-create it before the state is applied.
final class Counter: LightningWork {
    @Var var counter = 0

    override func run() throws {
        counter += 1
    }
}

final class Root: LightningFlow {
    /// Created by `run()`: a dynamic child, in a property that reports its writes.
    @Child var w: Counter? = nil
    private var remaining: Int
    private let reloadsDynamicWork: Bool

    init(iterations: Int, reloadsDynamicWork: Bool) {
        remaining = iterations
        self.reloadsDynamicWork = reloadsDynamicWork
    }

    override func run() throws {
        if w == nil { w = Counter() }
        try w?.call()
        remaining -= 1
        if remaining == 0 { stop() }
    }

    override func shouldSaveCheckpoint() -> Bool { true }

    override func loadStateDict(flowState: ComponentState, childrenStates: ChildrenStates, strict: Bool) throws {
        if reloadsDynamicWork {
            // 1: Re-create the dynamic work. 2: Migrate state here if needed. 3: Load recursively.
            w = Counter()
        }
        try super.loadStateDict(flowState: flowState, childrenStates: childrenStates, strict: strict)
    }
}

@main
struct DynamicApp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamic-app",
        abstract: "Count up in a work that the root flow creates at run time, checkpointing after every iteration.",
        discussion: """
            Resume with --checkpoint latest. With --no-reload the root flow does not re-create its \
            work when loading, so resuming fails as Lightning documents: \
            "The component w wasn't instantiated for the component root".
            """
    )

    @Option(help: "How many iterations to run before stopping.")
    var iterations = 3

    @Flag(help: "Run without the loadStateDict override that re-creates the dynamic work.")
    var noReload = false

    @OptionGroup var lightning: LightningAppOptions

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, not \(iterations)") }
    }

    func run() throws {
        LightningLogging.bootstrap()
        let root = Root(iterations: iterations, reloadsDynamicWork: !noReload)
        try LightningApp(root: root, name: "dynamic-app").run(lightning)
        print("counter=\(root.w?.counter ?? 0)")
    }
}
