import ArgumentParser
import Foundation
import Lightning
import LightningCLI
import LightningServiceLifecycle
import LightningStore
import Logging
import ServiceLifecycle
import UnixSignals

/// An app embedded in a service: a work counts while the flow waits between iterations, as a
/// server's background job would, and a second service asks the app for a checkpoint now and then
/// through its control. SIGTERM or SIGINT shut the group down gracefully.
final class Counter: LightningWork {
    @Var var counter = 0

    override func run() throws {
        counter += 1
    }
}

final class Root: LightningFlow {
    let w = Counter()
    private let pause: Double

    init(pause: Double) {
        self.pause = pause
    }

    override func run() throws {
        try w.call()
        Thread.sleep(forTimeInterval: pause)  // waiting for the next piece of work
    }
}

/// Asks the app for a checkpoint every `interval`, and logs where it went once durable.
struct CheckpointReporter: Service {
    let control: LightningAppControl
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Ends with the group: its graceful shutdown cancels the loop.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    let name = try await control.checkpoint()
                    logger.notice("checkpoint asked for by the reporter: \(name)")
                } catch {
                    logger.warning("checkpoint asked for by the reporter failed: \(error)")
                }
            }
        }
    }
}

/// Asks the app for a checkpoint on every SIGUSR1, as the command-line apps do.
struct CheckpointOnSignal: Service {
    let control: LightningAppControl

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigusr1)
        await cancelWhenGracefulShutdown {
            for await _ in signals { control.requestCheckpoint() }
        }
    }
}

@main
struct ServiceApp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service-app",
        abstract: "Run an app inside a swift-service-lifecycle ServiceGroup; SIGTERM stops it gracefully.",
        discussion: """
            A work counts up while the flow waits --pause seconds per iteration. The app checkpoints \
            every --checkpoint-interval seconds, on SIGUSR1, and whenever the reporter service asks \
            through the app's control (every --report-interval seconds). It starts from the newest \
            checkpoint when there is one (the first boot starts fresh). On SIGTERM or SIGINT the \
            group shuts down gracefully: the app takes a final checkpoint, waits for its saves, and \
            the program prints counter=<n> and exits 0. If that takes longer than --stop-timeout \
            seconds, the group cancels the app, which stops waiting for its saves and exits 2 \
            naming the newest durable checkpoint; a flow whose iteration has not returned holds \
            the program until it does.
            """
    )

    @Option(help: "The storage: a folder, or s3://BUCKET[/PREFIX] (default: $STORAGE_ROOT_DIR, else ./.storage).")
    var storage: String?

    @Option(help: ArgumentHelp("How long each iteration waits.", valueName: "seconds"))
    var pause = 0.1

    @Option(help: ArgumentHelp("Save a checkpoint when this many seconds have passed since the last one.", valueName: "seconds"))
    var checkpointInterval = 2.0

    @Option(help: ArgumentHelp("How often the reporter service asks the app for a checkpoint.", valueName: "seconds"))
    var reportInterval = 5.0

    @Option(help: ArgumentHelp("How long a graceful shutdown may take before the group cancels the app.", valueName: "seconds"))
    var stopTimeout = 25.0

    func validate() throws {
        guard pause >= 0, pause.isFinite else { throw ValidationError("--pause must be 0 or more seconds, not \(pause)") }
        guard checkpointInterval > 0 else { throw ValidationError("--checkpoint-interval must be above 0, not \(checkpointInterval)") }
        guard reportInterval > 0 else { throw ValidationError("--report-interval must be above 0, not \(reportInterval)") }
        guard stopTimeout >= 0, stopTimeout.isFinite else { throw ValidationError("--stop-timeout must be 0 or more seconds, not \(stopTimeout)") }
    }

    func run() async throws {
        LightningLogging.bootstrap()
        let logger = Logger(label: "service-app")
        let store: CheckpointStore
        do {
            store = try StorageAddress.store(explicit: storage)
        } catch {
            Console.writeErrorLine("\(error)")
            throw ExitCode.failure
        }
        let pause = pause
        let interval = checkpointInterval
        let app = LightningAppService(store: store) {
            let app = LightningApp(root: Root(pause: pause), name: "service-app")
            app.policy.everySeconds = interval
            return app
        } stopped: { app in
            if let root = app.root as? Root { print("counter=\(root.w.counter)") }
        }
        let reporter = CheckpointReporter(control: app.control, interval: .seconds(reportInterval), logger: logger)
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: reporter),
                .init(service: CheckpointOnSignal(control: app.control)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(stopTimeout)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch let error as LightningError {
            Console.writeErrorLine(error.description)
            throw error.code == .stopTimedOut ? ExitCode(2) : ExitCode.failure
        }
    }
}
