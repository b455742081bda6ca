@testable import Lightning
import Testing

@Suite("Child slots")
struct ChildSlotTests {
    final class Slots: LightningFlow {
        let fixed = Counter()
        var swappable = Counter()
        var optional: Leaf?
        let items = LightningList<Counter>()
        var count = 0
    }

    @Test("a var child property is compared after each iteration; a let one, which cannot be reassigned, is not")
    func onlyVarPropertiesWatched() throws {
        let records = try #require(FieldRecords.storedProperties(of: Slots.self))
        #expect(records.suffix(5).map(\.name) == ["fixed", "swappable", "optional", "items", "count"])
        #expect(records.suffix(5).map(\.isVar) == [false, true, true, false, true])
        let slots = ChildSlots(of: Slots.self)
        #expect(slots.complete)
        #expect(slots.labels == ["fixed", "swappable", "optional", "items"])
        let flow = Slots()
        #expect(slots.bits(of: flow).count == 2)
        let before = slots.bits(of: flow)
        flow.swappable = Counter()
        #expect(!slots.match(flow, before))
        flow.optional = Leaf()
        #expect(slots.bits(of: flow) != before)
    }
}
