/// The strings of a snapshot reader's table (``StringTable``) built for one pass over many places
/// — a list turned into values, a var restored from a list, the reader's own decoding — each
/// string that takes an allocation built once and shared by every place that repeats it.
///
/// The table keeps bytes, and builds a string each time one is read; a `String` of up to 15 bytes
/// keeps them inline and costs no allocation, but a longer one (or one holding a lone surrogate)
/// is an allocation of its own. Through this, a list of a million labels from a few dozen long
/// ones turns into a million values sharing a few dozen strings, as it did when the table kept
/// values. Reading elements one at a time (`list[i]`) builds each anew.
package struct TableStrings {
    /// The table the places are in.
    package let table: StringTable
    /// The strings built so far that took an allocation, by place.
    private var built: [Int: StateString] = [:]

    package init(_ table: StringTable) {
        self.table = table
    }

    /// The string at `place`: built, or the one built before for it when it takes an allocation.
    /// - Precondition: `place < table.count`.
    package mutating func string(at place: Int) -> StateString {
        guard table.allocates(at: place) else { return table[place] }
        if let string = built[place] { return string }
        let string = table[place]
        built[place] = string
        return string
    }
}
