import ArgumentParser
import Lightning
import LightningCLI

/// A work that trains on its own thread: each epoch is deterministic arithmetic over its own vars,
/// and publishes the epoch, the weights and the loss together, so that a checkpoint holds the work
/// as of a whole epoch and a resumed run goes on from there.
final class Trainer: LightningWork {
    @Var var epoch = 0
    @Var var weights: [Double] = []
    @Var var loss = 0.0
    let seed: UInt64
    let epochs: Int
    let steps: Int

    init(seed: UInt64, epochs: Int, steps: Int) {
        self.seed = seed
        self.epochs = epochs
        self.steps = steps
        super.init(parallel: true, cacheCalls: true)
    }

    override func run() throws {
        // The work's own copy of its vars, as the last publication (or the checkpoint) left them.
        var weights = weights.isEmpty ? Self.initialWeights(seed: seed) : weights
        while epoch < epochs {
            let loss = Self.train(&weights, epoch: epoch, seed: seed, steps: steps)
            let next = epoch + 1
            try publish {
                self.weights = weights
                self.loss = loss
                self.epoch = next
            }
        }
    }

    /// One epoch: `steps` updates of randomly chosen weights toward targets that follow from the
    /// seed and the epoch alone; returns the epoch's mean squared error.
    static func train(_ weights: inout [Double], epoch: Int, seed: UInt64, steps: Int) -> Double {
        var state = mix(seed &+ UInt64(epoch) &* 0x9E37_79B9)
        var total = 0.0
        for _ in 0..<steps {
            state = mix(state)
            let index = Int(state % UInt64(weights.count))
            let target = Double(state >> 40) / Double(1 << 24)
            let error = weights[index] - target
            weights[index] -= 0.05 * error
            total += error * error
        }
        return total / Double(steps)
    }

    static func initialWeights(seed: UInt64) -> [Double] {
        var state = seed
        return (0..<32).map { _ in
            state = mix(state)
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    /// SplitMix64's finalizer.
    static func mix(_ n: UInt64) -> UInt64 {
        var z = n &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The flow only coordinates: it starts the trainers (a call of a running or finished one does
/// nothing), watches them, and stops once every one succeeded.
final class Root: LightningFlow {
    let trainers = LightningList<Trainer>()
    @Var var finished = 0

    struct TrainingFailed: Error, CustomStringConvertible {
        let work: String
        let status: WorkStatus
        var description: String { "\(work) failed: \(status.message ?? "no message")" }
    }

    init(workers: Int, epochs: Int, steps: Int) {
        super.init()
        for index in 0..<workers {
            trainers.append(Trainer(seed: UInt64(index + 1), epochs: epochs, steps: steps))
        }
    }

    override func run() throws {
        for trainer in trainers { try trainer.call() }
        if let failed = trainers.first(where: \.hasFailed) { throw TrainingFailed(work: failed.name, status: failed.callStatus) }
        let done = trainers.filter(\.hasSucceeded).count
        if done != finished { finished = done }
        if done == trainers.count { stop() }
    }
}

@main
struct TrainApp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-app",
        abstract: "Train parallel works while the flow watches them, checkpointing as they go.",
        discussion: """
            The root flow starts --workers parallel works (LightningWork(parallel: true)); each \
            trains on its own thread for --epochs epochs of deterministic arithmetic, publishing its \
            epoch, weights and loss together after each. The flow watches their statuses and the \
            app checkpoints every --checkpoint-interval seconds (default 1) without pausing them. \
            Killed or stopped at any moment and resumed with --checkpoint latest, every work goes on \
            from its last checkpointed epoch; at the end the app prints digest=<hex> of its state, \
            the same as an uninterrupted run's.
            """
    )

    @Option(help: "The parallel works to train.")
    var workers = 4

    @Option(help: "Epochs per work.")
    var epochs = 40

    @Option(help: "Weight updates per epoch (the work an epoch costs).")
    var steps = 2_000_000

    @OptionGroup var lightning: LightningAppOptions

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, not \(workers)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, not \(steps)") }
    }

    func run() throws {
        LightningLogging.bootstrap()
        let root = Root(workers: workers, epochs: epochs, steps: steps)
        let app = LightningApp(root: root, name: "train-app")
        app.policy.everySeconds = 1
        try app.run(lightning)
        let epochs = root.trainers.map { String($0.epoch) }.joined(separator: ",")
        print("epochs=\(epochs) digest=\(StateDigest.of(try app.checkpointState()))")
    }
}
