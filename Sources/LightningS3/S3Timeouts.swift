/// How long S3 requests may take: an attempt fails when it stops making progress or runs past a
/// deadline that grows with the bytes it moves, and a request is tried ``attempts`` times.
///
/// Against a server that accepts connections and never answers, one request fails after
/// ``worstCaseSilentServer`` seconds (about 43 s with the defaults): that bounds an app's start
/// (the lease's first write), each save, and the release at stop. A refused connection fails each
/// attempt at once, so a dead server is reported in about 2 s.
public struct S3Timeouts: Sendable, Hashable {
    /// Seconds an attempt may go without a byte sent or received (connecting included) before it
    /// is given up and tried again: 10.
    public let idle: Double
    /// Seconds every attempt may take, whatever its size: 20.
    public let base: Double
    /// The slowest average rate, in bytes per second, a transfer may keep: 256 KiB/s. An attempt's
    /// deadline is ``base`` plus the bytes it sends and the bytes the answer says it holds
    /// (`Content-Length`) at this rate, so a 21 MiB download may take 104 s on a slow but
    /// working link, and a 2 KiB one 20 s.
    public let minimumRate: Double
    /// Tries per request, the first included: 4.
    public let attempts: Int

    /// Creates timeouts; each value is brought within its bounds (idle 0.1 s to an hour, base 0.1 s
    /// to a day, at least 1 byte/s, 1 to 100 attempts).
    public init(idle: Double = 10, base: Double = 20, minimumRate: Double = 256 * 1_024, attempts: Int = 4) {
        self.idle = Self.bounded(idle, 0.1...3_600)
        self.base = Self.bounded(base, 0.1...86_400)
        self.minimumRate = Self.bounded(minimumRate, 1...Double.greatestFiniteMagnitude)
        self.attempts = min(max(attempts, 1), 100)
    }

    private static func bounded(_ value: Double, _ range: ClosedRange<Double>) -> Double {
        value.isNaN ? range.lowerBound : min(max(value, range.lowerBound), range.upperBound)
    }

    /// The pause before try `n + 1` (`n` ≥ 1): 0.1 s, 0.4 s, 1.6 s, then 5 s each, times a jitter
    /// of 0.5–1.5.
    static func pause(after attempt: Int) -> Double {
        min(0.1 * Double(1 << (2 * min(attempt - 1, 10))), 5)
    }

    /// The longest one request can take against a server that accepts and never answers: every
    /// attempt waits ``idle`` (or ``base``, if shorter), with the longest pauses between them.
    public var worstCaseSilentServer: Double {
        let pauses = (1..<attempts).reduce(0.0) { $0 + 1.5 * Self.pause(after: $1) }
        return Double(attempts) * min(idle, base) + pauses
    }

    /// The deadline of an attempt that moves `bytes` bytes, in seconds from its start.
    func deadline(moving bytes: Int) -> Double {
        base + Double(bytes) / minimumRate
    }
}
