import LightningStore

/// Tries a storage operation again after a transient failure (``CheckpointStoreError/isTransient``),
/// a bounded number of times, waiting longer each time, with jitter so that writers sharing a
/// storage do not retry in step. A failure that is not transient (bad data, a held lock), or that
/// the storage already retried on its own (an object store's client does), is not retried.
struct Retrier: Sendable {
    /// How many times an operation is tried in all.
    var attempts: Int
    /// The pause before the first retry, in seconds; each later one is four times longer.
    var delay: Double
    /// Pauses before a retry, and says whether to retry: a writer whose app stopped waiting ends
    /// the pause early and gives up. A parameter so that tests need not wait.
    var sleep: @Sendable (Double) -> Bool = { seconds in
        OwnedThread.sleep(seconds: seconds)
        return true
    }
    /// Told of each failure that is tried again: the error, and the attempt that failed (1 for the first).
    var onRetry: @Sendable (CheckpointStoreError, Int) -> Void = { _, _ in }

    /// The failure of the last attempt, and how many attempts were made.
    struct Failure: Error {
        let error: CheckpointStoreError
        let attempts: Int
        /// `" after 3 attempts"`, or nothing for a single attempt, to follow "failed" in a message.
        var attemptsText: String { attempts > 1 ? " after \(attempts) attempts" : "" }
    }

    /// Runs `body` until it succeeds, fails with an error that is not transient, or has been tried
    /// ``attempts`` times.
    func run<T>(_ body: () throws(CheckpointStoreError) -> T) -> Result<T, Failure> {
        var attempt = 1
        var pause = delay
        while true {
            do {
                return .success(try body())
            } catch {
                guard error.isTransient, !error.alreadyRetried, attempt < attempts else { return .failure(Failure(error: error, attempts: attempt)) }
                onRetry(error, attempt)
                guard sleep(pause * Double.random(in: 0.5...1.5)) else { return .failure(Failure(error: error, attempts: attempt)) }
                pause *= 4
                attempt += 1
            }
        }
    }
}
