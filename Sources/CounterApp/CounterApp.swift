import ArgumentParser
import Lightning
import LightningCLI

/// The first example of Lightning's checkpointing docs: a work whose counter rises by one per
/// iteration, and a root flow that saves a checkpoint after every iteration.
final class Counter: LightningWork {
    @Var var counter = 0

    override func run() throws {
        counter += 1
    }
}

final class Root: LightningFlow {
    let w = Counter()
    /// Iterations left in this run; not state, so a resumed run counts its own iterations.
    private var remaining: Int

    init(iterations: Int) {
        remaining = iterations
    }

    override func run() throws {
        try w.call()
        remaining -= 1
        if remaining == 0 { stop() }
    }

    override func shouldSaveCheckpoint() -> Bool { true }
}

@main
struct CounterApp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counter-app",
        abstract: "Count up in a work, checkpointing after every iteration.",
        discussion: "Run it, then run it again with --checkpoint latest to continue counting from the newest checkpoint."
    )

    @Option(help: "How many iterations to run before stopping.")
    var iterations = 3

    @OptionGroup var lightning: LightningAppOptions

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, not \(iterations)") }
    }

    func run() throws {
        LightningLogging.bootstrap()
        let root = Root(iterations: iterations)
        try LightningApp(root: root, name: "counter-app").run(lightning)
        print("counter=\(root.w.counter)")
    }
}
