/// The stage of a Lightning app, stored at the top of a checkpoint as `app_state.stage`.
public enum AppStage: String, Sendable, Hashable, CaseIterable {
    case blocking, running, restarting, stopping, failed
}
