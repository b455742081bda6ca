import Lightning
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
        /// Encoding alone, in memory (JSON as the chunks a save writes).
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
        /// The snapshot's bytes alone through the storage, no encoding: a create (atomic and
        /// durable; on S3 a conditional PUT, or parts) and a whole read — what `aws s3 cp` or `cp`
        /// of the same bytes does.
        public var uploadSeconds = 0.0
        public var downloadSeconds = 0.0
        /// What the snapshot's bytes alone cost a load — the file read from the storage, its
        /// header, block table and CRC checked, every block inflated — on one thread, and on every
        /// core as a load does it: the floor under ``binaryLoadSeconds``.
        public var loadFloorOneThreadSeconds = 0.0
        public var loadFloorSeconds = 0.0
        /// What the bytes alone cost a save: the same streams compressed block by block as the
        /// writer does (on every core), written and fsynced as a save writes: the floor under
        /// ``binarySaveSeconds``.
        public var saveFloorSeconds = 0.0
        /// The smallest and largest of each figure's runs, by the figure's JSON key (`binary_save_s`).
        public var spread: [String: Measurement.Spread] = [:]
    }

    /// The state to measure.
    public let state: StateValue
    /// Where saves go.
    public let store: CheckpointStore
    /// Runs per measurement.
    public let runs: Int
    /// Told what is measured next ("binary save"), for a progress line.
    public var progress: (String) -> Void = { _ in }

    public init(state: StateValue, store: CheckpointStore, runs: Int) {
        self.state = state
        self.store = store
        self.runs = runs
    }

    /// Measures every operation; the checkpoints written along the way are removed.
    public func run() throws -> Results {
        var results = Results()
        // The text as saves produce it: chunks, never joined.
        var chunks: [[UInt8]] = []
        progress("JSON encode")
        results.record("json_encode_s", Measurement.spread(runs: runs) { chunks = JSONWriter.writeChunks(state) }, into: \.jsonEncodeSeconds)
        var text = Array(chunks.joined())
        chunks = []
        results.jsonBytes = text.count
        progress("JSON decode")
        results.record("json_decode_s", try Measurement.spread(runs: runs, producing: { try JSONReader.read(text) }), into: \.jsonDecodeSeconds)
        text = []
        var snapshot: [UInt8] = []
        progress("binary encode")
        results.record("binary_encode_s", try Measurement.spread(runs: runs) { snapshot = try BinarySnapshot.encode(state) }, into: \.binaryEncodeSeconds)
        results.binaryBytes = snapshot.count
        progress("binary decode")
        // Each run decodes a copy of its own, made before the clock starts, as a load decodes the bytes storage read.
        let decode = try Measurement.spread(
            runs: runs, preparing: { snapshot.withUnsafeBufferPointer { Array($0) } }, producing: { try BinarySnapshot.decode($0) })
        results.record("binary_decode_s", decode, into: \.binaryDecodeSeconds)
        progress("storage upload and download")
        let (upload, download) = try transfer(snapshot)
        results.record("upload_s", upload, into: \.uploadSeconds)
        results.record("download_s", download, into: \.downloadSeconds)
        progress("the bytes alone: load and save floors")
        let floors = try self.floors(snapshot)
        results.record("load_floor_1t_s", floors.loadOneThread, into: \.loadFloorOneThreadSeconds)
        results.record("load_floor_s", floors.load, into: \.loadFloorSeconds)
        results.record("save_floor_s", floors.save, into: \.saveFloorSeconds)
        snapshot = []
        progress("JSON save and load")
        let (jsonSave, jsonLoad) = try saveAndLoad(.json)
        results.record("json_save_s", jsonSave, into: \.jsonSaveSeconds)
        results.record("json_load_s", jsonLoad, into: \.jsonLoadSeconds)
        progress("binary save and load")
        let (binarySave, binaryLoad) = try saveAndLoad(.binary)
        results.record("binary_save_s", binarySave, into: \.binarySaveSeconds)
        results.record("binary_load_s", binaryLoad, into: \.binaryLoadSeconds)
        return results
    }

    /// Times creating and reading objects of `bytes`, as chunks the way saves write them.
    private func transfer(_ bytes: [UInt8]) throws -> (upload: Measurement.Spread, download: Measurement.Spread) {
        let chunks = stride(from: 0, to: bytes.count, by: 1 << 20).map { Array(bytes[$0..<min($0 + (1 << 20), bytes.count)]) }
        var keys: [String] = []
        defer { for key in keys { try? store.storage.remove(key) } }
        let upload = try Measurement.spread(runs: runs) {
            let key = "\(CheckpointStore.folderName)/.bench-transfer-\(keys.count)"
            keys.append(key)
            _ = try store.storage.create(key, chunks: chunks)
        }
        let download = try Measurement.spread(runs: runs) { _ = try store.storage.read(keys[0]) }
        return (upload, download)
    }

    /// Times what `snapshot`'s bytes alone cost a load (read, checks, CRC, inflation, on one thread
    /// and on every core) and a save (its streams compressed as the writer does, written, fsynced).
    private func floors(_ snapshot: [UInt8]) throws -> (loadOneThread: Measurement.Spread, load: Measurement.Spread, save: Measurement.Spread) {
        let key = "\(CheckpointStore.folderName)/.bench-floor"
        var written: [String] = []
        defer { for name in written { try? store.storage.remove(name) } }
        _ = try store.storage.create(key, chunks: [snapshot])
        written.append(key)
        let loadOneThread = try Measurement.spread(runs: runs, producing: { try BinarySnapshot.inflateStreams(try store.storage.read(key), parallel: false) })
        let load = try Measurement.spread(runs: runs, producing: { try BinarySnapshot.inflateStreams(try store.storage.read(key), parallel: true) })
        let streams = try BinarySnapshot.inflateStreams(snapshot, parallel: true)
        let save = try Measurement.spread(runs: runs) {
            let blocks = try BinarySnapshot.compressStreams(tree: streams.tree, floats: streams.floats, parallel: true)
            let name = "\(key)-\(written.count)"
            written.append(name)
            _ = try store.storage.create(name, chunks: blocks)
        }
        return (loadOneThread, load, save)
    }

    private func saveAndLoad(_ formats: CheckpointStore.SaveFormats) throws -> (save: Measurement.Spread, load: Measurement.Spread) {
        var saved: [CheckpointInfo] = []
        defer { for info in saved { try? store.storage.remove(info.key) } }
        let save = try Measurement.spread(runs: runs) {
            saved.append(contentsOf: try store.save(state, time: 0, formats: formats))
        }
        let location = store.location(of: saved[0])
        let load = try Measurement.spread(runs: runs, producing: { try location.load() })
        return (save, load)
    }
}

/// Incremental checkpoints of a ``SyntheticApp``: a full snapshot, then deltas while a fraction of
/// the components changes between saves.
public struct IncrementalBenchmark {
    /// The figures; seconds are medians over the deltas of a chain of ``chainLength`` (the pause
    /// and the queue wait over ``pauseSamples`` checkpoints in the background).
    public struct Results: Sendable {
        /// The first, full snapshot: capture, encode, compress, write (synchronous).
        public var fullSaveSeconds = 0.0
        public var fullBytes = 0
        /// A delta: capture, encode, compress, write (synchronous), end to end.
        public var deltaSaveSeconds = 0.0
        public var deltaBytes = 0
        /// The loop's pause per checkpoint when writing in the background, from the end of the
        /// iteration to the hand-off (attaching the components, capturing what changed), while the
        /// app works between checkpoints long enough for the writer to finish.
        public var blockingSeconds = 0.0
        /// The loop's wait per checkpoint for room in the writer's queue, apart from the pause
        /// (storage slower than the loop; every checkpoint is written, so the loop waits).
        public var queueWaitSeconds = 0.0
        /// Restoring the last delta of the chain: the full snapshot and every delta after it.
        public var chainLoadSeconds = 0.0
        /// Restoring the chain's full snapshot alone, measured alongside, for the ratio.
        public var baseLoadSeconds = 0.0
        /// The number of components that changed between saves.
        public var changedComponents = 0
        /// The smallest and largest of each figure's samples, by the figure's JSON key (`delta_save_s`).
        public var spread: [String: Measurement.Spread] = [:]
    }

    /// Deltas written after the full snapshot.
    public static let chainLength = 10
    /// Deltas whose pauses are measured in the background, after the full snapshot: the pause is
    /// a fraction of a millisecond and single ones vary by half, so their median needs more than
    /// ten.
    public static let pauseSamples = 50

    public let synthetic: SyntheticState
    public let changeFraction: Double
    public let store: CheckpointStore
    public let runs: Int

    /// Whether the checkpoints written are left in the storage, for inspection.
    public let keepsFiles: Bool
    /// Told what is measured next, for a progress line.
    public var progress: (String) -> Void = { _ in }

    public init(synthetic: SyntheticState, changeFraction: Double, store: CheckpointStore, runs: Int, keepsFiles: Bool = false) {
        self.synthetic = synthetic
        self.changeFraction = changeFraction
        self.store = store
        self.runs = runs
        self.keepsFiles = keepsFiles
    }

    public func run() throws -> Results {
        var results = Results()
        let before = Set(try store.list().map(\.key))
        defer {
            if !keepsFiles { for info in (try? store.list()) ?? [] where !before.contains(info.key) { try? store.storage.remove(info.key) } }
        }

        let policy = CheckpointPolicy(maxDeltaChain: Self.chainLength, maxDeltaBytesFraction: .infinity, writesInBackground: false)
        progress("incremental saves")
        let syncApp = SyntheticApp(synthetic)
        let app = try syncApp.run(iterations: Self.chainLength + 1, changing: changeFraction, store: store, policy: policy)
        results.changedComponents = syncApp.root.changesPerIteration
        let files = app.statistics.recentCheckpoints
        let pauses = app.statistics.pauses.recentSeconds
        results.fullSaveSeconds = pauses[0]
        results.fullBytes = files[0].size
        results.deltaSaveSeconds = Measurement.median(pauses.dropFirst())
        results.spread["delta_save_s"] = Measurement.Spread(Array(pauses.dropFirst()))
        results.deltaBytes = Int(Measurement.median(files.dropFirst().map { Double($0.size) }))
        let last = store.location(of: files[files.count - 1])
        let base = store.location(of: files[0])
        progress("restoring the chain")
        var chainTimes: [Double] = []
        var baseTimes: [Double] = []
        for _ in 0..<max(1, runs) {
            baseTimes.append(try Measurement.spread(runs: 1, producing: { try base.load() }).median)
            chainTimes.append(try Measurement.spread(runs: 1, producing: { try last.load() }).median)
        }
        results.chainLoadSeconds = Measurement.median(chainTimes)
        results.baseLoadSeconds = Measurement.median(baseTimes)
        results.spread["chain_load_s"] = Measurement.Spread(chainTimes)
        results.spread["chain_base_load_s"] = Measurement.Spread(baseTimes)

        progress("incremental saves in the background")
        var background = policy
        background.writesInBackground = true
        background.maxDeltaChain = Self.pauseSamples
        // The app works between checkpoints for twice a synchronous save (the full one after the
        // first), so that the writer finishes each before the next: the pause is then what a
        // checkpoint adds to the loop, not a race with the writer.
        let work = Duration.seconds(max(2 * results.deltaSaveSeconds, 0.001))
        let workAfterFirst = Duration.seconds(2 * results.fullSaveSeconds)
        let asyncApp = try SyntheticApp(synthetic).run(
            iterations: Self.pauseSamples + 1, changing: changeFraction, work: work, workAfterFirst: workAfterFirst, store: store, policy: background)
        results.blockingSeconds = Measurement.median(asyncApp.statistics.pauses.recentSeconds.dropFirst())
        results.queueWaitSeconds = Measurement.median(asyncApp.statistics.queueWaits.recentSeconds.dropFirst())
        results.spread["blocking_s"] = Measurement.Spread(Array(asyncApp.statistics.pauses.recentSeconds.dropFirst()))
        results.spread["queue_wait_s"] = Measurement.Spread(Array(asyncApp.statistics.queueWaits.recentSeconds.dropFirst()))
        return results
    }
}

extension CheckpointBenchmark.Results {
    /// Keeps a figure's median in its field and its spread under its JSON key.
    mutating func record(_ key: String, _ spread: Measurement.Spread, into field: WritableKeyPath<Self, Double>) {
        self[keyPath: field] = spread.median
        self.spread[key] = spread
    }
}
