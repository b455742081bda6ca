import LightningBench
import Testing

@Suite("Benchmark measurements")
struct MeasurementTests {
    @Test("the median is the middle value, or the mean of the two middle ones of an even count; none gives 0")
    func median() {
        #expect(Measurement.median([3.0, 1, 2]) == 2)
        #expect(Measurement.median([4.0, 1, 3, 2]) == 2.5)
        #expect(Measurement.median([0.75, 0.25]) == 0.5)
        #expect(Measurement.median([7.0]) == 7)
        #expect(Measurement.median([Double]()) == 0)
    }

    @Test("a spread gives the smallest, the median and the largest of its samples")
    func spread() {
        let spread = Measurement.Spread([0.5, 0.125, 0.375, 0.25])
        #expect(spread.minimum == 0.125 && spread.median == 0.3125 && spread.maximum == 0.5)
        #expect(Measurement.Spread([]) == Measurement.Spread([0]))
    }
}
