@testable import LightningCheckpointTool
import Testing

/// How `bench` writes its figures.
@Suite("bench report")
struct BenchReportTests {
    @Test("numbers are written with the decimals asked for, rounded, never in scientific notation")
    func format() {
        #expect(BenchReport.format(0.0731, digits: 3) == "0.073")
        #expect(BenchReport.format(0.00003, digits: 6) == "0.000030")
        #expect(BenchReport.format(1e-7, digits: 7) == "0.0000001")
        #expect(BenchReport.format(1329.6, digits: 0) == "1330")
        #expect(BenchReport.format(2.5, digits: 2) == "2.50")
        #expect(BenchReport.format(-1.25, digits: 1) == "-1.3")
        #expect(BenchReport.format(-0.0001, digits: 2) == "0.00")
        #expect(BenchReport.format(.infinity, digits: 2) == "-")
    }

    @Test("a table of times takes enough decimals for its shortest to show two digits: a small state's microseconds are not zeros")
    func decimals() {
        #expect(BenchReport.decimals(for: [0.073, 0.5, 2.1], minimum: 3) == 3)
        #expect(BenchReport.decimals(for: [0.073, 0.00031], minimum: 3) == 5)
        #expect(BenchReport.decimals(for: [0.000033, 0.0016], minimum: 4) == 6)
        #expect(BenchReport.decimals(for: [1e-9], minimum: 3) == 7)
        #expect(BenchReport.decimals(for: [0, .nan], minimum: 4) == 4)
        #expect(BenchReport.format(0.000033, digits: BenchReport.decimals(for: [0.000033], minimum: 4)) == "0.000033")
    }
}
