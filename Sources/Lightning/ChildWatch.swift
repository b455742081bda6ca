/// The check, after each iteration, for plain optional child properties (`var w: Counter?`)
/// reassigned since their flow was attached.
///
/// Such a property cannot report its writes, so each flow that declares one is reflected after
/// every iteration and what its watched properties hold is compared with the children attached.
/// `let` children cannot change, and `@Child` properties report their writes: flows holding only
/// those are not looked at. (A plain non-optional `var` child is taken as fixed; full checkpoints
/// check it, see ``LightningFlow/unreportedReassignments()``.)
final class ChildWatch {
    private var flows: [LightningFlow] = []

    /// Lists the attached flows, from `root` down, that have watched properties.
    func rebuild(from root: LightningFlow) {
        flows.removeAll(keepingCapacity: true)
        root.forEachAttachedFlow { flow in
            if let attached = flow.attached, !attached.watchedLabels.isEmpty { flows.append(flow) }
        }
    }

    /// Marks for attachment every listed flow whose watched properties no longer hold what was attached.
    func markReassigned() {
        for flow in flows where !flow.childrenReassigned && flow.watchedPropertiesChanged() {
            flow.childPropertyReassigned()
        }
    }
}
