@testable import LightningCodecs
import LightningState
import Testing

/// The table that checks a large object's keys for repeats, and what happens when a file is made
/// so that many distinct keys share one hash.
@Suite("Large objects' key table")
struct KeyHashesTests {
    @Test("distinct keys of one hash are told apart by their bytes, until comparing them costs too much and the table gives up")
    func collisions() {
        var table = KeyHashes(expecting: 4)
        // Key n is compared with the n before it: 0 + 1 + … + 11 = 66 comparisons pass the limit of 64.
        for index in 0..<11 {
            #expect(table.insert(7, index: index, unlessEqual: { _ in false }) == .inserted)
        }
        #expect(table.insert(7, index: 11, unlessEqual: { $0 == 3 }) == .duplicate)
        #expect(table.insert(7, index: 11, unlessEqual: { _ in false }) == .flooded)
        // Other hashes are still told apart.
        #expect(table.insert(8, index: 11, unlessEqual: { _ in false }) == .inserted)
    }

    /// Sixteen-byte ASCII keys that all have the hash of the first: the hash mixes each 8-byte word
    /// into its state, so a second word that cancels the difference the first words made collides.
    static func collidingKeys(_ count: Int) -> [[UInt8]] {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        func word(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        func mixed(_ value: UInt64) -> UInt64 {
            let product = value &* multiplier
            return product ^ (product >> 29)
        }
        let start = multiplier ^ 16
        let base = Array("key-0000suffix!!".utf8)
        let target = mixed(start ^ word(base[0..<8])) ^ word(base[8..<16])
        var keys = [base]
        var candidate = 1
        while keys.count < count {
            let first = Array("k\(String(candidate + 1_000_000).suffix(7))".utf8)
            candidate += 1
            let second = target ^ mixed(start ^ word(first[0..<8]))
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: second >> (8 * UInt64($0))) }
            guard bytes.allSatisfy({ $0 > 0 && $0 < 0x80 }) else { continue }
            keys.append(first + bytes)
        }
        return keys
    }

    @Test("an object of 100 keys made to share one hash reads whole, and a repeat among them is still found")
    func floodedObject() throws {
        let keys = Self.collidingKeys(100)
        let hashes = Set(keys.map { key in key.withUnsafeBufferPointer(InternCache.hash) })
        #expect(hashes.count == 1, "the keys no longer collide: the hash changed, and this test must follow it")
        func object(_ keys: [[UInt8]]) -> [UInt8] {
            var tree: [UInt8] = [0x08] + SnapshotDecoderTests.varint(UInt64(keys.count))
            for (index, key) in keys.enumerated() {
                tree += SnapshotDecoderTests.varint(UInt64(key.count) << 1 | 1) + key + [0x03, UInt8(index % 64) << 1]
            }
            return tree
        }
        let state = try BinarySnapshot.decode(SnapshotDecoderTests.file(tree: object(keys)))
        #expect(state.objectValue?.keys.map { Array($0.displayString.utf8) } == keys)
        let repeated = SnapshotDecoderTests.message(tree: object(keys + [keys[50]]))
        #expect(repeated?.hasSuffix("duplicate key \"\(String(decoding: keys[50], as: UTF8.self))\"") == true, "\(repeated ?? "no error")")
    }
}
