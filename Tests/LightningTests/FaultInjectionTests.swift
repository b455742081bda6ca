import Foundation
@testable import Lightning
import LightningCodecs
import LightningState
import LightningStore
import LightningTestSupport
import Logging
import Testing

/// Storage faults at every call: whatever fails, every checkpoint left in the storage loads and
/// holds a state the app asked to save, nothing durable is lost, and the app's exit says whether
/// its newest state is durable.
@Suite("Storage faults")
struct FaultInjectionTests {
    /// An app whose state changes in every way between saves: vars, a work's calls, list entries
    /// appended and removed (re-created on restore by the list's factory).
    final class Root: LightningFlow {
        @Var var iteration = 0
        /// Large vars whose deltas hold what changed inside them: appended, corrected, keys added and removed.
        @Var var history: [Double] = (0..<64).map(Double.init)
        @Var var table: [String: Int] = ["a": 1, "m": 2, "z": 3]
        let w = Counter()
        let items = LightningList<Counter>(makeElement: { _, _ in Counter() })
        let iterations: Int
        var onSave: (() -> Void)?

        init(iterations: Int) {
            self.iterations = iterations
        }

        override func run() throws {
            iteration += 1
            history.append(Double(iteration) / 8)
            if iteration % 4 == 0 { history[iteration] = -1 }
            table["k\(iteration % 5)"] = iteration
            if iteration % 3 == 0 { table["a"] = nil } else { table["a"] = iteration }
            try w.call()
            if iteration % 2 == 0 { items.append(Counter()) }
            if iteration % 3 == 0, !items.isEmpty { items.remove(at: 0) }
            for item in items { try item.call() }
            if iteration >= iterations { stop() }
        }

        override func shouldSaveCheckpoint() -> Bool {
            onSave?()
            return true
        }
    }

    /// The checkpoint without the metadata, whose time differs between a capture and its save.
    static func withoutMetadata(_ state: StateValue) -> StateValue {
        guard case .object(var members) = state else { return state }
        members[CheckpointMetadata.key] = nil
        return .object(members)
    }

    struct Outcome {
        var requested: [StateValue] = []
        var error: LightningError?
        var faultsRaised = 0
        var saveErrors: [CheckpointStoreError] = []
    }

    /// Runs the app on a faulty storage in `folder`.
    static func run(_ fault: FaultyStorage.Fault?, background: Bool, folder: String, iterations: Int = 8) -> Outcome {
        let storage = FaultyStorage(root: folder, fault: fault)
        let root = Root(iterations: iterations)
        let app = LightningApp(root: root, name: "faults")
        app.logger = Logger(label: "faults", factory: { _ in SwiftLogNoOpLogHandler() })  // failures are checked, not printed
        app.policy = CheckpointPolicy(maxDeltaChain: 3, maxDeltaBytesFraction: .infinity, keepLast: 4, writesInBackground: background, retryDelay: 0)
        var outcome = Outcome()
        root.onSave = { [unowned app] in outcome.requested.append(withoutMetadata(try! app.checkpointState())) }
        do {
            try app.run(checkpoint: nil, store: CheckpointStore(storage: storage))
        } catch let error as LightningError {
            outcome.error = error
        } catch {
            Issue.record("an error that is not a LightningError: \(error)")
        }
        outcome.faultsRaised = storage.faultsRaised
        outcome.saveErrors = app.statistics.recentErrors
        return outcome
    }

    /// Checks what a run left behind, with a storage that does not fail.
    static func checkStorage(_ outcome: Outcome, folder: String, context: String) throws {
        let comment = Comment(rawValue: context)
        let store = CheckpointStore(storageRoot: folder)
        let files = try store.list()
        for file in files {
            do {
                let loaded = try store.location(of: file).load()
                #expect(outcome.requested.contains(withoutMetadata(loaded)), "\(file.fileName) holds a state the app never asked to save; \(context)")
            } catch {
                Issue.record("\(file.fileName) does not load: \(error); \(context)")
            }
        }
        switch outcome.error {
        case nil:
            // A run that returns has its newest requested state durable, as the newest checkpoint.
            let newest = try #require(files.last, comment)
            #expect(withoutMetadata(try store.location(of: newest).load()) == outcome.requested.last, comment)
        case let error?:
            #expect([.stateNotSaved, .checkpointUnreadable].contains(error.code), "\(error); \(context)")
            if error.code == .stateNotSaved {
                #expect(!outcome.saveErrors.isEmpty, "a failed run reported no failed save; \(context)")
                if let durable = error.newestDurableCheckpoint {
                    #expect(throws: Never.self, comment) { _ = try store.resolve(durable.stem).load() }
                }
            }
        }
    }

    /// A folder in memory when the machine has one: these tests make thousands of fsynced saves.
    static func scratchFolder() throws -> TemporaryFolder {
        try TemporaryFolder(under: FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : nil)
    }

    @Test(
        "every storage operation failing at every call, once, for a whole retry budget, or for good",
        arguments: [FaultyStorage.Operation.create, .list, .remove, .read], [false, true])
    func everyCall(operation: FaultyStorage.Operation, background: Bool) throws {
        for count in [1, 3, Int.max] {
            for afterEffect in operation == .create || operation == .remove ? [false, true] : [false] {
                var call = 1
                while true {
                    let folder = try Self.scratchFolder()
                    defer { folder.remove() }
                    let fault = FaultyStorage.Fault(operation, call: call, count: count, errno: call % 2 == 0 ? EIO : ENOSPC, afterEffect: afterEffect)
                    let context = "\(fault), background \(background)"
                    let outcome = Self.run(fault, background: background, folder: folder.path)
                    if outcome.faultsRaised == 0 { break }  // past the last call of that operation
                    try Self.checkStorage(outcome, folder: folder.path, context: context)
                    // Faults that end within the retry budget cost nothing: the run succeeds.
                    if count == 1 { #expect(outcome.error == nil, "\(String(describing: outcome.error)); \(context)") }
                    // A save that kept failing is reported with its cause.
                    if count >= 3 && operation == .create && !afterEffect {
                        #expect(outcome.saveErrors.first?.code == .io(errno: fault.errno), "\(context)")
                    }
                    // Storage that never writes again cannot make the newest state durable.
                    if count == .max && operation == .create && !afterEffect {
                        #expect(outcome.error?.code == .stateNotSaved, "\(context)")
                    }
                    call += 1
                }
                #expect(call > 1, "the fault never fired: \(operation)")
            }
        }
    }

    @Test("a storage that fails for good: the run throws naming the cause and the newest durable checkpoint")
    func failingForGood() throws {
        let folder = try Self.scratchFolder()
        defer { folder.remove() }
        let outcome = Self.run(FaultyStorage.Fault(.create, call: 3, count: .max, errno: ENOSPC), background: true, folder: folder.path)
        let error = try #require(outcome.error)
        let durable = try #require(error.newestDurableCheckpoint)
        #expect(error.code == .stateNotSaved)
        #expect(error.storeError?.code == .io(errno: ENOSPC))
        #expect(error.description.hasPrefix("The newest state was not saved: "))
        #expect(error.description.contains(": create failed: No space left on device; the newest durable checkpoint is \(durable): resume with --checkpoint \(durable)"))
        #expect(!error.description.contains("\n"))
        // What is durable is the second save, and it loads.
        let store = CheckpointStore(storageRoot: folder.path)
        #expect(try store.list().map(\.name) .last == durable)
        #expect(Self.withoutMetadata(try store.resolve("latest").load()) == outcome.requested[1])
    }

    @Test("a failed save's changes are never lost: the next save carries them, and the chain restores", arguments: [false, true])
    func editsCarried(background: Bool) throws {
        let folder = try Self.scratchFolder()
        defer { folder.remove() }
        // Saves 3 and 4 fail through all their attempts (3 each); later ones succeed.
        let outcome = Self.run(FaultyStorage.Fault(.create, call: 3, count: 6, errno: EIO), background: background, folder: folder.path)
        #expect(outcome.error == nil)
        #expect(outcome.saveErrors.count == 2)
        try Self.checkStorage(outcome, folder: folder.path, context: "")
        #expect(Self.withoutMetadata(try CheckpointStore(storageRoot: folder.path).resolve("latest").load()) == outcome.requested.last)
    }
}
