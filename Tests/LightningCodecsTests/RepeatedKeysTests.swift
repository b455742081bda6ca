@testable import LightningCodecs
import LightningState
import LightningTestSupport
import Testing

/// How a large object's keys are checked for a repeat: sorted hashes, and the keys themselves
/// when a file is made so that many distinct keys share one hash.
@Suite("Large objects' repeated keys")
struct RepeatedKeysTests {
    @Test("the sort orders in place: random values, values apart only in their top or bottom bits, sharing their top bytes, all equal, descending, few, none and one")
    func sorting() {
        var random = SeededRandom(seed: 5)
        let cases: [[UInt64]] = [
            [], [7], [9, 3, 9],
            (0..<32).map { _ in random.next() }, (0..<33).map { _ in random.next() },
            (0..<200).map { _ in random.next() },
            (0..<10_000).map { _ in random.next() },
            (0..<5_000).map { _ in (random.next() % 16) << 60 | random.next() % 1_000 },
            // All in one bucket for the first six bytes, then apart.
            (0..<5_000).map { _ in 0xABC << 52 | random.next() % 100_000 },
            (0..<5_000).map { _ in random.next() % 3 },
            (0..<3_000).map { _ in random.next() % 2 == 0 ? .max : 0 },
            [UInt64](repeating: 42, count: 1_000),
            (0..<2_000).map { UInt64(2_000 - $0) << 40 },
        ]
        for values in cases {
            var sorted = values
            sorted.withUnsafeMutableBufferPointer { RepeatedKeys.sort($0) }
            #expect(sorted == values.sorted())
        }
    }

    private static func mayRepeat(_ hashes: [UInt64]) -> Bool {
        var hashes = hashes
        return hashes.withUnsafeMutableBufferPointer { RepeatedKeys.mayRepeat($0) }
    }

    @Test("keys may repeat when two hashes are equal, wherever they are, and only then: not for hashes apart in their low bits alone")
    func sharedHashes() {
        var random = SeededRandom(seed: 8)
        let distinct = (0..<50_000).map { _ in random.next() }
        #expect(!Self.mayRepeat(distinct))
        var repeated = distinct
        repeated[40_000] = distinct[123]
        #expect(Self.mayRepeat(repeated))
        // Hashes of one bucket, the equal ones not next to each other in the input.
        let top: UInt64 = 0xABCD << 48
        #expect(Self.mayRepeat((distinct + [top | 5, top | 9, top | 5])))
        #expect(!Self.mayRepeat((distinct + [top | 5, top | 9, top | 7])))
        #expect(!Self.mayRepeat((distinct + (0..<5_000).map { top | $0 })))
        #expect(Self.mayRepeat((distinct + (0..<5_000).map { top | $0 } + [top | 4_999])))
    }

    @Test("the first key equal to an earlier one is found, in the keys' order; none among distinct keys, whatever their hashes")
    func firstRepeat() {
        let keys = ContiguousArray((0..<1_000).map { StateString("k\($0)") })
        let hashes = { (keys: ContiguousArray<StateString>) in keys.map { key in key.withWTF8 { InternCache.hash($0) } } }
        #expect(RepeatedKeys.first(in: keys, hashes: hashes(keys)) == nil)
        var repeated = keys
        repeated[700] = "k3"
        repeated[900] = "k2"
        #expect(RepeatedKeys.first(in: repeated, hashes: hashes(repeated)) == 700)
        // Distinct keys given one hash: told apart by their bytes.
        #expect(RepeatedKeys.first(in: keys, hashes: [UInt64](repeating: 9, count: keys.count)) == nil)
        #expect(RepeatedKeys.first(in: repeated, hashes: [UInt64](repeating: 9, count: keys.count)) == 700)
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

    @Test("a repeated key is reported before a fault further on in an object of up to 32 members, after it in a larger one")
    func repeatThenFault() {
        func object(members: Int) -> [UInt8] {
            // Keys k0, k1, …, then k0 again, then a member whose value has no known tag.
            var tree: [UInt8] = [0x08] + SnapshotDecoderTests.varint(UInt64(members + 2))
            for index in 0..<members { tree += SnapshotDecoderTests.literal("k\(index)") + [0x03, 2] }
            tree += SnapshotDecoderTests.varint(0) + [0x03, 2]
            return tree + SnapshotDecoderTests.literal("last") + [0xEE]
        }
        let small = SnapshotDecoderTests.message(tree: object(members: 30))
        #expect(small?.hasSuffix("duplicate key \"k0\"") == true, "\(small ?? "no error")")
        let large = SnapshotDecoderTests.message(tree: object(members: 31))
        #expect(large?.hasSuffix("unknown tag 0xee") == true, "\(large ?? "no error")")
    }

    @Test("an object of keys made to share one hash reads whole, and a repeat among them is found at its place", arguments: [100, 300])
    func floodedObject(count: Int) throws {
        let keys = Self.collidingKeys(count)
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
        // At the repeated key's own place: after the tag, the count and `count` members of 19 bytes.
        let offset = 1 + SnapshotDecoderTests.varint(UInt64(count + 1)).count + count * 19
        #expect(repeated?.contains("at byte \(offset): duplicate key") == true, "\(repeated ?? "no error")")
        #expect(repeated?.hasSuffix("duplicate key \"\(String(decoding: keys[50], as: UTF8.self))\"") == true, "\(repeated ?? "no error")")
    }
}
