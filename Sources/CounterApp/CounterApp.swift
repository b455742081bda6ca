import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// Whether the hook asks for a checkpoint after every iteration (else only the policy saves).
    private let savesEveryIteration: Bool
    /// How long each iteration sleeps, in seconds: an app that waits most of the time.
    private let sleep: Double

    init(iterations: Int, savesEveryIteration: Bool = true, sleep: Double = 0) {
        remaining = iterations
        self.savesEveryIteration = savesEveryIteration
        self.sleep = sleep
    }

    override func run() throws {
        try w.call()
        remaining -= 1
        if remaining == 0 { stop() }
        if sleep > 0 { usleep(UInt32(sleep * 1_000_000)) }
    }

    override func shouldSaveCheckpoint() -> Bool { savesEveryIteration }
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

    @Flag(help: "Save only when the policy says so (--checkpoint-every, --checkpoint-interval, SIGUSR1, the final checkpoint at a stop): the app's own hook asks for none.")
    var policyOnly = false

    @Option(help: ArgumentHelp("Sleep this long (at most 3600) in every iteration, like an app that waits most of the time.", valueName: "seconds"))
    var sleep = 0.0

    @OptionGroup var lightning: LightningAppOptions

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, not \(iterations)") }
        guard sleep >= 0, sleep <= 3600 else { throw ValidationError("--sleep must be 0 to 3600 seconds, not \(sleep)") }
    }

    func run() throws {
        LightningLogging.bootstrap()
        let root = Root(iterations: iterations, savesEveryIteration: !policyOnly, sleep: sleep)
        try LightningApp(root: root, name: "counter-app").run(lightning)
        print("counter=\(root.w.counter)")
    }
}
