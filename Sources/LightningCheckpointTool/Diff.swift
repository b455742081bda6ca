import ArgumentParser
import LightningCodecs
import LightningState

extension LightningCheckpoint {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what changed between two checkpoints: components added and removed, vars changed.",
            discussion: """
                Compares any two checkpoints, of either format, full or delta. One line per change: \
                '+ root.items.3 (work)' and '- root.items.0 (work)' for components, \
                '~ root.w.counter: 3 -> 6' for a var, '+'/'-' for a var added or removed. Values up \
                to 60 bytes of JSON are shown inline, larger ones by kind and size; a large array or \
                object that changed lists the elements or keys that differ (at most 5, then how \
                many more): '~ root.f.seen: array of 8 -> 10 items: + [8] "a", + [9] "b"'. Calls \
                are not compared. With --json, one JSON object with the same facts (large values \
                by kind and size).
                """
        )

        @Argument(help: "The older checkpoint: a path, a name in the storage, 'latest', 'latest-valid' or an s3:// URL.")
        var old: String

        @Argument(help: "The newer checkpoint.")
        var new: String

        @Flag(help: "Print one JSON object instead of lines.")
        var json = false

        @OptionGroup var storageOptions: StorageOptions

        func run() throws {
            let diff = CheckpointDiff(from: try storageOptions.load(old).state, to: try storageOptions.load(new).state)
            if json {
                writeStandardOutput(JSONWriter.write(Self.jsonReport(diff)) + [0x0A])
            } else if diff.isEmpty {
                print("no differences")
            } else {
                for component in diff.addedComponents { print("+ \(component.fullName) (\(component.kind.rawValue))") }
                for component in diff.removedComponents { print("- \(component.fullName) (\(component.kind.rawValue))") }
                for change in diff.changedVars {
                    let name = "\(change.component).\(change.key)"
                    switch (change.old, change.new) {
                    case (let old?, let new?):
                        let inline = JSONWriter.write(old).count <= Self.inlineLimit && JSONWriter.write(new).count <= Self.inlineLimit
                        let inside = inline ? nil : ValueChange.describe(from: old, to: new, shown: Self.shown)
                        print("~ \(name): \(inside ?? "\(Self.shown(old)) -> \(Self.shown(new))")")
                    case (nil, let new?): print("+ \(name): \(Self.shown(new))")
                    case (let old?, nil): print("- \(name): \(Self.shown(old))")
                    case (nil, nil): continue
                    }
                }
            }
        }

        /// The most bytes of JSON shown inline.
        static let inlineLimit = 60

        /// A value as compact JSON when short, else its kind and size: `array of 4600 items, 92000 bytes`.
        static func shown(_ value: StateValue) -> String {
            let text = JSONWriter.write(value)
            if text.count <= inlineLimit { return String(decoding: text, as: UTF8.self) }
            return "\(summary(value)), \(text.count) bytes"
        }

        static func summary(_ value: StateValue) -> String {
            switch value {
            case .array(let elements): return "array of \(elements.count) items"
            case .object(let members): return "object of \(members.count) keys"
            case .string: return "string"
            default: return "number"
            }
        }

        /// A value for the JSON report: itself when short, else `{"summary": …, "bytes": …}`.
        static func reported(_ value: StateValue?) -> StateValue {
            guard let value else { return .null }
            let size = JSONWriter.write(value).count
            return size <= inlineLimit ? value : ["summary": .string(StateString(summary(value))), "bytes": .int(Int64(size))]
        }

        static func jsonReport(_ diff: CheckpointDiff) -> StateValue {
            func components(_ entries: [ComponentEntry]) -> StateValue {
                .array(entries.map { ["name": .string(StateString($0.fullName)), "kind": .string(StateString($0.kind.rawValue))] })
            }
            return [
                "components_added": components(diff.addedComponents),
                "components_removed": components(diff.removedComponents),
                "vars": .array(diff.changedVars.map { change in
                    [
                        "component": .string(StateString(change.component)), "var": .string(StateString(change.key)),
                        "change": change.old == nil ? "added" : change.new == nil ? "removed" : "changed",
                        "old": reported(change.old), "new": reported(change.new),
                    ]
                }),
            ]
        }
    }
}
