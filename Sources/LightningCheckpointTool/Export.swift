import LightningCLI
import ArgumentParser
import LightningCodecs
import LightningState
import LightningStore

extension LightningCheckpoint {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the documented JSON of any checkpoint, full or delta, for Python Lightning and JSON tools.",
            discussion: """
                Reads CHECKPOINT (a delta is read with the snapshots it builds on) and writes the \
                state as Python's json.dumps would, to -o FILE or standard output. The state keeps \
                the top-level 'swift_lightning' key (app name, schema version, creation time), \
                which Python Lightning ignores; --plain leaves it out, for tools that compare with \
                Lightning's own files.
                """
        )

        @Argument(help: "The checkpoint to export: a path, a name in the storage, 'latest' or 'latest-valid' (the newest that loads).")
        var input: String

        @Option(name: .shortAndLong, help: "The file to write (default: standard output).")
        var output: String?

        @Option(help: "Indent nested values by this many spaces, as json.dumps(indent=N).")
        var indent: Int?

        @Flag(help: "Lightning's keys only: leave out the top-level 'swift_lightning' metadata.")
        var plain = false

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            if let indent, indent < 0 { throw ValidationError("--indent must be 0 or more, not \(indent)") }
        }

        func run() throws {
            try ProgressLine.during("export") { progress in
                progress.phase("reading \(input)")
                var (_, state) = try storageOptions.load(input)
                if plain, case .object(var members) = state {
                    members.removeValue(forKey: CheckpointMetadata.key)
                    state = .object(members)
                }
                keepUntilExit(state)
                progress.phase("writing \(output ?? "standard output")")
                try writeOutput(JSONWriter.writeChunks(state, options: .init(indent: indent)), toFile: output)
            }
        }
    }
}
