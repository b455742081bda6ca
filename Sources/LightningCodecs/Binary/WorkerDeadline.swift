/// How long a snapshot's reader or writer waits for a block another thread is inflating or
/// compressing. A 1 MiB block takes a few milliseconds; only a machine stalled for minutes
/// reaches it, and the load or save then fails with a timeout instead of waiting forever.
enum WorkerDeadline {
    static let seconds = 300
}
