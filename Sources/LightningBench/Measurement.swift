import Lightning

/// Timing helpers: the median and spread of repeated runs on a monotonic clock.
public enum Measurement {
    /// The median of repeated durations, and their smallest and largest, in seconds.
    public struct Spread: Sendable, Hashable {
        public var minimum: Double
        public var median: Double
        public var maximum: Double

        /// The spread of `samples`; all zero when there are none.
        public init(_ samples: [Double]) {
            let sorted = samples.sorted()
            minimum = sorted.first ?? 0
            median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            maximum = sorted.last ?? 0
        }
    }

    /// Runs `body` `runs` times and returns the median duration in seconds.
    public static func median(runs: Int, _ body: () throws -> Void) rethrows -> Double {
        try spread(runs: runs, body).median
    }

    /// Runs `body` `runs` times and returns the durations' median, minimum and maximum.
    public static func spread(runs: Int, _ body: () throws -> Void) rethrows -> Spread {
        var samples: [Double] = []
        for _ in 0..<max(1, runs) {
            let clock = ContinuousClock()
            let elapsed = try clock.measure(body)
            samples.append(elapsed.seconds)
        }
        return Spread(samples)
    }
}
