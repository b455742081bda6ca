/// The check, after each iteration, for child properties reassigned since they were attached: one
/// word per `var` child property of every attached flow (see `ChildSlots`), laid out flat, so that the check costs a load
/// and a compare per property instead of a walk of the tree (whose nodes, after the app's own work,
/// are no longer in the cache).
///
/// It is rebuilt after every attachment that changed something; until then the flows it lists are
/// kept alive by it, so the addresses stay valid.
final class SlotWatchList {
    private var flows: [LightningFlow] = []
    /// Where each child property is, what it held when attached, and its flow's place in `flows`.
    private var words: [(address: UnsafeRawPointer, bits: UInt, flow: Int)] = []
    /// Flows whose fields the runtime did not describe: always looked at again.
    private var unwatched: [LightningFlow] = []

    /// Lists the child properties of `root` and of every flow attached below it.
    func rebuild(from root: LightningFlow) {
        flows.removeAll(keepingCapacity: true)
        words.removeAll(keepingCapacity: true)
        unwatched.removeAll()
        root.forEachAttachedFlow { flow in
            let slots = flow.slots
            guard slots.complete, slots.offsets.count == flow.attachedBits.count else {
                unwatched.append(flow)
                return
            }
            guard !slots.offsets.isEmpty else { return }
            let base = UnsafeRawPointer(Unmanaged.passUnretained(flow).toOpaque())
            for (offset, bits) in zip(slots.offsets, flow.attachedBits) {
                words.append((base + offset, bits, flows.count))
            }
            flows.append(flow)
        }
    }

    /// Marks for attachment every listed flow whose child properties no longer hold what was attached.
    func markReassigned() {
        withExtendedLifetime(flows) {
            for word in words where word.address.load(as: UInt.self) != word.bits {
                flows[word.flow].noteAttachmentNeeded()
            }
        }
        for flow in unwatched { flow.noteAttachmentNeeded() }
    }
}
