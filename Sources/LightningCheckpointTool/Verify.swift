import ArgumentParser
import LightningStore

extension LightningCheckpoint {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that checkpoints read back whole: checksum, structure and Lightning's layout.",
            discussion: """
                Reads one checkpoint, or with --all every checkpoint in the storage, verifying a \
                binary snapshot's checksum, every length and limit, and each file's layout. Prints \
                'ok' with the file, or exits 1 naming the first problem.
                """
        )

        @Argument(help: "The checkpoint to verify: a path, a name in the storage, or 'latest'.")
        var input: String?

        @Flag(help: "Verify every checkpoint in the storage.")
        var all = false

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            if all == (input != nil) { throw ValidationError("give either a CHECKPOINT or --all") }
        }

        func run() throws {
            let store = storageOptions.store
            let paths: [String] = try reportingFailures { () throws(CheckpointStoreError) -> [String] in
                if let input { return [try store.resolve(input)] }
                return try store.list().map(\.path)
            }
            if paths.isEmpty { print("no checkpoints in \(store.folder)") }
            for path in paths {
                _ = try reportingFailures { () throws(CheckpointStoreError) in try CheckpointStore.load(path: path) }
                print("ok \(path)")
            }
        }
    }
}
