import ArgumentParser
import Dispatch
import Lightning
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signals a command-line app answers while it runs: SIGTERM and SIGINT ask it to stop
/// gracefully (a second one ends the stop's wait), SIGUSR1 asks for a checkpoint.
///
/// The signals are taken by dispatch sources on a queue of their own (as swift-service-lifecycle
/// does), never in a signal handler, and passed to the app's ``LightningAppControl``. A watchdog
/// on the same queue ends the process with exit code 2 if the app has not returned a moment after
/// its stop's deadline — when a flow's `run()` itself does not return, nothing else can.
final class StopSignals: Sendable {
    /// The exit code of a stop cut short before the newest state was durable.
    static let cutShort = ExitCode(2)
    /// How long after the deadline the watchdog waits for the app to return on its own (it
    /// returns within milliseconds of the deadline unless an iteration is still running).
    static let grace = 0.25

    private let queue = DispatchQueue(label: "lightning.signals")
    // reason: DispatchSourceSignal is not Sendable; the sources are made in `init` and only
    // cancelled in `remove()`, which dispatch allows from any thread.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]
    /// What each signal did before: a process that ignored SIGINT (a background job of a shell)
    /// ignores it again once the app has run.
    private let previousActions: [(signal: Int32, action: sigaction)]
    private let state = Mutex(State())

    private struct State {
        var stops = 0
        var removed = false
    }

    private static let stopSignals: [Int32] = [SIGTERM, SIGINT]
    private static let checkpointSignal: Int32 = SIGUSR1

    /// - Parameter stopTimeout: How long a stop may take (`nil`: no limit, and no watchdog until a second signal).
    init(control: LightningAppControl, stopTimeout: Double?) {
        var sources: [any DispatchSourceSignal] = []
        var previousActions: [(signal: Int32, action: sigaction)] = []
        for number in Self.stopSignals + [Self.checkpointSignal] {
            var previous = sigaction()
            sigaction(number, nil, &previous)
            previousActions.append((number, previous))
            signal(number, SIG_IGN)  // the dispatch source takes it instead of the default action
            sources.append(DispatchSource.makeSignalSource(signal: number, queue: queue))
        }
        self.sources = sources
        self.previousActions = previousActions
        for source in sources {
            let number = Int32(source.handle)
            source.setEventHandler { [self] in
                if number == Self.checkpointSignal {
                    control.requestCheckpoint()
                } else {
                    stopRequested(by: number, control: control, stopTimeout: stopTimeout)
                }
            }
            source.resume()
        }
    }

    private func stopRequested(by number: Int32, control: LightningAppControl, stopTimeout: Double?) {
        let count = state.withLock { state in
            state.stops += 1
            return state.stops
        }
        if count == 1 {
            control.requestStop()  // within the policy's stop timeout
            if let stopTimeout {
                watch(control: control, after: stopTimeout + Self.grace, why: "its stop timeout of \(LightningError.secondsText(stopTimeout)) ran out")
            }
        } else {
            control.stopNow()
            watch(control: control, after: Self.grace, why: "a second signal ended the wait")
        }
    }

    /// Ends the process if the app's run has not returned by then.
    private func watch(control: LightningAppControl, after seconds: Double, why: String) {
        queue.asyncAfter(deadline: .now() + seconds) { [self] in
            guard !state.withLock({ $0.removed }) else { return }
            let advice = LightningError.stopAdvice(control.statistics.newestDurable)
            Console.writeErrorLine("The app did not stop in time (\(why), and the iteration in progress has not returned); \(advice)")
            _exit(Self.cutShort.rawValue)
        }
    }

    /// Stops answering the signals and gives them back what they did before (the default action,
    /// or nothing where the process ignored them): from here a signal is the program's again.
    func remove() {
        state.withLock { $0.removed = true }
        for source in sources { source.cancel() }
        for (number, previous) in previousActions {
            var action = previous
            sigaction(number, &action, nil)
        }
    }

}
