/// The elements of a list of records read from a snapshot — objects with the same keys in the same
/// order, or short arrays — kept column by column: member `j` of every element in one
/// ``StateArray``, itself as compact as its values allow (ints and floats as numbers, strings, flags
/// and `null` as places in the snapshot's table of strings, records inside records as columns).
/// Arrays of different lengths keep each one's length; a shorter array's place in the columns
/// beyond it holds a filler that no element shows.
///
/// A list of records is what most of a large state often is (a run's history, a table of rows),
/// and as values each record is an array of 24-byte values of its own, 192 bytes for six fields
/// with its header, before any string or list it holds; by column, six such fields of numbers,
/// flags or repeated strings take 4 to 8 bytes each. An element is built when it is read
/// (``subscript(_:)``): an object sharing the list's one array of keys, or an array.
///
/// Immutable: a ``StateArray`` keeping its elements this way turns them into values when it is
/// changed.
@usableFromInline
package final class Columns: Sendable {
    /// What every element is.
    package enum Shape: Sendable, Equatable {
        /// Objects with these keys, in this order (no key twice): a column a key.
        case keys(ContiguousArray<StateString>)
        /// Arrays: element `i` is the first `lengths[i]` members, or all of them when `lengths` is `nil`.
        case arrays(lengths: [UInt8]?)
    }

    /// What every element is.
    package let shape: Shape
    /// Column `j` holds member `j` of every element.
    package let columns: [StateArray]
    /// The number of elements.
    @usableFromInline
    package let count: Int

    /// - Precondition: every column holds `count` elements; objects have a column per key; arrays'
    ///   lengths, when given, are `count`, none beyond the columns.
    package init(shape: Shape, columns: [StateArray], count: Int) {
        precondition(columns.allSatisfy { $0.count == count }, "columns as long as the list")
        switch shape {
        case .keys(let keys): precondition(keys.count == columns.count, "a column per key")
        case .arrays(let lengths?): precondition(lengths.count == count && lengths.allSatisfy { Int($0) <= columns.count }, "a length per array")
        case .arrays(nil): break
        }
        self.shape = shape
        self.columns = columns
        self.count = count
    }

    /// The element at `position`, built from its members.
    @usableFromInline
    package subscript(position: Int) -> StateValue {
        precondition(position >= 0 && position < count, "an element beyond the list")
        switch shape {
        case .keys(let keys):
            var values = ContiguousArray<StateValue>()
            values.reserveCapacity(columns.count)
            for column in columns { values.append(column[position]) }
            return .object(StateObject(uncheckedUniqueKeys: keys, values: values))
        case .arrays(let lengths):
            let length = lengths.map { Int($0[position]) } ?? columns.count
            var members: [StateValue] = []
            members.reserveCapacity(length)
            for column in columns[..<length] { members.append(column[position]) }
            return .array(StateArray(compacting: members))
        }
    }

    /// Whether the elements are equal to `other`'s, compared column by column when both lists keep
    /// them alike (the same keys, or whole arrays of the same length); `nil` when they do not.
    package func columnsEqual(_ other: Columns) -> Bool? {
        guard count == other.count, columns.count == other.columns.count else { return nil }
        switch (shape, other.shape) {
        case (.keys(let keys), .keys(let otherKeys)) where keys == otherKeys: return columns == other.columns
        // With lengths, the fillers past an array's end would be compared too.
        case (.arrays(nil), .arrays(nil)): return columns == other.columns
        default: return nil
        }
    }

    /// The elements in `range`, kept by column.
    package func subrange(_ range: Range<Int>) -> Columns {
        let part: Shape
        switch shape {
        case .keys: part = shape
        case .arrays(let lengths): part = .arrays(lengths: lengths.map { Array($0[range]) })
        }
        return Columns(shape: part, columns: columns.map { $0.subarray(range) }, count: range.count)
    }
}
