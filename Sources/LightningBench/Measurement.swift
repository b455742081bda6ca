import Lightning

/// Timing helpers: the median of repeated runs on a monotonic clock.
public enum Measurement {
    /// Runs `body` `runs` times and returns the median duration in seconds.
    public static func median(runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        for _ in 0..<max(1, runs) {
            let clock = ContinuousClock()
            let elapsed = try clock.measure(body)
            samples.append(elapsed.seconds)
        }
        samples.sort()
        return samples[samples.count / 2]
    }
}
