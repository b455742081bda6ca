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
                JSON, children included. With --tree, each component is indented under its parent and \
                named by what its parent calls it.
                """
        )

        @Argument(help: "The checkpoint to read: a path, a name in the storage, 'latest' or 'latest-valid' (the newest that loads).")
        var input: String

        @Flag(help: "Indent each component under its parent.")
        var tree = false

        @OptionGroup var storageOptions: StorageOptions

        func run() throws {
            let (_, state) = try storageOptions.load(input)
            let entries = CheckpointLayout.components(of: state)
            var depths: [String: Int] = [:]
            let rows = entries.map { entry in
                [tree ? Self.treeName(entry.fullName, depths: &depths) : entry.fullName, entry.kind.rawValue, String(entry.varCount), String(JSONWriter.encodedSize(of: entry.state))]
            }
            print(Table(header: ["COMPONENT", "KIND", "VARS", "BYTES"], rows: rows, rightAligned: [2, 3]).rendered)
        }

        /// `fullName` indented two spaces per ancestor and shortened to what its parent calls it;
        /// records its depth for its children (components come parents first).
        static func treeName(_ fullName: String, depths: inout [String: Int]) -> String {
            var parent = Substring(fullName)
            while let dot = parent.lastIndex(of: ".") {
                parent = parent[..<dot]
                if let depth = depths[String(parent)] {
                    depths[fullName] = depth + 1
                    return String(repeating: "  ", count: depth + 1) + fullName.dropFirst(parent.count + 1)
                }
            }
            depths[fullName] = 0
            return fullName
        }
    }
}
