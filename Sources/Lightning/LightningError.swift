/// Why an app could not load a checkpoint or run.
///
/// The ``description`` is one line. For a component in the checkpoint that the code did not
/// create it is exactly Lightning's message:
/// `The component w wasn't instantiated for the component root`.
public struct LightningError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    /// A checkpoint holds a child that the code did not create (strict loading).
    static func notInstantiated(_ child: String, parent: String) -> Self {
        LightningError("The component \(child) wasn't instantiated for the component \(parent)")
    }

    /// A checkpoint holds a var that the component does not declare (strict loading).
    static func undeclaredVar(_ key: String, component: String, type: String) -> Self {
        LightningError("The checkpoint sets the var \(key) of \(component), which \(type) does not declare")
    }

    /// A var in the checkpoint does not convert to the declared Swift type.
    static func badVar(_ key: String, component: String, _ error: StateConversionError) -> Self {
        LightningError("The var \(key) of \(component): \(error)")
    }

    /// A component state in the checkpoint lacks a required key or holds the wrong kind.
    static func malformed(_ component: String, _ problem: String) -> Self {
        LightningError("The state of \(component) \(problem)")
    }

    /// A structure's keys differ from the checkpoint's, as Lightning's `Dict`/`List.set_state` reports.
    static func structureMismatch(kind: String, name: String, keys: [String]) -> Self {
        let set = keys.map { "'\($0)'" }.joined(separator: ", ")
        return LightningError("The provided state doesn't match the `\(kind)` \(name). Found `{\(set)}` un-matching keys")
    }
}
