// The component tree belongs to the thread that runs the app's loop (see the "Parallel works and
// the component tree's owner" article). These conformances are declared unavailable so that no
// subclass can claim to be Sendable, and Swift's strict concurrency checking refuses any code that
// shares a component, a structure or an app with another thread.

@available(*, unavailable, message: "components belong to the app loop's thread; talk to a running app through LightningApp.control")
extension LightningComponent: Sendable {}

@available(*, unavailable, message: "structures belong to the app loop's thread")
extension LightningStructure: Sendable {}

@available(*, unavailable, message: "an app belongs to the thread that runs its loop; hand out LightningApp.control instead")
extension LightningApp: Sendable {}
