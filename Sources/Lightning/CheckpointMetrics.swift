import CoreMetrics
import Metrics

/// The swift-metrics instruments through which an app reports its checkpoints, created from the
/// factory bootstrapped with `MetricsSystem` (or the one given to ``LightningApp/metricsFactory``).
///
/// Names and meanings (durations are timers, in nanoseconds as swift-metrics records them):
///
/// | Name | Kind | What |
/// |---|---|---|
/// | `lightning_checkpoint_saves_total` | counter, `kind`: `full`/`delta` | checkpoints made durable |
/// | `lightning_checkpoint_save_duration` | timer, `kind` | encoding, compressing and writing one checkpoint, retries included |
/// | `lightning_checkpoint_save_bytes` | recorder | the bytes one checkpoint wrote |
/// | `lightning_checkpoint_save_failures_total` | counter | saves that failed after their retries |
/// | `lightning_checkpoint_storage_retries_total` | counter | storage operations tried again after a transient failure |
/// | `lightning_checkpoint_pause` | timer | what a checkpoint added to the app's loop (capture and hand-off) |
/// | `lightning_checkpoint_queue_wait` | timer | the loop's wait for room in the writer's queue |
/// | `lightning_checkpoint_loads_total` | counter | checkpoints loaded at start |
/// | `lightning_checkpoint_load_duration` | timer | finding, reading and decoding the checkpoint to start from |
/// | `lightning_checkpoint_load_failures_total` | counter | checkpoints that could not be read at start |
struct CheckpointMetrics: Sendable {
    let fullSaves: Counter
    let deltaSaves: Counter
    let fullSaveDuration: Timer
    let deltaSaveDuration: Timer
    let saveBytes: Recorder
    let saveFailures: Counter
    let retries: Counter
    let pause: Timer
    let queueWait: Timer
    let loads: Counter
    let loadDuration: Timer
    let loadFailures: Counter

    init(factory: any MetricsFactory) {
        fullSaves = Counter(label: "lightning_checkpoint_saves_total", dimensions: [("kind", "full")], factory: factory)
        deltaSaves = Counter(label: "lightning_checkpoint_saves_total", dimensions: [("kind", "delta")], factory: factory)
        fullSaveDuration = Timer(label: "lightning_checkpoint_save_duration", dimensions: [("kind", "full")], factory: factory)
        deltaSaveDuration = Timer(label: "lightning_checkpoint_save_duration", dimensions: [("kind", "delta")], factory: factory)
        saveBytes = Recorder(label: "lightning_checkpoint_save_bytes", factory: factory)
        saveFailures = Counter(label: "lightning_checkpoint_save_failures_total", factory: factory)
        retries = Counter(label: "lightning_checkpoint_storage_retries_total", factory: factory)
        pause = Timer(label: "lightning_checkpoint_pause", factory: factory)
        queueWait = Timer(label: "lightning_checkpoint_queue_wait", factory: factory)
        loads = Counter(label: "lightning_checkpoint_loads_total", factory: factory)
        loadDuration = Timer(label: "lightning_checkpoint_load_duration", factory: factory)
        loadFailures = Counter(label: "lightning_checkpoint_load_failures_total", factory: factory)
    }

    /// Records one durable save.
    func recordSave(delta: Bool, seconds: Double, bytes: Int) {
        (delta ? deltaSaves : fullSaves).increment()
        (delta ? deltaSaveDuration : fullSaveDuration).recordSeconds(seconds)
        saveBytes.record(bytes)
    }
}
