#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LightningBench
import LightningCodecs
import LightningState

/// The table and the JSON object that `bench` prints.
enum BenchReport {
    /// `0.101–0.140`: the smallest and largest run of a figure.
    static func range(_ spread: Measurement.Spread?, digits: Int) -> String {
        guard let spread else { return "-" }
        return "\(format(spread.minimum, digits: digits))–\(format(spread.maximum, digits: digits))"
    }

    static func table(_ results: CheckpointBenchmark.Results, components: Int, mix: SyntheticState.Mix) -> String {
        let megabytes = Double(results.jsonBytes) / 1e6
        let digits = decimals(for: results.spread.values.flatMap { [$0.minimum, $0.median, $0.maximum] }, minimum: 3)
        func row(_ name: String, _ key: String, _ seconds: Double, _ bytes: Int) -> [String] {
            [name, format(seconds, digits: digits), range(results.spread[key], digits: digits), format(megabytes / seconds, digits: 0), format(Double(bytes) / 1e6 / seconds, digits: 0), String(bytes)]
        }
        let rows = [
            row("json encode (memory)", "json_encode_s", results.jsonEncodeSeconds, results.jsonBytes),
            row("json decode (memory)", "json_decode_s", results.jsonDecodeSeconds, results.jsonBytes),
            row("json save", "json_save_s", results.jsonSaveSeconds, results.jsonBytes),
            row("json load", "json_load_s", results.jsonLoadSeconds, results.jsonBytes),
            row("binary encode (memory)", "binary_encode_s", results.binaryEncodeSeconds, results.binaryBytes),
            row("binary decode (memory)", "binary_decode_s", results.binaryDecodeSeconds, results.binaryBytes),
            row("binary save", "binary_save_s", results.binarySaveSeconds, results.binaryBytes),
            row("binary load", "binary_load_s", results.binaryLoadSeconds, results.binaryBytes),
            row("snapshot bytes up (storage create)", "upload_s", results.uploadSeconds, results.binaryBytes),
            row("snapshot bytes down (storage read)", "download_s", results.downloadSeconds, results.binaryBytes),
            row("load floor: read + CRC + inflate, 1 thread", "load_floor_1t_s", results.loadFloorOneThreadSeconds, results.binaryBytes),
            row("load floor: read + CRC + inflate, all cores", "load_floor_s", results.loadFloorSeconds, results.binaryBytes),
            row("save floor: deflate + write + fsync", "save_floor_s", results.saveFloorSeconds, results.binaryBytes),
        ]
        let ratio = format(100 * Double(results.binaryBytes) / Double(max(1, results.jsonBytes)), digits: 1)
        let title = "state: \(components) components, \(mix.title), \(format(megabytes, digits: decimals(for: [megabytes], minimum: 1))) MB of JSON; binary file \(ratio) % of it"
        return title + "\n" + Table(header: ["OPERATION", "MEDIAN S", "MIN–MAX S", "STATE MB/S", "FILE MB/S", "FILE BYTES"], rows: rows, rightAligned: [1, 2, 3, 4, 5]).rendered
            + "\nbinary load is \(format(results.binaryLoadSeconds / max(results.loadFloorOneThreadSeconds, 1e-9), digits: 2)) x its one-thread floor"
            + " (\(format(results.binaryLoadSeconds / max(results.loadFloorSeconds, 1e-9), digits: 2)) x the all-core one); binary save is"
            + " \(format(results.binarySaveSeconds / max(results.saveFloorSeconds, 1e-9), digits: 2)) x its floor. A floor is what the snapshot's bytes"
            + " alone cost, measured in the same run: everything but building the state or encoding it."
            + (megabytes < 50
                ? " (On a state this small, a load's and a save's fixed costs — threads, buffers, the components' skeleton — weigh more against the floors; the ratios are meant for states of about 100 MB: --target-mb 100.)" : "")
            + "\nSeconds: the median of the runs, and the fastest and slowest. STATE MB/S: the state's JSON size over the median,"
            + " whatever the format; FILE MB/S: the file's own bytes over the median. Saves include fsync."
    }

    static func incrementalTable(_ results: IncrementalBenchmark.Results, components: Int) -> String {
        // The queue wait is mostly a few nanoseconds of bookkeeping: it does not set the precision.
        let shown = results.spread.filter { $0.key != "queue_wait_s" }.values.flatMap { [$0.minimum, $0.median, $0.maximum] }
        let digits = decimals(for: shown + [results.fullSaveSeconds], minimum: 4)
        let rows = [
            ["full save (an app's first checkpoint: capture + binary save)", format(results.fullSaveSeconds, digits: digits), "-", String(results.fullBytes)],
            ["delta save (end to end)", format(results.deltaSaveSeconds, digits: digits), range(results.spread["delta_save_s"], digits: digits), String(results.deltaBytes)],
            ["loop pause per checkpoint (background)", format(results.blockingSeconds, digits: digits), range(results.spread["blocking_s"], digits: digits), "-"],
            ["loop wait for room in the writer's queue (not in the pause)", format(results.queueWaitSeconds, digits: digits), range(results.spread["queue_wait_s"], digits: digits), "-"],
            ["restore the full snapshot", format(results.baseLoadSeconds, digits: digits), range(results.spread["chain_base_load_s"], digits: digits), "-"],
            ["restore the 10th delta", format(results.chainLoadSeconds, digits: digits), range(results.spread["chain_load_s"], digits: digits), "-"],
        ]
        let ratio = format(100 * Double(results.deltaBytes) / Double(max(1, results.fullBytes)), digits: 2)
        let loadRatio = format(results.chainLoadSeconds / max(results.baseLoadSeconds, 1e-9), digits: 2)
        let changed = results.changedComponents
        let share = format(100 * Double(changed) / Double(max(1, components)), digits: 2)
        return "\nincremental: \(changed) of \(components) component\(components == 1 ? "" : "s") (\(share) %) \(changed == 1 ? "changes" : "change") between saves; "
            + "a delta is \(ratio) % of a full snapshot; restoring the 10th delta takes \(loadRatio) x a full load\n"
            + Table(header: ["OPERATION", "MEDIAN S", "MIN–MAX S", "FILE BYTES"], rows: rows, rightAligned: [1, 2, 3]).rendered
    }

    static func json(_ results: CheckpointBenchmark.Results, _ incremental: IncrementalBenchmark.Results, settings: BenchSettings) -> String {
        let object: StateValue = [
            "full_save_s": .float(incremental.fullSaveSeconds),
            "delta_save_s": .float(incremental.deltaSaveSeconds),
            "delta_bytes": .int(Int64(incremental.deltaBytes)),
            "blocking_s": .float(incremental.blockingSeconds),
            "queue_wait_s": .float(incremental.queueWaitSeconds),
            "chain_load_s": .float(incremental.chainLoadSeconds),
            "chain_base_load_s": .float(incremental.baseLoadSeconds),
            "json_bytes": .int(Int64(results.jsonBytes)),
            "binary_bytes": .int(Int64(results.binaryBytes)),
            "json_encode_s": .float(results.jsonEncodeSeconds),
            "json_decode_s": .float(results.jsonDecodeSeconds),
            "json_save_s": .float(results.jsonSaveSeconds),
            "json_load_s": .float(results.jsonLoadSeconds),
            "binary_encode_s": .float(results.binaryEncodeSeconds),
            "binary_decode_s": .float(results.binaryDecodeSeconds),
            "binary_save_s": .float(results.binarySaveSeconds),
            "binary_load_s": .float(results.binaryLoadSeconds),
            "upload_s": .float(results.uploadSeconds),
            "download_s": .float(results.downloadSeconds),
            "load_floor_1t_s": .float(results.loadFloorOneThreadSeconds),
            "load_floor_s": .float(results.loadFloorSeconds),
            "save_floor_s": .float(results.saveFloorSeconds),
            "binary_load_over_floor_1t": .float(results.binaryLoadSeconds / max(results.loadFloorOneThreadSeconds, 1e-9)),
            "binary_save_over_floor": .float(results.binarySaveSeconds / max(results.saveFloorSeconds, 1e-9)),
        ]
        var spread = StateObject()
        for (key, value) in results.spread.merging(incremental.spread, uniquingKeysWith: { first, _ in first }).sorted(by: { $0.key < $1.key }) {
            spread[StateString(key)] = ["min": .float(value.minimum), "median": .float(value.median), "max": .float(value.maximum)]
        }
        return String(decoding: JSONWriter.write(merged(merged(object, ["spread": .object(spread)]), settings)), as: UTF8.self)
    }

    static func parallelTable(_ rows: [ParallelPauseBenchmark.Row], synthetic: SyntheticState, stateBytes: Int, fraction: Double) -> String {
        let table = rows.map { row in
            [String(row.works), format(row.medianSeconds * 1000, digits: 3), format(row.p90Seconds * 1000, digits: 3), format(row.maxSeconds * 1000, digits: 3), String(row.checkpoints)]
        }
        return "loop pause per checkpoint, in the background, with N parallel works each publishing a step (a step, a loss, 64 weights) "
            + "every millisecond; \(synthetic.components) components, \(format(Double(stateBytes) / 1e6, digits: 1)) MB of JSON, "
            + "\(format(fraction * 100, digits: 2)) % of the components changing between checkpoints, 2 ms of work per iteration\n"
            + Table(header: ["PARALLEL WORKS", "MEDIAN MS", "P90 MS", "MAX MS", "CHECKPOINTS"], rows: table, rightAligned: [0, 1, 2, 3, 4]).rendered
            + "\nThe median is the figure to compare; on a shared 2-core machine the tail follows the scheduler (a work or the writer"
            + " holding the loop's core), not the checkpoint."
    }

    static func largeVarTable(_ rows: [LargeVarBenchmark.Row], iterations: Int) -> String {
        let table = rows.map { row in
            [
                String(row.historyValues), String(row.tableEntries), String(row.fullBytes), format(row.fullSaveSeconds * 1000, digits: 1),
                String(row.deltaBytes), format(row.deltaSaveSeconds * 1000, digits: 3), format(row.pauseSeconds * 1000, digits: 3),
                format(row.pauseMaxSeconds * 1000, digits: 3), format(row.iterationSeconds * 1000, digits: 3),
                format(row.iterationP90Seconds * 1000, digits: 3), row.restoresExactly ? "yes" : "NO",
            ]
        }
        return "the large-var mix: a work holding a history of N doubles, growing by one value a checkpoint, and a table of N/10 entries,"
            + " one changed and one added a checkpoint; \(iterations) checkpoints, one an iteration, in the background, default chain rules\n"
            + Table(
                header: ["N", "TABLE", "FULL BYTES", "FULL SAVE MS", "DELTA BYTES", "DELTA SAVE MS", "PAUSE MS", "PAUSE MAX MS", "ITERATION MS", "ITER P90 MS", "EXACT"],
                rows: table, rightAligned: Set(0...9)
            ).rendered
            + "\nMedians over the deltas. DELTA SAVE: the writer's time for a delta (finding the changes inside the vars, encoding,"
            + " writing, fsync); PAUSE: the loop's capture; ITERATION: one iteration's start to the next (the app's work, the"
            + " checkpoint, any wait for the writer; a full snapshot every 17 checkpoints, whose time the loop waits out when the"
            + " writer is behind, shows in the tail); EXACT: the newest checkpoint restores the final state."
    }

    static func json(_ rows: [LargeVarBenchmark.Row], iterations: Int, settings: BenchSettings) -> String {
        func rounded(_ seconds: Double) -> StateValue { .float((seconds * 1e9).rounded() / 1e9) }
        let object: StateValue = [
            "checkpoints_per_size": .int(Int64(iterations)),
            "large_vars": .array(rows.map { row in
                [
                    "history_values": .int(Int64(row.historyValues)), "table_entries": .int(Int64(row.tableEntries)),
                    "full_bytes": .int(Int64(row.fullBytes)), "full_save_s": rounded(row.fullSaveSeconds),
                    "delta_bytes": .int(Int64(row.deltaBytes)), "delta_save_s": rounded(row.deltaSaveSeconds),
                    "pause_median_s": rounded(row.pauseSeconds), "pause_max_s": rounded(row.pauseMaxSeconds),
                    "iteration_median_s": rounded(row.iterationSeconds), "iteration_p90_s": rounded(row.iterationP90Seconds),
                    "deltas": .int(Int64(row.deltas)), "restores_exactly": .bool(row.restoresExactly),
                ]
            }),
        ]
        return String(decoding: JSONWriter.write(merged(object, settings)), as: UTF8.self)
    }

    static func json(_ rows: [ParallelPauseBenchmark.Row], synthetic: SyntheticState, stateBytes: Int, fraction: Double, settings: BenchSettings) -> String {
        func rounded(_ seconds: Double) -> StateValue { .float((seconds * 1e9).rounded() / 1e9) }
        let object: StateValue = [
            "components": .int(Int64(synthetic.components)),
            "json_bytes": .int(Int64(stateBytes)),
            "change_fraction": .float(fraction),
            "work_per_iteration_s": .float(0.002),
            "publish_interval_s": .float(0.001),
            "parallel_pause": .array(rows.map { row in
                [
                    "works": .int(Int64(row.works)), "pause_median_s": rounded(row.medianSeconds), "pause_p90_s": rounded(row.p90Seconds),
                    "pause_max_s": rounded(row.maxSeconds), "checkpoints": .int(Int64(row.checkpoints)),
                ]
            }),
        ]
        return String(decoding: JSONWriter.write(merged(object, settings)), as: UTF8.self)
    }

    /// The report's figures followed by the settings' keys.
    private static func merged(_ figures: StateValue, _ settings: BenchSettings) -> StateValue {
        merged(figures, settings.stateValue)
    }

    /// The members of `object` followed by those of `extra` (both objects).
    private static func merged(_ object: StateValue, _ extra: StateValue) -> StateValue {
        var members = object.objectValue ?? [:]
        for (key, value) in extra.objectValue ?? [:] { members[key] = value }
        return .object(members)
    }

    /// `value` with `digits` decimals (at most 15), never in scientific notation: `0.00031`, `1330`;
    /// `-` for a value that is not finite or not below 9 × 10^18 once scaled.
    static func format(_ value: Double, digits: Int) -> String {
        precondition((0...15).contains(digits), "0 to 15 decimals")
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value.magnitude * scale).rounded()
        guard scaled < 9e18 else { return "-" }
        let units = UInt64(scaled)
        let sign = value < 0 && units > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(units) }
        let divisor = UInt64(scale)
        let fraction = String(units % divisor)
        return sign + String(units / divisor) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// Decimals for a table of times (or sizes): enough for its smallest value to show two
    /// significant digits (a small state's operations take microseconds), at least `minimum`, at most 7.
    static func decimals(for values: [Double], minimum: Int) -> Int {
        guard let shortest = values.filter({ $0 > 0 && $0.isFinite }).min() else { return minimum }
        let needed = Int((-log10(shortest)).rounded(.up)) + 1
        return min(7, max(minimum, needed))
    }
}

extension SyntheticState.Mix {
    /// How a report's title names the mix.
    var title: String {
        switch self {
        case .floatHeavy: return "float-heavy"
        case .textHeavy: return "text-heavy"
        case .mixed: return "mixed values"
        case .records: return "nested records"
        case .largeVars: return "large vars"
        }
    }
}
