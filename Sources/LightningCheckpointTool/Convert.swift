import ArgumentParser
import LightningCLI
import LightningCodecs
import LightningStore

extension LightningCheckpoint {
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a state (JSON or binary) and write it again, as JSON or as a binary snapshot.",
            discussion: """
                The input's format is told by its bytes, whatever its extension: a binary \
                snapshot starts with its signature, anything else is read as JSON; an empty or \
                cut-short file is reported as such (a snapshot is read only under its own \
                checkpoint name, or one that is no checkpoint's: docs/FORMAT.md). The output's format is its extension's: OUTPUT ending in \
                .json is JSON, .lsnap a binary snapshot (--format, if given, must agree); for any \
                other name, or '-' for standard output, --format says (default json). \
                JSON output is what Python's json.dumps writes: compact by default, indented with \
                --indent, ASCII-only unless --utf8. Binary output is the engine's snapshot format \
                (docs/FORMAT.md); a file named like a checkpoint records that name's number. \
                convert takes any state tree, checkpoint or not, and does not check Lightning's \
                layout: to write a checkpoint for Python Lightning, use export, which does. \
                JSON to JSON is rewritten in one pass, without building the state tree, so it \
                needs about twice the file's size in memory.
                """
        )

        @Argument(help: "The checkpoint to read: a path, a name in the storage, 'latest' or 'latest-valid' (the newest that loads).")
        var input: String

        @Argument(help: "The file to write, or '-' for standard output.")
        var output: String

        @Option(help: "The output format, json or binary: needed only when OUTPUT ends in neither .json nor .lsnap (default json).")
        var format: CheckpointFormat?

        /// The output's format: its extension's, else `--format`'s, else JSON.
        var outputFormat: CheckpointFormat {
            (output == "-" ? nil : CheckpointFormat(fileExtensionOf: output)) ?? format ?? .json
        }

        @Option(help: "Indent nested values by this many spaces, as json.dumps(indent=N).")
        var indent: Int?

        @Flag(help: "Write non-ASCII characters as raw UTF-8 (ensure_ascii=False).")
        var utf8 = false

        @OptionGroup var storageOptions: StorageOptions

        func validate() throws {
            if let indent, indent < 0 { throw ValidationError("--indent must be 0 or more, not \(indent)") }
            if output != "-", let named = CheckpointFormat(fileExtensionOf: output), let format, format != named {
                throw ValidationError(
                    "\(output) names a \(named.rawValue) file, but --format \(format.rawValue) was given: name the output .\(format.fileExtension), or leave --format out")
            }
            if outputFormat == .binary && (indent != nil || utf8) { throw ValidationError("--indent and --utf8 apply to JSON output only") }
        }

        func run() throws {
            try ProgressLine.during("convert") { progress in
                let format = outputFormat
                if format == .json, let chunks = transcoded(progress) {
                    progress.phase("writing \(output)")
                    try writeOutput(chunks, toFile: output == "-" ? nil : output)
                    return
                }
                progress.phase("reading \(input)")
                let (_, state) = try storageOptions.load(input, validate: false)
                keepUntilExit(state)
                progress.phase("encoding \(format.rawValue)")
                let chunks: [[UInt8]]
                switch format {
                case .json: chunks = JSONWriter.writeChunks(state, options: .init(ensureASCII: !utf8, indent: indent))
                case .binary:
                    // A file named like a checkpoint records that name's number, so that deltas can name it.
                    let number = CheckpointName(fileName: String(output.split(separator: "/").last ?? ""))?.snapshotID ?? 0
                    chunks = try reportingFailures { () throws(CheckpointStoreError) in
                        try CheckpointCodec.encode(state, as: .binary, snapshotID: number, path: output)
                    }
                }
                progress.phase("writing \(output)")
                keepUntilExit(chunks)
                try writeOutput(chunks, toFile: output == "-" ? nil : output)
            }
        }
    }
}

extension LightningCheckpoint.Convert {
    /// JSON to JSON in one pass, without the tree: the output's chunks, or `nil` when the input
    /// is not a JSON file that can be (a binary snapshot, `latest-valid`, a repeated key) or does
    /// not read. The caller then goes through the tree, which also reports any error as usual.
    func transcoded(_ progress: ProgressLine) -> [[UInt8]]? {
        // Quietly: a failure here is reported by the tree's path.
        guard input != "latest-valid", let store = try? StorageAddress.store(explicit: storageOptions.storage) else { return nil }
        progress.phase("converting \(input)")
        return try? CheckpointCodec.transcodeJSON(at: store.resolve(input), options: .init(ensureASCII: !utf8, indent: indent))
    }
}

extension CheckpointFormat: ExpressibleByArgument {}
