import LightningCLI
import ArgumentParser
import LightningCodecs
import LightningStore

extension LightningCheckpoint {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the documented JSON of any checkpoint, full or delta, for Python Lightning and JSON tools.",
            discussion: """
                Reads CHECKPOINT (a delta is read with the snapshots it builds on) and writes the \
                state as Python's json.dumps would, to -o FILE or standard output.
                """
        )

        @Argument(help: "The checkpoint to export: a path, a name in the storage, 'latest' or 'latest-valid' (the newest that loads).")
        var input: String

        @Option(name: .shortAndLong, help: "The file to write (default: standard output).")
        var output: String?

        @Option(help: "Indent nested values by this many spaces, as json.dumps(indent=N).")
        var indent: Int?

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            if let indent, indent < 0 { throw ValidationError("--indent must be 0 or more, not \(indent)") }
        }

        func run() throws {
            try ProgressLine.during("export") { progress in
                progress.phase("reading \(input)")
                let (_, state) = try storageOptions.load(input)
                keepUntilExit(state)
                progress.phase("writing \(output ?? "standard output")")
                try writeOutput(JSONWriter.writeChunks(state, options: .init(indent: indent)), toFile: output)
            }
        }
    }
}
