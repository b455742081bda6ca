import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Collects one attempt's answer, and ends the attempt when it stops making progress, runs past
/// its deadline, or (for a write that commits) would outlive the writer lease.
///
/// - Until the answer's head arrives, the attempt may take ``S3Timeouts/idle`` plus the bytes it
///   sends at ``S3Timeouts/minimumRate`` (what was handed to the network cannot be seen leaving
///   it, so sending is measured by that rate, not by the last byte written).
/// - Then it fails when no byte arrives for ``S3Timeouts/idle``.
/// - In all, it may take ``S3Timeouts/base`` plus the bytes sent and the bytes the answer
///   announces (`Content-Length`) at ``S3Timeouts/minimumRate``: the deadline follows the bytes in
///   either direction.
///
/// A watch on the task's event loop checks these every tenth of a second.
final class S3ResponseCollector: HTTPClientResponseDelegate {
    typealias Response = S3Response

    /// Why the collector ended an attempt: reported instead of the client's `cancelled`.
    struct Stopped: Error, CustomStringConvertible {
        var description: String
        /// Whether the writer lease, not the network, ended it.
        var leaseLapsed: Bool
    }

    private struct State {
        var status = 0
        var headers = HTTPHeaders()
        var body = ByteBuffer()
        /// When the last byte of the answer arrived; `nil` until its head has.
        var lastProgress: NIODeadline?
        /// The deadline once the answer's size is known.
        var deadline: NIODeadline
        var watch: RepeatedTask?
        var stopped: Stopped?
        /// Whether the attempt has ended (answered or failed): a watch started after that is not kept.
        var finished = false
    }

    private let started: NIODeadline
    private let sentBytes: Int
    /// `false` for a `HEAD`, whose `Content-Length` announces no body.
    private let expectsBody: Bool
    private let timeouts: S3Timeouts
    /// For a write that commits: whether the writer lease is known to hold now.
    private let leaseHolds: (@Sendable () -> Bool)?
    private let state: Mutex<State>

    init(sentBytes: Int, expectsBody: Bool, timeouts: S3Timeouts, leaseHolds: (@Sendable () -> Bool)?) {
        let now = NIODeadline.now()
        started = now
        self.sentBytes = sentBytes
        self.expectsBody = expectsBody
        self.timeouts = timeouts
        self.leaseHolds = leaseHolds
        state = Mutex(State(deadline: now + Self.amount(timeouts.deadline(moving: sentBytes))))
    }

    /// Why the attempt was ended, if the collector ended it.
    var stopped: Stopped? { state.withLock { $0.stopped } }

    static func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(min(seconds, 1e9) * 1e9)) }

    /// Starts the watch; called once the request is handed to the client.
    func watch(_ task: HTTPClient.Task<S3Response>) {
        let repeated = task.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] repeated in
            guard let reason = check(now: .now()) else { return }
            repeated.cancel()
            state.withLock { $0.stopped = reason }
            task.fail(reason: reason)
        }
        let kept = state.withLock { state in
            if !state.finished { state.watch = repeated }
            return !state.finished
        }
        if !kept { repeated.cancel() }
    }

    private func check(now: NIODeadline) -> Stopped? {
        let (lastProgress, deadline) = state.withLock { ($0.lastProgress, $0.deadline) }
        if let lastProgress {
            if now - lastProgress > Self.amount(timeouts.idle) {
                return Stopped(description: "no answer in time (no byte for \(Self.seconds(timeouts.idle)) s)", leaseLapsed: false)
            }
        } else {
            let allowed = timeouts.idle + Double(sentBytes) / timeouts.minimumRate
            if now - started > Self.amount(allowed) {
                return Stopped(description: "no answer in time (none within \(Self.seconds(allowed)) s)", leaseLapsed: false)
            }
        }
        if now > deadline {
            let seconds = Double((deadline - started).nanoseconds) / 1e9
            return Stopped(description: "no answer in time (over its deadline of \(Self.seconds(seconds)) s for its size)", leaseLapsed: false)
        }
        if let leaseHolds, !leaseHolds() {
            return Stopped(description: "the writer lease was not renewed in time; the write was abandoned unanswered", leaseLapsed: true)
        }
        return nil
    }

    /// Seconds to a tenth, without a trailing `.0`.
    private static func seconds(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }

    func didReceiveHead(task: HTTPClient.Task<S3Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let announced = expectsBody ? max(head.headers.first(name: "content-length").flatMap(Int.init) ?? 0, 0) : 0
        state.withLock {
            $0.status = Int(head.status.code)
            $0.headers = head.headers
            $0.lastProgress = .now()
            $0.deadline = started + Self.amount(timeouts.deadline(moving: sentBytes + announced))
            // What a server announces is not trusted with memory: the buffer grows as bytes come.
            if announced > 0 { $0.body.reserveCapacity(min(announced, 64 << 20)) }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<S3Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        var buffer = buffer
        state.withLock {
            $0.body.writeBuffer(&buffer)
            $0.lastProgress = .now()
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<S3Response>, _ error: any Error) {
        state.withLock { state in
            state.finished = true
            state.watch?.cancel()
            state.body = ByteBuffer()
        }
    }

    func didFinishRequest(task: HTTPClient.Task<S3Response>) throws -> S3Response {
        try state.withLock { state in
            state.finished = true
            state.watch?.cancel()
            if let stopped = state.stopped { throw stopped }
            var body = state.body
            state.body = ByteBuffer()
            return S3Response(status: state.status, headers: state.headers, body: body.readBytes(length: body.readableBytes) ?? [])
        }
    }
}
