import Foundation
import LightningCLI
import LightningTestSupport
import Logging
import Testing

@Suite("One-line log handler")
struct OneLineLogHandlerTests {
    static func logger(_ level: Logger.Level, into lines: LockedBox<[String]>) -> Logger {
        Logger(label: "test") { _ in OneLineLogHandler(logLevel: level, write: { line in lines.mutate { $0.append(line) } }) }
    }

    @Test("at notice a message is its line alone, and lower levels are not written")
    func messageOnly() {
        let lines = LockedBox<[String]>([])
        let logger = Self.logger(.notice, into: lines)
        logger.info("saved", metadata: ["bytes": "10"])
        logger.notice("resumed from a", metadata: ["checkpoint": "a"])
        logger.error("checkpoint save failed: disk full")
        #expect(lines.value == ["resumed from a", "checkpoint save failed: disk full"])
    }

    @Test("at debug the metadata follows, sorted by key, the logger's own included")
    func metadataAtDebug() {
        let lines = LockedBox<[String]>([])
        var logger = Self.logger(.debug, into: lines)
        logger[metadataKey: "app"] = "counter"
        logger.debug("saved checkpoint c", metadata: ["seconds": "0.1", "bytes": "10"])
        #expect(lines.value == ["saved checkpoint c app=counter bytes=10 seconds=0.1"])
    }

    @Test("level names are read in any case; an unknown one is none")
    func levelNames() {
        #expect(LightningLogging.level(named: "DEBUG") == .debug)
        #expect(LightningLogging.level(named: "warning") == .warning)
        #expect(LightningLogging.level(named: "loud") == nil)
        #expect(LightningLogging.level(named: nil) == nil)
    }
}
