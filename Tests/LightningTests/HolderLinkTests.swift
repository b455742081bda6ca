@testable import Lightning
import LightningState
import LightningStore
import LightningTestSupport
import Testing

@Suite("Links to holders")
struct HolderLinkTests {
    @Test("a flow's or a structure's handle lets go of it when it goes")
    func handleClearedOnDeinit() {
        var flow: LightningFlow? = LightningFlow()
        var list: LightningList<Counter>? = LightningList<Counter>()
        let flowHandle = flow!.handle
        let listHandle = list!.handle
        #expect(flowHandle.holder === flow && listHandle.holder === list)
        #expect(flow!.handle === flowHandle)  // one per holder
        flow = nil
        list = nil
        #expect(flowHandle.holder == nil)
        #expect(listHandle.holder == nil)
    }

    /// Holds a `Leaf` flow, whose work the next iterations keep after the flow is dropped, and write.
    final class Keeper: LightningFlow {
        var holder: Leaf? = Leaf()
        var kept: Counter?
        var iteration = 0

        override func run() throws {
            iteration += 1
            switch iteration {
            case 2:
                kept = holder?.work_level_3
                holder = nil  // the leaf goes; its work stays, linked to nothing there
            case 3...5: kept?.counter += 1
            default: break
            }
            if iteration == 5 { stop() }
        }

        override func shouldSaveCheckpoint() -> Bool { true }
    }

    @Test("a work that outlives the flow that held it is saved where it is now")
    func childOutlivesHolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let app = LightningApp(root: Keeper(), name: "keeper")
        app.policy = CheckpointPolicy(maxDeltaBytesFraction: .infinity, writesInBackground: false)
        try app.run(checkpoint: nil, storageRoot: folder.path)
        let files = try CheckpointStore(storageRoot: folder.path).list()
        #expect(files.map(\.isDelta) == [false, true, true, true, true])
        let counters = try files.map { try CheckpointLocation.file($0.path).load()["works"]?["kept"]?["vars"]?["counter"] }
        #expect(counters == [nil, 0, 1, 2, 3])
        #expect(try CheckpointLocation.file(files[4].path).load()["flows"]?["holder"] == nil)
    }
}
