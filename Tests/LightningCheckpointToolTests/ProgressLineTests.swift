import Foundation
import LightningCLI
import LightningTestSupport
import Testing

@Suite("Progress line")
struct ProgressLineTests {
    /// What a progress line wrote, in order.
    final class Writes: Sendable {
        let box = LockedBox<[String]>([])
        func append(_ text: String) { box.mutate { $0.append(text) } }
        var all: [String] { box.value }
    }

    @Test("nothing is ever written when standard error is not a terminal")
    func silentOffTerminal() {
        let writes = Writes()
        let progress = ProgressLine("convert", isTerminal: false, delay: 0, write: writes.append)
        progress.phase("reading")
        Thread.sleep(forTimeInterval: 0.4)
        progress.finish()
        #expect(writes.all.isEmpty)
    }

    @Test("on a terminal the line is redrawn in place with phase, steps and time, and erased by finish")
    func drawnAndErased() {
        let writes = Writes()
        let progress = ProgressLine("verify", isTerminal: true, delay: 0, write: writes.append)
        progress.phase("checking")
        progress.step(1, of: 4)
        // The redrawing thread may draw once before the phase is set, so wait (at most 10 s,
        // for a loaded machine) for a redraw showing the phase and the steps.
        let full = "\r\u{1B}[2Kverify: checking 1/4 (25%), "
        let deadline = Date().addingTimeInterval(10)
        while !writes.all.contains(where: { $0.hasPrefix(full) }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        progress.finish()
        let all = writes.all
        #expect(all.count >= 2)
        #expect(all.contains(where: { $0.hasPrefix(full) && $0.hasSuffix(" s") }))
        #expect(all.dropLast().allSatisfy { $0.hasPrefix("\r\u{1B}[2Kverify") })  // every draw in place
        #expect(all.last == "\r\u{1B}[2K")  // erased before finish returns
        Thread.sleep(forTimeInterval: 0.3)
        #expect(writes.all.count == all.count)  // and never drawn again
    }

    @Test("before its delay the line is not drawn, and a quick command leaves no trace")
    func notBeforeDelay() {
        let writes = Writes()
        let progress = ProgressLine("compact", isTerminal: true, delay: 60, write: writes.append)
        Thread.sleep(forTimeInterval: 0.3)
        progress.finish()
        #expect(writes.all.isEmpty)
    }

    @Test("a line the command prints goes above the progress line, which is erased first")
    func printAbove() throws {
        let writes = Writes()
        let progress = ProgressLine("verify", isTerminal: true, delay: 0, write: writes.append)
        let deadline = Date().addingTimeInterval(10)
        while writes.all.isEmpty, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }  // drawn once
        progress.printAbove { writes.append("ok a\n") }
        progress.finish()
        let all = writes.all
        let index = try #require(all.firstIndex(of: "ok a\n"))
        #expect(index > 0 && all[index - 1] == "\r\u{1B}[2K")
    }

    @Test("the rendered line", arguments: [
        (nil, "bench: binary save, 12 s"),
        ((3, 10), "bench: binary save 3/10 (30%), 12 s"),
        ((0, 0), "bench: binary save 0/0 (100%), 12 s"),
    ] as [((Int, Int)?, String)])
    func rendered(steps: (Int, Int)?, expected: String) {
        let progress = ProgressLine("bench", isTerminal: false)
        progress.phase("binary save")
        if let steps { progress.step(steps.0, of: steps.1) }
        #expect(progress.render(elapsed: 12.7) == expected)
    }
}
