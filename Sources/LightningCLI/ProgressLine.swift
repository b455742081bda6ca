#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LightningStore
import Lightning

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A status line on standard error for a command that may run for seconds (a large convert,
/// compact, `verify --all`, bench, S3 transfers): what it is doing, how far it is when that is
/// known, and for how long it has run.
///
/// It appears only once the command has run for ``delay`` seconds, is redrawn in place a few
/// times a second, and is erased by ``finish()``; when standard error is not a terminal (a pipe,
/// a file, CI) nothing is ever written.
package final class ProgressLine: @unchecked Sendable {
    // reason: every mutable field is read and written only while `condition` is locked.
    private let title: String
    private let delay: Double
    private let write: @Sendable (String) -> Void
    private let condition = ConditionLock()
    private let started = ContinuousClock.now
    private var phase = ""
    private var steps: (done: Int, total: Int)?
    private var drawn = false
    private var finished = false
    /// Whether the redrawing thread runs.
    private var running = false

    /// Seconds before the line first appears.
    package static let defaultDelay = 2.0

    /// Whether standard error is a terminal that can redraw a line.
    package static var standardErrorIsTerminal: Bool {
        isatty(2) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Starts the line's clock; draws nothing unless `isTerminal`.
    package init(
        _ title: String, isTerminal: Bool = ProgressLine.standardErrorIsTerminal, delay: Double = ProgressLine.defaultDelay,
        write: @escaping @Sendable (String) -> Void = { Console.writeError($0) }
    ) {
        self.title = title
        self.delay = delay
        self.write = write
        if isTerminal {
            running = true
            OwnedThread.start(name: "progress-line") { self.redrawUntilFinished() }
        }
    }

    /// Runs `body` with a progress line titled `title`, erased when `body` returns or throws.
    package static func during<T>(_ title: String, _ body: (ProgressLine) throws -> T) rethrows -> T {
        let progress = ProgressLine(title)
        defer { progress.finish() }
        return try body(progress)
    }

    /// What the command is doing now ("reading checkpoint_7.lsnap"); clears the step count.
    package func phase(_ text: String) {
        condition.withLock {
            phase = text
            steps = nil
        }
    }

    /// How far the current phase is, in steps (files verified, runs done).
    package func step(_ done: Int, of total: Int) {
        condition.withLock { steps = (done, total) }
    }

    /// Runs `body`, which prints a line of the command's own, with the progress line erased first
    /// (it is drawn again, below, at the next redraw).
    package func printAbove(_ body: () -> Void) {
        condition.withLock {
            if drawn {
                write("\r\u{1B}[2K")
                drawn = false
            }
            body()
        }
    }

    /// Erases the line, if it was drawn, and stops redrawing it; returns once the line is gone,
    /// so that what the command prints next starts on a clean line.
    package func finish() {
        condition.withLock {
            finished = true
            condition.broadcast()
            while running { condition.wait() }
        }
    }

    /// The line as drawn after `elapsed` seconds: `title: phase 3/10 (30%), 4 s`.
    package func render(elapsed: Double) -> String {
        condition.withLock {
            var line = title
            if !phase.isEmpty { line += ": \(phase)" }
            if let steps {
                let percent = steps.total > 0 ? steps.done * 100 / steps.total : 100
                line += " \(steps.done)/\(steps.total) (\(percent)%)"
            }
            return line + ", \(Int(elapsed)) s"
        }
    }

    private func redrawUntilFinished() {
        while true {
            let elapsed = (ContinuousClock.now - started).seconds
            let line = elapsed >= delay ? render(elapsed: elapsed) : nil
            let done: Bool = condition.withLock {
                if let line, !finished {
                    write("\r\u{1B}[2K" + line)
                    drawn = true
                }
                if !finished { condition.wait(until: .now + .milliseconds(250)) }
                guard finished else { return false }
                if drawn { write("\r\u{1B}[2K") }
                running = false
                condition.broadcast()
                return true
            }
            if done { return }
        }
    }
}
