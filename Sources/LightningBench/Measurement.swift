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
            minimum = samples.min() ?? 0
            median = Measurement.median(samples)
            maximum = samples.max() ?? 0
        }
    }

    /// The median of `values`: the middle one, or the mean of the two in the middle of an even
    /// count; 0 when there are none.
    public static func median(_ values: some Collection<Double>) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// Runs `body` `runs` times and returns the median duration in seconds.
    public static func median(runs: Int, _ body: () throws -> Void) rethrows -> Double {
        try spread(runs: runs, body).median
    }

    /// Runs `body` `runs` times and returns the durations' median, minimum and maximum.
    public static func spread(runs: Int, _ body: () throws -> Void) rethrows -> Spread {
        try spread(runs: runs, producing: body)
    }

    /// Runs `body` `runs` times and returns the durations' median, minimum and maximum; what
    /// `body` returns is released after the clock stops. A load's time ends when the state is in
    /// hand: freeing it is not loading it (compare-peers times Python's loads the same way).
    public static func spread<Value>(runs: Int, producing body: () throws -> Value) rethrows -> Spread {
        try spread(runs: runs, preparing: {}, producing: body)
    }

    /// ``spread(runs:producing:)`` for a `body` that consumes its input: `prepare` makes a new one
    /// for each run before the clock starts (a load handed the file it may let go of, as a
    /// storage read hands it, not a copy it must keep the caller's intact from).
    public static func spread<Input, Value>(
        runs: Int, preparing prepare: () -> Input, producing body: (consuming Input) throws -> Value
    ) rethrows -> Spread {
        var samples: [Double] = []
        for _ in 0..<max(1, runs) {
            let input = prepare()
            let clock = ContinuousClock()
            let start = clock.now
            let value = try body(consume input)
            samples.append((clock.now - start).seconds)
            withExtendedLifetime(value) {}
        }
        return Spread(samples)
    }
}
