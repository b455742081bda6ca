import ArgumentParser
import LightningCodecs
import LightningState
import LightningStore

extension LightningCheckpoint {
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one var of a checkpoint as JSON: get latest root.w.counter prints 3.",
            discussion: """
                VAR is a component's full name and a var's key, joined by a dot (root.w.counter, \
                root.registry.trainer.learning_rate). The value is printed as Python's json.dumps \
                writes it. A component's full name alone (root.w) prints all its vars as one \
                object; `show --tree` lists the components.
                """
        )

        @Argument(help: "The checkpoint to read: a path, a name in the storage, 'latest', 'latest-valid' or an s3:// URL.")
        var input: String

        @Argument(help: "The var, COMPONENT.KEY (e.g. root.w.counter), or a COMPONENT for all its vars.")
        var path: String

        @OptionGroup var storageOptions: StorageOptions

        func run() throws {
            let (location, state) = try storageOptions.load(input)
            let components = CheckpointLayout.components(of: state)
            /// The names of a component's direct children (a structure's entries).
            func children(of parent: ComponentEntry) -> [String] {
                components.filter { $0.fullName.hasPrefix(parent.fullName + ".") && !$0.fullName.dropFirst(parent.fullName.count + 1).contains(".") }
                    .map { String($0.fullName.dropFirst(parent.fullName.count + 1)) }
            }
            func listed(_ names: [String]) -> String {
                names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", … (\(names.count) in all)" : "")
            }
            if let component = components.first(where: { $0.fullName == path }) {
                guard component.kind != .structure else {
                    throw failure("\(location): \(path) is a structure (a list or dict of components), which has no vars; its entries: \(listed(children(of: component))) (get \(path).<entry> for one)")
                }
                return writeStandardOutput(JSONWriter.write(component.state["vars"] ?? [:]) + [0x0A])
            }
            // The longest component name that the path starts with; the rest is the var's key.
            let match = components.filter { path.hasPrefix($0.fullName + ".") }.max { $0.fullName.count < $1.fullName.count }
            guard let component = match else {
                let names = components.prefix(8).map(\.fullName).joined(separator: ", ")
                throw failure("\(location): no component holds '\(path)' (components: \(names)\(components.count > 8 ? ", …" : ""))")
            }
            let key = String(path.dropFirst(component.fullName.count + 1))
            if component.kind == .structure {
                throw failure("\(location): the structure \(component.fullName) has no entry '\(key)' (its entries: \(listed(children(of: component))))")
            }
            guard let value = component.state["vars"]?[StateString(key)] else {
                let keys = (component.state["vars"]?.objectValue?.keys.map(\.displayString) ?? []).joined(separator: ", ")
                throw failure("\(location): \(component.fullName) has no var '\(key)' (\(keys.isEmpty ? "it has no vars" : "its vars: \(keys)"); `show --tree` lists the components)")
            }
            writeStandardOutput(JSONWriter.write(value) + [0x0A])
        }

        private func failure(_ message: String) -> ExitCode {
            printError(message)
            return ExitCode.failure
        }
    }
}
