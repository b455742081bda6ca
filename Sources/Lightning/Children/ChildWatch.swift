/// The checks for child properties replaced without reporting it.
///
/// A plain stored property cannot report its writes. A plain optional one (`var w: Counter?`) is
/// almost always replaced at some point, so each flow that declares one is reflected after every
/// iteration, and what its watched properties hold is compared with the children attached. A
/// plain non-optional one is most often a `let`, which reflection cannot tell from a `var`: the
/// flows holding such properties are reflected before each checkpoint while there are at most
/// ``fixedCheckLimit`` of them, and before full checkpoints only beyond (see
/// ``LightningFlow/unreportedReassignments()``). `@Child` properties report their writes, and
/// structures their edits: flows holding only those, and `let` children, are not looked at.
final class ChildWatch {
    /// The most flows with plain non-optional child properties reflected before every checkpoint.
    static let fixedCheckLimit = 16

    private var flows: [LightningFlow] = []
    /// The attached flows that hold children in plain non-optional properties.
    private(set) var fixedPlainFlows: [LightningFlow] = []

    /// Lists the attached flows, from `root` down, that have watched or fixed plain properties.
    func rebuild(from root: LightningFlow) {
        flows.removeAll(keepingCapacity: true)
        fixedPlainFlows.removeAll(keepingCapacity: true)
        root.forEachAttachedFlow { flow in
            guard let attached = flow.attached else { return }
            if !attached.watchedLabels.isEmpty { flows.append(flow) }
            if !attached.fixedPlainLabels.isEmpty { fixedPlainFlows.append(flow) }
        }
    }

    /// Reflects the flows holding children in plain non-optional properties — all of them before a
    /// full checkpoint, or while they are few — and returns the names of those found replaced.
    func unreportedReplacements(beforeFullCheckpoint full: Bool) -> [String] {
        guard full || fixedPlainFlows.count <= Self.fixedCheckLimit else { return [] }
        return fixedPlainFlows.filter { $0.unreportedReassignments() }.map(\.name)
    }

    /// Marks for attachment every listed flow whose watched properties no longer hold what was attached.
    func markReassigned() {
        for flow in flows where !flow.childrenReassigned && flow.watchedPropertiesChanged() {
            flow.childPropertyReassigned()
        }
    }
}
