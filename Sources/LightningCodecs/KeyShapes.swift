#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LightningState

/// The key lists of the small objects a reader has built, so that objects with the same keys in
/// the same order share one array of keys.
///
/// Most objects of a state repeat a few shapes: the records of a list, every component's `vars`
/// and `calls`, the dicts in rows. An object's keys take as much memory as its values (a 24-byte
/// slot each, in an array of their own), and `OrderedDictionary` keeps the array it is given, so
/// a shared array halves what such an object costs, and saves building one. Sharing is invisible:
/// the arrays are copied on write, and equal either way.
///
/// A snapshot's reader names a shape by its keys' places in its table of interned strings
/// (``InternedStrings``): one place holds one string, so equal places are equal keys, found without
/// comparing bytes (``keys(_:places:)``). A key too long to be interned leaves its object unshared;
/// so does a key the writer interned again at a new place (rarely: the writer keeps recurring
/// keys), which only costs memory. The JSON reader, which has no such table, compares the keys
/// themselves (``keys(_:)``), and checks them for a repeat only when its shape is new.
///
/// The cache is direct-mapped: a shape met again while it still holds its slot is shared, one
/// that lost its slot is built anew. The result depends only on the input.
struct KeyShapes {
    private struct Slot {
        /// The keys' places in the table of interned strings; empty for a JSON reader's slot.
        var places: ContiguousArray<Int>
        var keys: ContiguousArray<StateString>
    }

    /// Empty until the first object, for the many small snapshots (deltas) that have few.
    private var slots: [Slot] = []

    /// 512 slots: more distinct shapes than most apps' component classes and record kinds.
    private static let slotCount = 512

    /// An array of `keys`: the shared one for their shape when the cache has it; else a new one,
    /// which then takes the shape's slot.
    /// - Parameter places: each key's place in the table of interned strings, -1 for a key not
    ///   interned; as many as `keys`.
    mutating func keys(_ keys: ArraySlice<StateString>, places: ArraySlice<Int>) -> ContiguousArray<StateString> {
        var shape = Self.start(keys.count)
        for place in places {
            guard place >= 0 else { return Self.copy(keys) }
            shape = Self.mix(shape, place)
        }
        let slot = slot(shape)
        if Self.equal(slots[slot].places, places) {
            return slots[slot].keys
        }
        let built = Self.copy(keys)
        slots[slot] = Slot(places: Self.copy(places), keys: built)
        return built
    }

    /// An array of `keys` for a reader without a table of interned strings: the shared one when the
    /// cache holds their shape (compared key by key), else a new one, which then takes the shape's
    /// slot; `nil` when a key repeats, as no shape does (the caller builds that object as a
    /// dictionary does). The keys' bytes choose the slot.
    mutating func keys(_ keys: ArraySlice<StateString>) -> ContiguousArray<StateString>? {
        var shape = Self.start(keys.count)
        for key in keys { shape = Self.mix(shape, Int(truncatingIfNeeded: key.withWTF8(InternCache.hash))) }
        let slot = slot(shape)
        if slots[slot].places.isEmpty && slots[slot].keys.elementsEqual(keys) {
            return slots[slot].keys
        }
        // Pairwise, as `OrderedDictionary` looks up a key among as few.
        guard !keys.indices.contains(where: { later in keys[..<later].contains(keys[later]) }) else { return nil }
        let built = Self.copy(keys)
        slots[slot] = Slot(places: [], keys: built)
        return built
    }

    /// Whether two lists of places are equal, compared in place (`elementsEqual` across the two
    /// collection types is not specialized, and cost a tenth of a text state's decoding).
    private static func equal(_ cached: ContiguousArray<Int>, _ places: ArraySlice<Int>) -> Bool {
        cached.count == places.count && cached.withUnsafeBufferPointer { cached in
            places.withUnsafeBufferPointer { places in
                cached.isEmpty || memcmp(cached.baseAddress!, places.baseAddress!, cached.count * MemoryLayout<Int>.stride) == 0
            }
        }
    }

    private static func start(_ count: Int) -> UInt64 { 0x2545_F491_4F6C_DD1D ^ UInt64(count) }

    private static func mix(_ shape: UInt64, _ value: Int) -> UInt64 {
        let mixed = (shape ^ UInt64(bitPattern: Int64(value))) &* 0x9E37_79B9_7F4A_7C15
        return mixed ^ (mixed &>> 29)
    }

    private mutating func slot(_ shape: UInt64) -> Int {
        if slots.isEmpty {
            slots = Array(repeating: Slot(places: [], keys: []), count: Self.slotCount)
        }
        return Int(truncatingIfNeeded: shape &>> 32) & (Self.slotCount - 1)
    }

    /// The elements in an array of their own: an array made from a slice spanning a whole reader's
    /// stack would share the stack's buffer, room to spare and all (and the stack, changed next,
    /// would then be copied).
    private static func copy<Element>(_ elements: ArraySlice<Element>) -> ContiguousArray<Element> {
        elements.withUnsafeBufferPointer { ContiguousArray($0) }
    }
}
