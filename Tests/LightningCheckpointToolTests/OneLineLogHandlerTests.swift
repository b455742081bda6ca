import Foundation
import LightningCLI
import Logging
import Testing

@Suite("One-line log handler")
struct OneLineLogHandlerTests {
    final class Lines: @unchecked Sendable {
        // reason: `lines` is guarded by `lock`.
        private let lock = NSLock()
        private var stored: [String] = []
        func append(_ line: String) { lock.withLock { stored.append(line) } }
        var lines: [String] { lock.withLock { stored } }
    }

    static func logger(_ level: Logger.Level, into lines: Lines) -> Logger {
        Logger(label: "test") { _ in OneLineLogHandler(logLevel: level, write: lines.append) }
    }

    @Test("at notice a message is its line alone, and lower levels are not written")
    func messageOnly() {
        let lines = Lines()
        let logger = Self.logger(.notice, into: lines)
        logger.info("saved", metadata: ["bytes": "10"])
        logger.notice("resumed from a", metadata: ["checkpoint": "a"])
        logger.error("checkpoint save failed: disk full")
        #expect(lines.lines == ["resumed from a", "checkpoint save failed: disk full"])
    }

    @Test("at debug the metadata follows, sorted by key, the logger's own included")
    func metadataAtDebug() {
        let lines = Lines()
        var logger = Self.logger(.debug, into: lines)
        logger[metadataKey: "app"] = "counter"
        logger.debug("saved checkpoint c", metadata: ["seconds": "0.1", "bytes": "10"])
        #expect(lines.lines == ["saved checkpoint c app=counter bytes=10 seconds=0.1"])
    }

    @Test("level names are read in any case; an unknown one is none")
    func levelNames() {
        #expect(LightningLogging.level(named: "DEBUG") == .debug)
        #expect(LightningLogging.level(named: "warning") == .warning)
        #expect(LightningLogging.level(named: "loud") == nil)
        #expect(LightningLogging.level(named: nil) == nil)
    }
}
