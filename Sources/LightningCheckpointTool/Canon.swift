import ArgumentParser
import LightningCodecs

extension LightningCheckpoint {
    struct Canon: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a checkpoint's canonical JSON, for comparing two files.",
            discussion: """
                Keys sorted by code point, compact, ASCII-only: byte for byte what Python prints \
                with json.dumps(json.load(f), sort_keys=True). Two checkpoints that load to the \
                same state print the same text.
                """
        )

        @Argument(help: "The checkpoint to read: a path, a name in the storage, 'latest' or 'latest-valid' (the newest that loads).")
        var input: String

        @OptionGroup var storageOptions: StorageOptions

        func run() throws {
            let (_, state) = try storageOptions.load(input, validate: false)
            try writeOutput(JSONWriter.writeChunks(state, options: .canonical) + [[0x0A]], toFile: nil)
        }
    }
}
