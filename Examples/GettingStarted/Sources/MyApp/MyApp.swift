// The app of the getting-started article (Sources/Lightning/Lightning.docc/GettingStarted.md),
// whole: a flow and a work, saved after every iteration, resumed with --checkpoint latest.
import ArgumentParser
import Lightning
import LightningCLI

final class Counter: LightningWork {
    @Var var counter = 0                      // saved as "counter"
    override func run() throws { counter += 1 }
}

final class Root: LightningFlow {
    let w = Counter()                         // root.w
    override func run() throws {
        try w.call()                          // runs the work and records the call
        if w.counter % 3 == 0 { stop() }
    }
    override func shouldSaveCheckpoint() -> Bool { true }
}

@main
struct CounterApp: ParsableCommand {
    @OptionGroup var lightning: LightningAppOptions

    func run() throws {
        LightningLogging.bootstrap()          // one-line messages on standard error
        let root = Root()
        try LightningApp(root: root, name: "counter-app").run(lightning)
        print("counter=\(root.w.counter)")
    }
}
