import LightningStore

extension CheckpointStore {
    /// The keys of the checkpoints in the storage now, for ``removeCheckpoints(except:)`` once a
    /// benchmark is done.
    func checkpointKeys() throws -> Set<String> {
        Set(try list().map(\.key))
    }

    /// Removes the checkpoints written since `kept` was listed: a benchmark leaves the storage as
    /// it found it.
    func removeCheckpoints(except kept: Set<String>) {
        for info in (try? list()) ?? [] where !kept.contains(info.key) { try? storage.remove(info.key) }
    }
}
