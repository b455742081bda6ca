import ArgumentParser
import LightningCodecs
import LightningState

extension LightningCheckpoint {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the components of a checkpoint.",
            discussion: """
                One line per component: its full name (root.flow_level_1.work_level_3), its kind \
                (flow, work, structure), its number of vars, and the size of its state as compact \
                JSON, children included.
                """
        )

        @Argument(help: "The checkpoint to read: a path, a name in the storage, or 'latest'.")
        var input: String

        @OptionGroup var storageOptions: StorageOptions

        func run() throws {
            let (_, state) = try storageOptions.load(input)
            let entries = CheckpointLayout.components(of: state)
            let rows = entries.map { entry in
                [entry.fullName, entry.kind.rawValue, String(entry.varCount), String(JSONWriter.encodedSize(of: entry.state))]
            }
            print(Table(header: ["COMPONENT", "KIND", "VARS", "BYTES"], rows: rows, rightAligned: [2, 3]).rendered)
        }
    }
}
