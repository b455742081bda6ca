import LightningState

/// The key arrays of the small objects a decoder has built, by shape, so that objects with the same
/// keys in the same order (the records of a list, the `vars`/`calls`/`changes` of every component)
/// share one array instead of each holding a copy.
///
/// A dictionary's keys are a copy-on-write array: handing the same array to many objects costs one
/// reference each, where a copy costs an allocation and the keys again. A key is known by its
/// place in the snapshot's table of interned strings, so shapes compare as runs of integers, never
/// as strings; a key not in the table (longer than ``SnapshotFormat/internLimit``) has no place, and
/// an object with one is built on its own. The cache is direct-mapped and bounded, so a file with
/// many shapes costs at most one comparison of its places per object and a fixed amount of memory;
/// a shape whose slot another took is simply built again.
struct KeyShapes {
    private struct Slot {
        var places: [Int] = []
        var keys: ContiguousArray<StateString> = []
    }

    /// Slots in the cache: more than the shapes of any real state, few enough to stay in cache.
    private static let slotCount = 512

    private var slots = [Slot](repeating: Slot(), count: slotCount)

    /// Objects that took their keys from the cache (for tests).
    private(set) var shared = 0

    /// The place of a key that is not in the table of interned strings.
    static let notInterned = -1

    /// An array of `keys`, the one already built for the same run of interned keys when the cache
    /// holds it. `places` are the keys' places in the table of interned strings, or ``notInterned``.
    mutating func keys(_ keys: ArraySlice<StateString>, places: ArraySlice<Int>) -> ContiguousArray<StateString> {
        // An empty object's keys take no memory: `{}` (`calls`, `changes`) leaves the cache alone.
        guard !keys.isEmpty else { return [] }
        var shape = UInt64(truncatingIfNeeded: keys.count)
        for place in places {
            guard place != Self.notInterned else { return ContiguousArray(keys) }
            shape = (shape ^ UInt64(truncatingIfNeeded: place)) &* 0x9E37_79B9_7F4A_7C15
        }
        let index = Int(truncatingIfNeeded: shape >> 55) & (Self.slotCount - 1)
        if slots[index].places.elementsEqual(places) {
            shared += 1
            return slots[index].keys
        }
        let built = ContiguousArray(keys)
        slots[index] = Slot(places: Array(places), keys: built)
        return built
    }
}
