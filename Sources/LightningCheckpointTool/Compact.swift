import ArgumentParser
import LightningCLI
import LightningStore

extension LightningCheckpoint {
    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fold a delta snapshot and its chain into one full snapshot, in place.",
            discussion: """
                Rewrites the binary snapshot CHECKPOINT (atomically, under the same name) as a full \
                snapshot of the same state, so that it no longer needs the snapshots before it. \
                Deltas that apply to it stay valid. With --keep-last N, checkpoints older than the \
                newest N are then deleted, except those a kept delta still needs. It takes the \
                storage's writer lock, so it fails while an app writes to the storage.
                """
        )

        @Argument(help: "The binary checkpoint to compact: a path, a name in the storage, or 'latest'.")
        var input: String

        @Option(help: "Afterwards, keep only the newest N checkpoints (and what their deltas need).")
        var keepLast: Int?

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            if let keepLast, keepLast < 1 { throw ValidationError("--keep-last must be at least 1, not \(keepLast)") }
        }

        func run() throws {
            let store = try storageOptions.store()
            let (path, size, removed) = try ProgressLine.during("compact") { progress in
                try reportingFailures { () throws(CheckpointStoreError) -> (String, Int, Int) in
                    let lock = try store.lockForWriting()
                    defer { lock.release() }
                    let location = try store.resolve(input)
                    progress.phase("folding the chain of \(location) into one snapshot")
                    let size = try CheckpointStore.compact(location)
                    var removed = 0
                    if let keepLast {
                        progress.phase("removing checkpoints older than the newest \(keepLast)")
                        removed = try store.keepLast(keepLast).count
                    }
                    return (location.description, size, removed)
                }
            }
            print("compacted \(path): a full snapshot of \(size) bytes" + (keepLast == nil ? "" : "; removed \(removed) older files"))
        }
    }
}
