import LightningCodecs
import LightningState
import LightningStore

/// Save and load throughput of checkpoints on this machine and storage, as `lightning-checkpoint bench` reports it.
public struct CheckpointBenchmark {
    /// The figures of one benchmark run; seconds are medians.
    public struct Results: Sendable {
        /// Compact JSON size of the state.
        public var jsonBytes = 0
        /// Binary snapshot size of the state.
        public var binaryBytes = 0
        /// Encoding alone, in memory.
        public var jsonEncodeSeconds = 0.0
        public var binaryEncodeSeconds = 0.0
        /// Decoding alone, in memory.
        public var jsonDecodeSeconds = 0.0
        public var binaryDecodeSeconds = 0.0
        /// Save: encode, then an atomic, durable write to the storage.
        public var jsonSaveSeconds = 0.0
        public var binarySaveSeconds = 0.0
        /// Load: read the file, verify, decode, check the layout.
        public var jsonLoadSeconds = 0.0
        public var binaryLoadSeconds = 0.0
    }

    /// The state to measure.
    public let state: StateValue
    /// Where saves go.
    public let store: CheckpointStore
    /// Runs per measurement.
    public let runs: Int

    public init(state: StateValue, store: CheckpointStore, runs: Int) {
        self.state = state
        self.store = store
        self.runs = runs
    }

    /// Measures every operation; the checkpoints written along the way are removed.
    public func run() throws -> Results {
        var results = Results()
        var text: [UInt8] = []
        results.jsonEncodeSeconds = Measurement.median(runs: runs) { text = JSONWriter.write(state) }
        results.jsonBytes = text.count
        results.jsonDecodeSeconds = try Measurement.median(runs: runs) { _ = try JSONReader.read(text) }
        text = []
        var snapshot: [UInt8] = []
        results.binaryEncodeSeconds = try Measurement.median(runs: runs) { snapshot = try BinarySnapshot.encode(state) }
        results.binaryBytes = snapshot.count
        results.binaryDecodeSeconds = try Measurement.median(runs: runs) { _ = try BinarySnapshot.decode(snapshot) }
        snapshot = []
        (results.jsonSaveSeconds, results.jsonLoadSeconds) = try saveAndLoad(.json)
        (results.binarySaveSeconds, results.binaryLoadSeconds) = try saveAndLoad(.binary)
        return results
    }

    private func saveAndLoad(_ formats: CheckpointStore.SaveFormats) throws -> (save: Double, load: Double) {
        var saved: [CheckpointInfo] = []
        defer { for info in saved { FileIO.remove(info.path) } }
        let save = try Measurement.median(runs: runs) {
            saved.append(contentsOf: try store.save(state, time: 0, formats: formats))
        }
        let path = saved[0].path
        let load = try Measurement.median(runs: runs) { _ = try CheckpointStore.load(path: path) }
        return (save, load)
    }
}
