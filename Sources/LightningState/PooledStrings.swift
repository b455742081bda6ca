/// The elements of a list of strings read from a snapshot, kept as places in the reader's table of
/// interned strings (``StringTable``), which every such list of the same snapshot shares: a list
/// of log lines, labels or names, which a snapshot already stores as references, takes 4 bytes a
/// string in memory instead of a 24-byte value, 2 when its places span fewer than 32,768 (a
/// small vocabulary) and 3 when fewer than 2^23 (``PlaceList``). `null`, `true` and `false` take
/// a place of their own (``immediate(_:)``), so a column of flags takes a byte an element, and one
/// of optional labels no more than its labels. The other scalars among them (a string too long to be interned, a
/// number, a big int) are kept as values beside the places, 28 bytes each, each named by a place
/// with ``otherFlag`` set.
///
/// Immutable: a ``StateArray`` keeping its elements this way turns them into values when it is
/// changed. A list holds the whole table, so the snapshot's short strings stay in memory while one
/// such list does (a var restored as a Swift type, such as `[String]`, holds none of it).
@usableFromInline
package final class PooledStrings: Sendable {
    /// The reader's table.
    @usableFromInline
    let table: StringTable
    /// Each element's place in the table, or with ``otherFlag`` set, in `others`.
    @usableFromInline
    let places: PlaceList
    /// The elements that are not in the table.
    @usableFromInline
    let others: [StateValue]

    /// The bit that marks a place in `others` or an immediate scalar; places in the table are below it.
    @inlinable
    package static var otherFlag: UInt32 { 1 << 31 }

    /// The places of `null`, `false` and `true`, the highest three (none is a place in `others`:
    /// a list kept so has fewer than 2^31 − 3 elements).
    @inlinable
    package static var firstImmediate: UInt32 { UInt32.max - 2 }

    /// The place of `null` (a filler's, too, in a column of places).
    @inlinable
    package static var nullPlace: UInt32 { UInt32.max }

    /// The place of `null`, `false` or `true`; `nil` for any other value.
    @inlinable
    package static func immediate(_ value: StateValue) -> UInt32? {
        switch value {
        case .null: return nullPlace
        case .bool(let flag): return flag ? UInt32.max - 2 : UInt32.max - 1
        default: return nil
        }
    }

    /// The value an immediate place stands for; `nil` for a place in the table or in `others`.
    @inlinable
    package static func immediateValue(_ place: UInt32) -> StateValue? {
        guard place >= firstImmediate else { return nil }
        return place == UInt32.max ? .null : .bool(place == UInt32.max - 2)
    }

    /// The most elements a list kept so may have.
    package static var maximumCount: Int { Int(firstImmediate & ~otherFlag) }

    /// - Precondition: every place is below the table's count, or names one of `others`.
    package convenience init(table: StringTable, places: [UInt32], others: [StateValue]) {
        self.init(table: table, places: PlaceList(places), others: others)
    }

    /// - Precondition: as for the places given as an array.
    package init(table: StringTable, places: PlaceList, others: [StateValue]) {
        self.table = table
        self.places = places
        self.others = others
    }

    /// The number of elements.
    @inlinable
    package var count: Int { places.count }

    /// The element at `position`.
    @inlinable
    package subscript(position: Int) -> StateValue {
        Self.element(atPlace: places[position], table: table, others: others)
    }

    /// The element at `position`, a string of the table built through `strings` (``TableStrings``),
    /// which shares the strings that repeat across the elements of a pass.
    package func element(at position: Int, sharing strings: inout TableStrings?) -> StateValue {
        if strings?.table !== table { strings = TableStrings(table) }
        return Self.element(atPlace: places[position], sharing: &strings!, others: others)
    }

    /// The element `place` names, as ``element(atPlace:table:others:)`` gives it, a string of the
    /// table built through `strings` (``TableStrings``), which shares the strings that repeat.
    package static func element(atPlace place: UInt32, sharing strings: inout TableStrings, others: [StateValue]) -> StateValue {
        guard place & otherFlag == 0 else { return element(atPlace: place, table: strings.table, others: others) }
        return .string(strings.string(at: Int(place)))
    }

    /// Calls `body` with the WTF-8 bytes of the element at `position` when it is a string of the
    /// table, read where the table keeps it; `nil`, without calling it, for any other element.
    @inlinable
    package func withTableString<R>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        let place = places[position]
        guard place & Self.otherFlag == 0 else { return nil }
        return try table.withWTF8(at: Int(place), body)
    }

    /// The element at `position` when it is one of the other scalars (not a string of the table,
    /// nor `null`, `true` or `false`), found without reading the table.
    package func other(at position: Int) -> StateValue? {
        let place = places[position]
        guard place & Self.otherFlag != 0, place < Self.firstImmediate else { return nil }
        return others[Int(place & ~Self.otherFlag)]
    }

    /// The element `place` names: a string in `table`, an immediate scalar, or one of `others`.
    @inlinable
    package static func element(atPlace place: UInt32, table: StringTable, others: [StateValue]) -> StateValue {
        if place & otherFlag == 0 { return .string(table[Int(place)]) }
        return immediateValue(place) ?? others[Int(place & ~otherFlag)]
    }

    /// Whether a list of `count` elements, `others` of them other scalars, takes less memory as
    /// places than as values: its object and arrays against one array of values.
    package static func takesLessThanValues(count: Int, others: Int) -> Bool {
        let arrayHeader = 32
        let value = MemoryLayout<StateValue>.stride
        let object = 48
        // Places at their widest: a list kept so may take less (``PlaceList``).
        let asPlaces = object + arrayHeader + 4 * count + (others > 0 ? arrayHeader + value * others : 0)
        return asPlaces < arrayHeader + value * count
    }

    /// The elements in `range`, sharing the table, with the other values they name alone.
    package func subrange(_ range: Range<Int>) -> PooledStrings {
        guard !others.isEmpty else { return PooledStrings(table: table, places: places.places(in: range), others: []) }
        var kept: [StateValue] = []
        let subplaces = places.places(in: range).map { place in
            guard place & Self.otherFlag != 0, place < Self.firstImmediate else { return place }
            kept.append(others[Int(place & ~Self.otherFlag)])
            return Self.otherFlag | UInt32(kept.count - 1)
        }
        return PooledStrings(table: table, places: subplaces, others: kept)
    }
}
