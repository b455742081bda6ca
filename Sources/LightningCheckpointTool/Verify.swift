import ArgumentParser
import LightningCLI
import LightningStore

extension LightningCheckpoint {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that checkpoints read back whole: checksum, structure and Lightning's layout.",
            discussion: """
                Reads one checkpoint, or with --all every checkpoint in the storage, verifying a \
                binary snapshot's checksum, every length and limit, its chain of parents, and each \
                file's layout. Prints 'ok' with each good file; with --all every damaged file gets \
                one line on standard error and the check goes on. Exits 1 if any file is damaged.
                """
        )

        @Argument(help: "The checkpoint to verify: a path, a name in the storage, 'latest' or 'latest-valid' (the newest that loads).")
        var input: String?

        @Flag(help: "Verify every checkpoint in the storage.")
        var all = false

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            if all == (input != nil) { throw ValidationError("give either a CHECKPOINT or --all") }
        }

        func run() throws {
            let store = try storageOptions.store()
            if let input {
                let (location, state) = try storageOptions.load(input)
                keepUntilExit(state)
                print("ok \(location)")
                return
            }
            let checkpoints = try reportingFailures { () throws(CheckpointStoreError) in try store.list() }
            if checkpoints.isEmpty { print("no checkpoints in \(store.folder)") }
            let progress = ProgressLine("verify")
            var damaged = 0
            for (index, info) in checkpoints.enumerated() {
                progress.step(index, of: checkpoints.count)
                do {
                    _ = try store.location(of: info).load()
                    progress.printAbove { print("ok \(info.path)") }
                } catch {
                    progress.printAbove { printError(error.description) }
                    damaged += 1
                }
            }
            progress.finish()
            if damaged > 0 {
                printError("\(damaged) of \(checkpoints.count) checkpoints are damaged")
                throw ExitCode.failure
            }
        }
    }
}
