import LightningCodecs
import LightningState

/// What changed inside a large array or object, in a few words: the elements or keys that differ,
/// each value inline when short, at most ``shownEdits`` of them, then how many more.
///
/// `array of 8 -> 10 items: + [8] "item_8", + [9] "item_9"`;
/// `object of 1000 keys: ~ ["k5"] 1.0 -> 2.0, - ["k7"] 3.0, and 4 more`.
enum ValueChange {
    /// The most element or key changes listed.
    static let shownEdits = 5

    /// The change from `old` to `new`, when both are arrays or both are objects; else `nil`.
    static func describe(from old: StateValue, to new: StateValue, shown: (StateValue) -> String) -> String? {
        switch (old, new) {
        case (.array(let before), .array(let after)):
            let size = "array of " + sizes(before.count, after.count, "item")
            var edits = Edits()
            for index in 0..<max(before.count, after.count) {
                let was: StateValue? = index < before.count ? before[index] : Optional.none
                let now: StateValue? = index < after.count ? after[index] : Optional.none
                switch (was, now) {
                case (let was?, let now?) where was != now: edits.add("~ [\(index)] \(shown(was)) -> \(shown(now))")
                case (nil, let now?): edits.add("+ [\(index)] \(shown(now))")
                case (let was?, nil): edits.add("- [\(index)] \(shown(was))")
                default: continue
                }
            }
            return listed(size, edits)
        case (.object(let before), .object(let after)):
            let size = "object of " + sizes(before.count, after.count, "key")
            var edits = Edits()
            let named = { (key: StateString) in String(decoding: JSONWriter.write(.string(key)), as: UTF8.self) }
            for (key, now) in after {
                if let was = before[key] {
                    if was != now { edits.add("~ [\(named(key))] \(shown(was)) -> \(shown(now))") }
                } else {
                    edits.add("+ [\(named(key))] \(shown(now))")
                }
            }
            for (key, was) in before where after[key] == nil {
                edits.add("- [\(named(key))] \(shown(was))")
            }
            return listed(size, edits)
        default:
            return nil
        }
    }

    /// `20 items`, `20 -> 22 items`, `1 key`.
    private static func sizes(_ before: Int, _ after: Int, _ noun: String) -> String {
        let counted = "\(after) \(noun)\(after == 1 ? "" : "s")"
        return before == after ? counted : "\(before) -> \(counted)"
    }

    /// The first ``shownEdits`` edits, written out, and how many there are in all: only what is
    /// shown is ever rendered, however large the value.
    private struct Edits {
        var shown: [String] = []
        var count = 0

        mutating func add(_ edit: @autoclosure () -> String) {
            count += 1
            if shown.count < ValueChange.shownEdits { shown.append(edit()) }
        }
    }

    private static func listed(_ size: String, _ edits: Edits) -> String {
        guard edits.count > 0 else { return "\(size), keys reordered" }
        let more = edits.count > shownEdits ? ", and \(edits.count - shownEdits) more" : ""
        return "\(size): \(edits.shown.joined(separator: ", "))\(more)"
    }
}
