/// A checkpoint whose tree does not have Lightning's layout.
///
/// The ``description`` names the place in the tree and the problem, e.g.
/// `root.flows.a.works.w: missing "calls"`.
public struct CheckpointLayoutError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path of the offending node: `root`, then the keys that lead to it, joined by dots.
    public let path: String
    /// What is wrong there.
    public let problem: String

    /// Creates an error at `path` (a component's full name) describing `problem`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// The one-line message: `root.flows.a: missing "vars"`.
    public var description: String { "\(path): \(problem)" }
}
