import ArgumentParser
import LightningCLI

@main
struct LightningCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lightning-checkpoint",
        abstract: "Inspect, convert and compare Lightning app checkpoints.",
        discussion: """
            A CHECKPOINT argument is a file path, the name of a checkpoint in \
            <storage>/checkpoints (with or without .json or .lsnap), 'latest', or 'latest-valid' \
            (the newest that loads, passing over damaged ones). The storage root is \
            --storage, else $STORAGE_ROOT_DIR, else ./.storage.
            """,
        version: BenchSettings.toolVersion,
        subcommands: [Convert.self, Export.self, Show.self, Get.self, Diff.self, Canon.self, List.self, Verify.self, Compact.self, Bench.self]
    )

    static func main() {
        LightningLogging.bootstrap()
        main(nil)
    }
}
