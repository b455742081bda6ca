import LightningStore
import Testing

@Suite("Checkpoint names")
struct CheckpointNameTests {
    @Test("names keep the documented form and order by save", arguments: [
        ("lightningapp_checkpoint_1665501626.json", CheckpointName(timestamp: 1_665_501_626)),
        ("lightningapp_checkpoint_1665501626", CheckpointName(timestamp: 1_665_501_626)),
        ("lightningapp_checkpoint_1665501626_2.json", CheckpointName(timestamp: 1_665_501_626, sequence: 2)),
    ])
    func parses(fileName: String, expected: CheckpointName) {
        #expect(CheckpointName(fileName: fileName) == expected)
    }

    @Test("other names are not checkpoints", arguments: [
        "lightningapp_checkpoint_.json", "lightningapp_checkpoint_12a.json", "lightningapp_checkpoint_1_0.json",
        "lightningapp_checkpoint_1_.json", "lightningapp_checkpoint_01.json", "checkpoint_1.json", "lightningapp_checkpoint_1_2_3",
        "lightningapp_checkpoint_99999999999999999999.json",
    ])
    func rejects(fileName: String) {
        #expect(CheckpointName(fileName: fileName) == nil)
    }

    @Test("sequence numbers sort numerically within a second")
    func ordering() {
        let names = [
            CheckpointName(timestamp: 2), CheckpointName(timestamp: 1, sequence: 10), CheckpointName(timestamp: 1, sequence: 2),
            CheckpointName(timestamp: 1),
        ]
        #expect(names.sorted().map(\.stem) == [
            "lightningapp_checkpoint_1", "lightningapp_checkpoint_1_2", "lightningapp_checkpoint_1_10", "lightningapp_checkpoint_2",
        ])
        #expect(CheckpointName(timestamp: 5).next.fileName(.json) == "lightningapp_checkpoint_5_1.json")
    }
}
