@testable import LightningState
import LightningTestSupport
import Testing

/// The places of a list kept as places take the narrowest width that holds them all, counted from
/// the list's lowest place in the table, and read back as they were given.
@Suite("Places in the narrowest width")
struct PlaceListTests {
    static let null = PooledStrings.nullPlace
    static let falsePlace = PooledStrings.immediate(.bool(false))!
    static let truePlace = PooledStrings.immediate(.bool(true))!

    /// An index among the other values, in the 4-byte form.
    static func other(_ index: UInt32) -> UInt32 { PooledStrings.otherFlag | index }

    @Test(
        "each list reads back the places it was given, in the width its span needs",
        arguments: [
            ([], 1),
            ([null, falsePlace, truePlace, null], 1),
            ([0, 127, null, other(124)], 1),
            ([0, 128], 2),
            ([5, other(125)], 2),
            ([1_000_000, 1_000_127, truePlace], 1),
            ([1_000_000, 1_000_128], 2),
            ([70_000, 70_000 + 32_767, other(0), falsePlace], 2),
            ([0, 32_768], 3),
            ([other(32_765)], 3),
            ([3, other(32_764), null], 2),
            ([0, 8_388_607], 3),
            ([100, 100 + 8_388_607, null, falsePlace, truePlace, other(8_388_604)], 3),
            ([0, 8_388_608], 4),
            ([other(8_388_605)], 4),
            ([PooledStrings.otherFlag - 1, 0, truePlace], 4),
            ([PooledStrings.otherFlag - 1, PooledStrings.otherFlag - 2, null], 1),
        ] as [([UInt32], Int)]
    )
    func readsBack(places: [UInt32], width: Int) {
        let list = PlaceList(places)
        #expect(list.width == width)
        #expect(list.count == places.count)
        #expect((0..<list.count).map { list[$0] } == places)
        #expect(list.places(in: 1..<max(1, places.count)) == Array(places.dropFirst()))
    }

    @Test("long lists are gathered in chunks: across chunk boundaries, in every width, the gatherer left empty", arguments: [65_535, 65_536, 65_537, 131_073])
    func chunks(count: Int) {
        for span in [UInt32(100), 30_000, 2_000_000, 20_000_000] {
            var gathered = GatheredPlaces()
            gathered.reserveCapacity(count)
            let places = (0..<count).map { index -> UInt32 in index % 97 == 0 ? Self.null : 5_000 + UInt32(index) * 7_919 % span }
            for place in places { gathered.append(place) }
            // A place taken back across a chunk's end, and put back.
            #expect(gathered.removeLast() == places.last)
            gathered.append(places.last!)
            #expect(gathered.count == count)
            let list = PlaceList(gathered: &gathered)
            #expect(gathered.count == 0)
            #expect(list.count == count && list.width == (span < 128 ? 1 : span <= 32_768 ? 2 : span <= 1 << 23 ? 3 : 4))
            #expect((0..<list.count).allSatisfy { list[$0] == places[$0] })
            #expect(list.places(in: 65_530..<min(65_540, count)) == Array(places[65_530..<min(65_540, count)]))
        }
    }

    @Test("seeded random lists read back whole, whatever their width")
    func randomLists() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<300 {
            let base = UInt32.random(in: 0..<2_000_000, using: &random)
            let span = [UInt32(100), 30_000, 40_000, 2_000_000, 20_000_000].randomElement(using: &random)!
            let places = (0..<Int.random(in: 0..<64, using: &random)).map { _ -> UInt32 in
                switch Int.random(in: 0..<10, using: &random) {
                case 0: return [Self.null, Self.falsePlace, Self.truePlace].randomElement(using: &random)!
                case 1: return Self.other(UInt32.random(in: 0..<200, using: &random))
                default: return base + UInt32.random(in: 0..<span, using: &random)
                }
            }
            let list = PlaceList(places)
            #expect((0..<list.count).map { list[$0] } == places)
            // The width the span of the places in the table and the count of the other values need.
            let inTable = places.filter { $0 & PooledStrings.otherFlag == 0 }
            let spread = (inTable.max() ?? 0) - (inTable.min() ?? 0)
            let others = places.filter { $0 & PooledStrings.otherFlag != 0 && $0 < PooledStrings.firstImmediate }.map { ($0 & ~PooledStrings.otherFlag) + 3 }
            let need = max(spread, others.max() ?? 0)
            #expect(list.width == (need < 128 ? 1 : need < 32_768 ? 2 : need < 1 << 23 ? 3 : 4))
        }
    }
}
