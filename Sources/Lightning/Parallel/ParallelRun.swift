#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LightningState
import OrderedCollections
import Synchronization

/// A parallel work's call in flight: the work's own copy of its vars, which only the work's
/// thread reads and writes, and the mailbox through which its publications and its outcome reach
/// the loop.
///
/// The loop owns the work and everything it holds; the work's thread runs `run()` on it, and
/// every `@Var` access there is routed here (``isCurrentThread``): reads and writes go to the
/// copy, and a write is published — at once, or with the others of a
/// ``LightningWork/publish(_:)`` block — as `Sendable` state values. The loop applies them at its
/// next iteration boundary, through the same change tracking as any write.
@usableFromInline
final class ParallelRun: @unchecked Sendable {
    // reason: `values`, `pending`, `publishDepth`, `blockStarts` and `conversionFailure` are touched only on the
    // work's thread (every access is behind `isCurrentThread`, or in `execute`, which runs there);
    // everything the loop reads is behind `inbox`, an atomic, or immutable.

    /// How the call ended.
    enum Outcome: Sendable, Equatable {
        case succeeded
        case failed(String)
        case stopped(reason: String)
    }

    /// What the loop takes at a boundary: the publications since the last one, merged (a var
    /// published twice holds the later value, which is what applying both in order leaves), so that
    /// what waits for the loop is bounded by the work's vars however long the loop takes; and how
    /// the call ended, once it did.
    struct News: Sendable {
        var vars: OrderedDictionary<StateString, StateValue> = [:]
        var outcome: Outcome?
    }

    private let inbox = LockedValue(News())
    private let stopReason = LockedValue<String?>(nil)
    private let hasNews = Atomic<Bool>(false)
    private let stopFlag = Atomic<Bool>(false)
    /// The work's thread, once it started.
    private let workerThread = Atomic<UInt>(0)
    /// Signalled when the call ends, so that a loop waiting for its works runs the flow at once.
    /// (Publications do not wake it: they wait for the loop's next boundary, merged.)
    private let wakeup: LoopWakeup
    /// The work's name when the call started, for messages.
    let workName: String

    private var values: [ObjectIdentifier: Any]
    private var pending: [any AnyStateVar] = []
    private var publishDepth = 0
    /// Per open `publish` block, innermost last: the count of `pending` when it began, and the
    /// values before it of the vars it wrote.
    private var blockStarts: [(pending: Int, saved: [ObjectIdentifier: Any])] = []
    private var conversionFailure: (any Error)?

    /// A run whose copy of the vars starts as `vars` hold them now.
    init(workName: String, vars: [(key: StateString, box: any AnyStateVar)], wakeup: LoopWakeup) {
        self.workName = workName
        self.wakeup = wakeup
        values = Dictionary(uniqueKeysWithValues: vars.map { (ObjectIdentifier($0.box), $0.box.currentValue) })
    }

    /// Whether the caller runs on the work's thread (then `@Var` accesses use the copy).
    @usableFromInline
    var isCurrentThread: Bool { workerThread.load(ordering: .relaxed) == currentThreadID() }

    /// Whether the loop asked the call to stop.
    var isStopRequested: Bool { stopFlag.load(ordering: .acquiring) }

    // MARK: - The work's thread

    /// Runs `work.run()` on the calling thread, the work's, and posts how it ended: `stopped` when
    /// the loop asked it to stop and it returned or threw ``LightningError/Code/workStopped``,
    /// `failed` when it threw anything else, `succeeded` otherwise.
    func execute(_ work: LightningWork) {
        workerThread.store(currentThreadID(), ordering: .releasing)
        let outcome: Outcome
        do {
            try work.run()
            if let conversionFailure { throw conversionFailure }
            outcome = isStopRequested ? .stopped(reason: stopReason.withLock { $0 } ?? "pending") : .succeeded
        } catch let error as LightningError where error.code == .workStopped {
            outcome = .stopped(reason: stopReason.withLock { $0 } ?? "pending")
        } catch {
            outcome = .failed("\(error)")
        }
        inbox.withLock { $0.outcome = outcome }
        hasNews.store(true, ordering: .releasing)
        wakeup.signal()
    }

    /// The copy's value of `box`.
    @usableFromInline
    func value<Value>(of box: Var<Value>) -> Value {
        // Every var of the work's class is in the copy (`stateVars` lists them all).
        values[ObjectIdentifier(box)] as! Value
    }

    /// Sets the copy's value of `box` and publishes it, at once or with its `publish` block.
    @usableFromInline
    func set<Value>(_ value: Value, of box: Var<Value>) {
        let id = ObjectIdentifier(box)
        if publishDepth > 0 {
            // The value before the innermost block first wrote it, for a block that throws.
            if blockStarts.last.map({ $0.saved[id] == nil }) == true {
                blockStarts[blockStarts.count - 1].saved[id] = values[id]
            }
            if !pending.contains(where: { $0 === box }) { pending.append(box) }
            values[id] = value
        } else {
            values[id] = value
            post([box])
        }
    }

    /// Runs `updates`, then publishes the vars they wrote as one publication; throws
    /// ``LightningError/Code/workStopped`` after publishing when the loop asked the call to stop.
    /// When `updates` throws, the vars it wrote get back the values they had before it, and
    /// nothing it wrote is published.
    func publishing(_ updates: () throws -> Void) throws {
        publishDepth += 1
        blockStarts.append((pending.count, [:]))
        do {
            try updates()
        } catch {
            let start = blockStarts.removeLast()
            for (id, value) in start.saved { values[id] = value }
            pending.removeSubrange(start.pending...)
            publishDepth -= 1
            throw error
        }
        let start = blockStarts.removeLast()
        publishDepth -= 1
        if publishDepth > 0 {
            // Nested: the outer block publishes; a throw there restores what this one wrote too.
            for (id, value) in start.saved where blockStarts[blockStarts.count - 1].saved[id] == nil {
                blockStarts[blockStarts.count - 1].saved[id] = value
            }
            return
        }
        let written = pending
        pending.removeAll()
        post(written)
        if let conversionFailure { throw conversionFailure }
        if isStopRequested { throw LightningError.workStopped(workName) }
    }

    private func post(_ boxes: [any AnyStateVar]) {
        var vars: [(key: StateString, value: StateValue)] = []
        vars.reserveCapacity(boxes.count)
        for box in boxes {
            guard let key = box.savedKey else { continue }
            do {
                vars.append((key, try box.parallelState(in: self)))
            } catch {
                conversionFailure = conversionFailure ?? LightningError.unsavableVar(key.displayString, component: workName, error)
            }
        }
        guard !vars.isEmpty else { return }
        // One publication is merged whole, under the lock: the loop takes all of it or none.
        inbox.withLock { news in
            for (key, value) in vars { news.vars[key] = value }
        }
        hasNews.store(true, ordering: .releasing)
    }

    // MARK: - The loop's thread

    /// Takes the publications and the outcome posted since the last take, if any (one atomic
    /// load when there are none).
    func takeNews() -> News? {
        guard hasNews.load(ordering: .acquiring) else { return nil }
        return inbox.withLock { news in
            hasNews.store(false, ordering: .releasing)
            defer { news = News() }
            return news
        }
    }

    /// Asks the call to stop: its next ``LightningWork/publish(_:)`` throws after publishing, and
    /// ``LightningWork/isStopRequested`` turns true.
    func requestStop(reason: String) {
        stopReason.withLock { $0 = $0 ?? reason }
        stopFlag.store(true, ordering: .releasing)
    }
}

/// The calling thread's identity.
private func currentThreadID() -> UInt {
    #if canImport(Darwin)
    UInt(bitPattern: pthread_self())
    #else
    UInt(pthread_self())
    #endif
}
