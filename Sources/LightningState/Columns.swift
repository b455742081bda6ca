/// The elements of a list of records read from a snapshot — objects whose keys come in one order,
/// or short arrays — kept column by column: member `j` of every element in one ``StateArray``,
/// itself as compact as its values allow (ints and floats as numbers, strings, flags and `null` as
/// places in the snapshot's table of strings, records inside records as columns).
///
/// A list of records is what most of a large state often is (a run's history, a table of rows),
/// and as values each record is an array of 24-byte values of its own, 192 bytes for six fields
/// with its header, before any string or list it holds; by column, six such fields of numbers,
/// flags or repeated strings take 4 to 8 bytes each. An element is built when it is read
/// (``subscript(_:)``): an object sharing one array of keys with every element of the same keys,
/// or an array.
///
/// Objects may leave keys out (as `Codable` leaves out a `nil` optional), and arrays may be of
/// different lengths: each element then keeps which members it has, and the columns hold a filler,
/// which no element shows, where it has none.
///
/// Immutable: a ``StateArray`` keeping its elements this way turns them into values when it is
/// changed.
@usableFromInline
package final class Columns: Sendable {
    /// What every element is.
    package enum Shape: Sendable, Equatable {
        /// Objects whose keys are these, in this order, or some of them (no key twice): a column a
        /// key. Element `i` has key `j` when bit `j` of `presence[i]` is set, or every key when
        /// `presence` is `nil`.
        case keys(ContiguousArray<StateString>, presence: [UInt32]?)
        /// Arrays: element `i` is the first `lengths[i]` members, or all of them when `lengths` is `nil`.
        case arrays(lengths: [UInt8]?)
    }

    /// The most members an element may have: a presence is 32 bits.
    package static let maximumWidth = 32

    /// What every element is.
    package let shape: Shape
    /// Column `j` holds member `j` of every element.
    package let columns: [StateArray]
    /// The number of elements.
    @usableFromInline
    package let count: Int
    /// For objects that leave keys out: the keys of each presence met, shared by its elements (but
    /// for all keys and none, which need no array of their own: most lists of many short ones have
    /// only those, for the rows of fillers a list inside rows gets).
    private let keysByPresence: [UInt32: ContiguousArray<StateString>]

    /// - Precondition: every column holds `count` elements; objects have a column per key, at most
    ///   ``maximumWidth``, and a presence, when given, per element, naming none beyond the keys;
    ///   arrays' lengths, when given, are `count`, none beyond the columns.
    package init(shape: Shape, columns: [StateArray], count: Int) {
        precondition(columns.allSatisfy { $0.count == count }, "columns as long as the list")
        var keysByPresence: [UInt32: ContiguousArray<StateString>] = [:]
        switch shape {
        case .keys(let keys, let presence):
            precondition(keys.count == columns.count && keys.count <= Self.maximumWidth, "a column per key")
            if let presence {
                precondition(presence.count == count, "a presence per object")
                let all = UInt32.max >> (32 - keys.count)
                for mask in presence where mask != 0 && mask != all && keysByPresence[mask] == nil {
                    precondition(mask >> keys.count == 0, "a presence names the keys")
                    keysByPresence[mask] = ContiguousArray(keys.indices.lazy.filter { mask & 1 << $0 != 0 }.map { keys[$0] })
                }
            }
        case .arrays(let lengths?): precondition(lengths.count == count && lengths.allSatisfy { Int($0) <= columns.count }, "a length per array")
        case .arrays(nil): break
        }
        self.shape = shape
        self.columns = columns
        self.count = count
        self.keysByPresence = keysByPresence
    }

    /// The element at `position`, built from its members.
    @usableFromInline
    package subscript(position: Int) -> StateValue {
        var strings: TableStrings?
        return element(at: position, sharing: &strings)
    }

    /// The element at `position`, built from its members, the strings of a snapshot's table among
    /// them built through `strings` (``TableStrings``), which shares those that repeat across a pass.
    package func element(at position: Int, sharing strings: inout TableStrings?) -> StateValue {
        precondition(position >= 0 && position < count, "an element beyond the list")
        switch shape {
        case .keys(let keys, let presence):
            var values = ContiguousArray<StateValue>()
            values.reserveCapacity(columns.count)
            let mask = presence?[position] ?? UInt32.max
            for member in columns.indices where mask & 1 << member != 0 { values.append(columns[member].element(at: position, sharing: &strings)) }
            if values.count == keys.count { return .object(StateObject(uncheckedUniqueKeys: keys, values: values)) }
            return .object(StateObject(uncheckedUniqueKeys: values.isEmpty ? [] : keysByPresence[mask]!, values: values))
        case .arrays(let lengths):
            let length = lengths.map { Int($0[position]) } ?? columns.count
            var members: [StateValue] = []
            members.reserveCapacity(length)
            for column in columns[..<length] { members.append(column.element(at: position, sharing: &strings)) }
            return .array(StateArray(compacting: members))
        }
    }

    /// The number of members element `position` has.
    package func width(at position: Int) -> Int {
        switch shape {
        case .keys(_, let presence): return presence.map { $0[position].nonzeroBitCount } ?? columns.count
        case .arrays(let lengths): return lengths.map { Int($0[position]) } ?? columns.count
        }
    }

    /// Whether the elements are equal to `other`'s, compared column by column when both lists keep
    /// them alike (the same keys, or arrays of the same length, every element whole); `nil` when
    /// they do not.
    package func columnsEqual(_ other: Columns) -> Bool? {
        guard count == other.count, columns.count == other.columns.count else { return nil }
        switch (shape, other.shape) {
        // With a presence or lengths, the fillers where an element has no member would be compared too.
        case (.keys(let keys, nil), .keys(let otherKeys, nil)) where keys == otherKeys: return columns == other.columns
        case (.arrays(nil), .arrays(nil)): return columns == other.columns
        default: return nil
        }
    }

    /// The elements in `range`, kept by column.
    package func subrange(_ range: Range<Int>) -> Columns {
        let part: Shape
        switch shape {
        case .keys(let keys, let presence): part = .keys(keys, presence: presence.map { Array($0[range]) })
        case .arrays(let lengths): part = .arrays(lengths: lengths.map { Array($0[range]) })
        }
        return Columns(shape: part, columns: columns.map { $0.subarray(range) }, count: range.count)
    }
}
