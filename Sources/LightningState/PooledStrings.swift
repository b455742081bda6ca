/// The elements of a list of strings read from a snapshot, kept as 4-byte places in the reader's
/// table of interned strings (``StringTable``), which every such list of the same snapshot
/// shares: a list of log lines, labels or names from a small vocabulary, which a snapshot already
/// stores as references, takes 4 bytes an element in memory instead of a 24-byte value.
///
/// Immutable: a ``StateArray`` keeping its elements this way turns them into values when it is
/// changed. A list holds the whole table, so the snapshot's short strings
/// stay in memory while one such list does (a var restored as a Swift type, such as `[String]`,
/// holds none of it).
@usableFromInline
package final class PooledStrings: Sendable {
    /// The reader's table.
    @usableFromInline
    let table: StringTable
    /// Each element's place in the table.
    @usableFromInline
    let places: [UInt32]

    /// - Precondition: every place is below the table's count.
    package init(table: StringTable, places: [UInt32]) {
        self.table = table
        self.places = places
    }

    /// The number of elements.
    @inlinable
    package var count: Int { places.count }

    /// The string at `position`.
    @inlinable
    package subscript(position: Int) -> StateString {
        table[Int(places[position])]
    }

    /// The elements in `range`, sharing the table.
    package func subrange(_ range: Range<Int>) -> PooledStrings {
        PooledStrings(table: table, places: Array(places[range]))
    }
}
