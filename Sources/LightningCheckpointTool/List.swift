import ArgumentParser
import LightningStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LightningCheckpoint {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the checkpoints in the storage, newest last.",
            discussion: """
                One line per checkpoint file: its name, its format (json or binary), its kind (full, \
                or delta with the checkpoint it applies to), the UTC time of the save, and its size in bytes. \
                A local storage folder that does not exist is an error (exit 1); one without \
                checkpoints prints "no checkpoints in <folder>".
                """
        )

        @OptionGroup var storageOptions: StorageOptions

        func run() throws {
            let store = try storageOptions.store()
            if let local = store.storage as? LocalStorage, !FileIO.isFolder(local.root) {
                // A typo, or the wrong folder: not an empty storage.
                printError("no storage at \(local.root): the folder does not exist (give --storage the folder the app saves to)")
                throw ExitCode.failure
            }
            let checkpoints = try reportingFailures { () throws(CheckpointStoreError) in try store.list() }
            guard !checkpoints.isEmpty else {
                print("no checkpoints in \(store.folder)")
                return
            }
            let rows = checkpoints.map { info in
                [info.name.stem, info.format.rawValue, info.parent.map { "delta of \($0.stem)" } ?? "full", Self.utcText(info.name.timestamp), String(info.size)]
            }
            print(Table(header: ["NAME", "FORMAT", "KIND", "TIME (UTC)", "BYTES"], rows: rows, rightAligned: [4]).rendered)
        }

        static func utcText(_ seconds: Int64) -> String {
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        }
    }
}
