import Lightning
import LightningState
import LightningStore

/// An app of the same shape and size as ``SyntheticState``, made of real flows and works, for
/// measuring incremental checkpoints: each iteration changes `changeFraction` of the works.
public final class SyntheticApp {
    /// A work with the vars of a ``SyntheticState`` work.
    final class Worker: LightningWork {
        @Var var step = 0
        @Var var status = "running"
        @Var var config: StateValue = [:]
        @Var var series: StateValue = []
    }

    /// A flow holding a list of workers.
    final class Group: LightningFlow {
        @Var var progress = 0.0
        @Var var epoch = 0
        let workers = LightningList<Worker>()
    }

    /// A parallel work that publishes a training step — its step, its loss and 64 weights — every
    /// millisecond until asked to stop.
    final class Publisher: LightningWork {
        @Var var step = 0
        @Var var loss = 0.0
        @Var var weights = [Double](repeating: 0, count: 64)

        init() { super.init(parallel: true) }

        override func run() throws {
            var (step, weights) = (self.step, self.weights)
            while !isStopRequested {
                step += 1
                weights[step % weights.count] += 1e-3
                let loss = 1 / Double(step)
                try publish {
                    self.step = step
                    self.loss = loss
                    self.weights = weights
                }
                OwnedThread.sleep(seconds: 0.001)
            }
        }
    }

    /// The root: a list of groups; its run changes a random set of workers.
    final class Root: LightningFlow {
        @Var var text = "synthetic app"
        @Var var iteration = 0
        let groups = LightningList<Group>()
        /// Parallel works publishing while the app runs, when asked for.
        @Child var publishers: LightningList<Publisher>? = nil
        var everyWorker: [Worker] = []
        var changesPerIteration = 0
        var iterationsLeft = 0
        /// The app's own work per iteration, spent spinning, so that a writer in the background has
        /// the time to finish between checkpoints (a real app computes meanwhile); the iteration after
        /// the first checkpoint (a full snapshot) works `workAfterFirst`.
        var workPerIteration: Duration = .zero
        var workAfterFirst: Duration = .zero
        var random = SplitMix(seed: 7)

        override func run() throws {
            if let publishers {
                for publisher in publishers { try publisher.call() }
            }
            let work = iteration == 1 ? max(workAfterFirst, workPerIteration) : workPerIteration
            if work > .zero {
                // Busy, as an app computing would be (a sleeping thread wakes on a cold core).
                let clock = ContinuousClock()
                let end = clock.now + work
                while clock.now < end {}
            }
            iteration += 1
            for _ in 0..<changesPerIteration {
                let worker = everyWorker[Int(random.next() % UInt64(everyWorker.count))]
                worker.step += 1
                if case .array(var values) = worker.series, !values.isEmpty {
                    worker.series = .null
                    values[Int(random.next() % UInt64(values.count))] = .float(random.unit())
                    worker.series = .array(values)
                }
            }
            iterationsLeft -= 1
            if iterationsLeft <= 0 { stop() }
        }

        override func shouldSaveCheckpoint() -> Bool { true }
    }

    let root = Root()

    /// Builds the app from the works of a synthetic state.
    public init(_ synthetic: SyntheticState) {
        let state = synthetic.make()
        for (_, groupState) in state["flows"]?.objectValue ?? [:] {
            let group = Group()
            for (_, workState) in groupState["works"]?.objectValue ?? [:] {
                let worker = Worker()
                let vars = workState["vars"]
                if case .int(let step)? = vars?["step"] { worker.step = Int(step) }
                worker.status = vars?["status"]?.stringValue?.string ?? "running"
                worker.config = vars?["config"] ?? [:]
                worker.series = vars?["series"] ?? []
                group.workers.append(worker)
                root.everyWorker.append(worker)
            }
            root.groups.append(group)
        }
    }

    /// The number of components: the root, the groups and the workers.
    public var componentCount: Int { 1 + root.groups.count + root.everyWorker.count }

    /// Runs `iterations` iterations that each do `work` (spinning that long; `workAfterFirst` after
    /// the first checkpoint), change `fraction` of the components (none when it is zero) and save a
    /// checkpoint, while `parallelWorks` parallel works publish a training step every millisecond.
    public func run(
        iterations: Int, changing fraction: Double, work: Duration = .zero, workAfterFirst: Duration = .zero, parallelWorks: Int = 0,
        store: CheckpointStore, policy: CheckpointPolicy
    ) throws -> LightningApp {
        root.publishers = parallelWorks > 0 ? LightningList((0..<parallelWorks).map { _ in Publisher() }) : nil
        root.workPerIteration = work
        root.workAfterFirst = workAfterFirst
        // Any fraction above zero changes at least one component; zero changes none.
        root.changesPerIteration = fraction > 0 ? max(1, Int((Double(componentCount) * fraction).rounded())) : 0
        root.iterationsLeft = iterations
        let app = LightningApp(root: root, name: "synthetic-app")
        app.policy = policy
        try app.run(checkpoint: nil, store: store)
        return app
    }
}
