import ArgumentParser
import LightningCodecs
import LightningStore

extension LightningCheckpoint {
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a checkpoint and write it again.",
            discussion: """
                The output is what Python's json.dumps writes: compact by default, indented with \
                --indent, ASCII-only unless --utf8. OUTPUT '-' writes to standard output.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case json
        }

        @Argument(help: "The checkpoint to read: a path, a name in the storage, or 'latest'.")
        var input: String

        @Argument(help: "The file to write, or '-' for standard output.")
        var output: String

        @Option(help: "The output format.")
        var format: Format = .json

        @Option(help: "Indent nested values by this many spaces, as json.dumps(indent=N).")
        var indent: Int?

        @Flag(help: "Write non-ASCII characters as raw UTF-8 (ensure_ascii=False).")
        var utf8 = false

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            if let indent, indent < 0 { throw ValidationError("--indent must be 0 or more, not \(indent)") }
        }

        func run() throws {
            let (_, state) = try storageOptions.load(input, validate: false)
            let bytes = JSONWriter.write(state, options: .init(ensureASCII: !utf8, indent: indent))
            if output == "-" {
                writeStandardOutput(bytes)
                return
            }
            try reportingFailures { () throws(CheckpointStoreError) in try FileIO.replace(output, with: bytes) }
        }
    }
}
