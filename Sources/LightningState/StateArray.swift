/// The elements of a state array: a collection of ``StateValue``s that keeps a list of floats or
/// of ints as the numbers themselves, 8 bytes each (a list of 16 or more ints read from a snapshot
/// in 1, 2, 3 or 4 bytes each when they lie close enough together), a list of strings read from a snapshot as
/// places in the snapshot's table of strings (4 bytes each at most), and a list of records read from a snapshot by
/// column, instead of as values of 24 bytes.
///
/// Long lists of numbers are most of what many apps keep (a loss history, step counts, a
/// feature vector). They are kept as numbers when:
/// - a snapshot or a JSON file holds them: any list, however short, whose elements are all
///   floats or all ints;
/// - a `[Double]` var becomes state, sharing the array's storage (an `[Int]` is copied into 64-bit
///   ints, 8 bytes each), and back;
/// - they are made with ``init(floats:)`` or ``init(ints:)``, or appended one by one to an empty
///   array.
///
/// A list of four or more elements read from a snapshot that begins with a string, a boolean or
/// `null` keeps each string of up to 64 bytes as a place in the reader's table of strings (4 bytes,
/// or 2 or 1 when the list's places lie close together), which the lists of one
/// snapshot share, each boolean and `null` as a place of its own, and the
/// other scalars among them (a longer string, a number) as values beside the places; it is kept as
/// values if a list or object is among them, if the other scalars come to outnumber the rest by
/// more than 8, or if places would take more memory than values (a short list with other
/// scalars). The saving is for strings that repeat, as the table holds each distinct one. It keeps
/// the snapshot's table of short strings in memory while it lives (or a slice of it, or a delta's
/// tail made from it).
///
/// A list of four or more objects read from a snapshot whose keys (up to 32 in all, each of up to
/// 64 bytes) come in one order, or of arrays of up to 32 elements, is kept by column: member `j`
/// of every element in one array, itself kept in the most compact of these forms its values allow
/// (a record inside a record by column too). An element is built when it is read. An object may
/// leave keys out (as `Codable` leaves out a `nil` optional); a key the list has not had yet
/// takes its place right after the key before it in that object (first, if none is), and when an
/// object brings a key before one it follows, the columns are reordered, if an order agrees with
/// every object so far: with two optional keys, `{id, a}` then `{id, b}` order them `b`, `a`, and
/// a later `{id, a, b}` puts `a` first. So the order is learnt from the objects as they come, and
/// an object whose keys no order agrees with, together with the objects before it (two keys held
/// in both orders), keeps the list as values, as does a 33rd reordering. So do an element of
/// another kind, elements so unlike that
/// the columns would hold more filler than members, and wide rows inside wide rows in a short
/// list (a list makes 32 columns, and one more for every four elements). Records of a few fields
/// take well under half the memory they take as values.
///
/// Changing a list kept as places or by column turns it into values; changing a list of ints kept
/// narrow keeps it ints, 8 bytes each.
///
/// A list made from values (``init(_:)``, an array literal, `StateValue.array([...])`) keeps them
/// as values. Which form an array has is not part of its value: an array of floats built element
/// by element equals the same floats read from a snapshot, and they print, hash, encode and write
/// alike. ``floats`` and ``ints`` give the numbers back as a Swift array.
///
/// ```swift
/// let losses = StateArray(floats: [0.9, 0.5, 0.25])
/// losses == [0.9, 0.5, 0.25]               // true
/// losses.floats                            // [0.9, 0.5, 0.25], the same storage
/// var mixed = losses
/// mixed.append("done")                     // any value may be stored; the array keeps it as a value
/// ```
///
/// Code written when arrays were `[StateValue]`: `case .array(let elements)` now binds a
/// `StateArray`, a random-access, mutable and range-replaceable collection of values; where a
/// `[StateValue]` is needed, `Array(elements)` makes one, and `elements.elementsEqual(values)`
/// compares with one. `.array(values)` from a `[StateValue]` still reads as before.
public struct StateArray: Sendable {
    /// How the elements are kept.
    @usableFromInline
    package enum Storage: Sendable {
        /// Any values.
        case values([StateValue])
        /// Floats only: element `i` is `.float(floats[i])`.
        case floats([Double])
        /// 64-bit ints only: element `i` is `.int(ints[i])`.
        case ints([Int64])
        /// Ints read from a snapshot, in 1, 2, 3 or 4 bytes each: element `i` is `.int(narrowInts[i])`.
        case narrowInts(NarrowInts)
        /// Strings read from a snapshot, with the odd other scalar: element `i` is `pooled[i]`.
        case pooled(PooledStrings)
        /// Records read from a snapshot, by column: element `i` is `columns[i]`.
        case columns(Columns)
    }

    // Every change below binds the stored array alone and empties the storage before changing it,
    // so that the array is changed in place. (A switch over a tuple holding the storage would keep
    // a second reference, and copy the whole array on every change.)
    @usableFromInline
    package var storage: Storage

    /// An empty array.
    @inlinable
    public init() { storage = .values([]) }

    /// An array of these values, kept as they are.
    @inlinable
    public init(_ values: [StateValue]) { storage = .values(values) }

    /// An array of floats, kept as floats: each element is `.float`.
    @inlinable
    public init(floats: [Double]) { storage = .floats(floats) }

    /// An array of ints, kept as ints: each element is `.int`.
    @inlinable
    public init(ints: [Int64]) { storage = .ints(ints) }

    /// An array of ints read from a snapshot, in the narrowest width that holds them all
    /// (``NarrowInts``), or in 8 bytes each when their span needs it.
    /// - Parameter release: As for ``NarrowInts/init(_:releasing:)``; the caller does not read
    ///   `ints` again when it gives their pages back.
    package init(narrowing ints: [Int64], releasing release: (UnsafeRawBufferPointer) -> Void = { _ in }) {
        if let narrow = NarrowInts(ints, releasing: release) { storage = .narrowInts(narrow) } else { storage = .ints(ints) }
    }

    private init(storage: Storage) { self.storage = storage }

    /// An array of the strings a snapshot reader keeps as places in its table.
    package init(pooled: PooledStrings) { storage = .pooled(pooled) }

    /// An array of the records a snapshot reader keeps by column.
    package init(columns: Columns) { storage = .columns(columns) }

    /// The values, kept as floats or ints when all are floats or all are ints; otherwise as they are.
    @inlinable
    package init(compacting values: some RandomAccessCollection<StateValue>) {
        switch values.first {
        case .float?:
            if let floats = Self.numbers(of: values, Self.float) { storage = .floats(floats); return }
        case .int?:
            if let ints = Self.numbers(of: values, Self.int) { storage = .ints(ints); return }
        default:
            break
        }
        storage = .values(Array(values))
    }

    /// `values` as numbers when `number` converts every one, checked before any is kept (a mixed
    /// list costs no array of numbers); otherwise `nil`.
    @inlinable
    static func numbers<Number>(of values: some Collection<StateValue>, _ number: (StateValue) -> Number?) -> [Number]? {
        guard values.allSatisfy({ number($0) != nil }) else { return nil }
        return values.map { number($0)! }
    }

    /// An array of `first` alone, with room for `room` numbers.
    @inlinable
    static func numbers<Number>(startingWith first: Number, room: Int) -> [Number] {
        var numbers: [Number] = []
        numbers.reserveCapacity(room)
        numbers.append(first)
        return numbers
    }

    /// The float a value is, if it is one.
    @inlinable
    static func float(_ value: StateValue) -> Double? {
        if case .float(let float) = value { float } else { nil }
    }

    /// The 64-bit int a value is, if it is one.
    @inlinable
    static func int(_ value: StateValue) -> Int64? {
        if case .int(let int) = value { int } else { nil }
    }

    /// The elements as doubles when every one is a float (at once when the array keeps floats,
    /// sharing their storage; converted otherwise); `nil` when any is not a float.
    public var floats: [Double]? {
        if case .floats(let floats) = storage { return floats }
        return Self.numbers(of: self, Self.float)
    }

    /// The elements as 64-bit ints when every one is an int that fits in 64 bits (at once when the
    /// array keeps ints in 8 bytes, sharing their storage; converted otherwise, a snapshot's ints
    /// kept narrower among them: read it once, not per element); `nil` when any is not.
    public var ints: [Int64]? {
        switch storage {
        case .ints(let ints): return ints
        case .narrowInts(let narrow): return narrow.wide
        default: return Self.numbers(of: self, Self.int)
        }
    }

    /// The elements in `range`, kept as this array keeps them.
    package func subarray(_ range: Range<Int>) -> StateArray {
        switch storage {
        case .values(let values): return StateArray(Array(values[range]))
        case .floats(let floats): return StateArray(floats: Array(floats[range]))
        case .ints(let ints): return StateArray(ints: Array(ints[range]))
        case .narrowInts(let narrow): return StateArray(storage: .narrowInts(narrow.subrange(range)))
        // An empty one holds no table, and takes the kind of the first number appended.
        case .pooled(let pooled): return range.isEmpty ? StateArray() : StateArray(pooled: pooled.subrange(range))
        case .columns(let columns): return range.isEmpty ? StateArray() : StateArray(columns: columns.subrange(range))
        }
    }

    /// The element at `position` when it is a float, read without building any other element.
    package func float(at position: Int) -> Double? { scalar(at: position, Self.float) }

    /// The element at `position` when it is a 64-bit int, read without building any other element.
    package func int(at position: Int) -> Int64? { scalar(at: position, Self.int) }

    /// The element at `position` as `convert` gives it, for a number; `nil` for a record kept by
    /// column or a string among places, which are not built.
    private func scalar<Number>(at position: Int, _ convert: (StateValue) -> Number?) -> Number? {
        switch storage {
        case .floats(let floats): return convert(.float(floats[position]))
        case .ints(let ints): return convert(.int(ints[position]))
        case .narrowInts(let narrow): return convert(.int(narrow[position]))
        case .columns: return nil
        case .values(let values): return convert(values[position])
        case .pooled(let pooled): return pooled.other(at: position).flatMap(convert)
        }
    }

    /// The elements as values, converted when the array keeps numbers, built when it keeps places
    /// or columns (the strings that repeat shared, ``forEachElement(_:)``).
    package var values: [StateValue] {
        switch storage {
        case .values(let values): return values
        case .floats(let floats): return floats.map(StateValue.float)
        case .ints(let ints): return ints.map(StateValue.int)
        case .narrowInts(let narrow): return narrow.map(StateValue.int)
        case .pooled, .columns:
            var values: [StateValue] = []
            values.reserveCapacity(count)
            forEachElement { values.append($0) }
            return values
        }
    }

    /// The element at `position`, a string of a snapshot's table among it built through `strings`
    /// (``TableStrings``), which shares the strings that repeat across a pass over the elements.
    package func element(at position: Int, sharing strings: inout TableStrings?) -> StateValue {
        switch storage {
        case .pooled(let pooled): return pooled.element(at: position, sharing: &strings)
        case .columns(let columns): return columns.element(at: position, sharing: &strings)
        case .values, .floats, .ints, .narrowInts: return self[position]
        }
    }

    /// Calls `body` with each element in order. Unlike a loop over the array, a list kept as places
    /// or by column builds each string of the snapshot's table that takes an allocation once, the
    /// elements that repeat it sharing it (``TableStrings``): what restoring a var or turning a
    /// list into values goes through.
    @usableFromInline
    package func forEachElement<Failure: Error>(_ body: (StateValue) throws(Failure) -> Void) throws(Failure) {
        switch storage {
        case .values(let values): for value in values { try body(value) }
        case .floats(let floats): for float in floats { try body(.float(float)) }
        case .ints(let ints): for int in ints { try body(.int(int)) }
        case .narrowInts(let narrow): try narrow.forEachInt { (int) throws(Failure) in try body(.int(int)) }
        case .pooled, .columns:
            var strings: TableStrings?
            for position in indices { try body(element(at: position, sharing: &strings)) }
        }
    }

    /// Changes the elements as values, converting numbers to values first (with room for as many
    /// as the numbers had); the storage is emptied while `body` runs so that it is not copied.
    @inlinable
    mutating func modifyValues<Result>(_ body: (inout [StateValue]) throws -> Result) rethrows -> Result {
        var values: [StateValue] = []
        switch storage {
        case .values(let kept):
            values = kept
        case .floats(let floats):
            values.reserveCapacity(floats.capacity)
            values.append(contentsOf: floats.lazy.map(StateValue.float))
        case .ints(let ints):
            values.reserveCapacity(ints.capacity)
            values.append(contentsOf: ints.lazy.map(StateValue.int))
        case .pooled, .columns, .narrowInts:
            values.reserveCapacity(count)
            forEachElement { values.append($0) }
        }
        storage = .values([])
        defer { storage = .values(values) }
        return try body(&values)
    }
}

extension StateArray: RandomAccessCollection, MutableCollection {
    /// The position of the first element: 0.
    @inlinable
    public var startIndex: Int { 0 }

    /// One past the last element's position: the count.
    @inlinable
    public var endIndex: Int {
        switch storage {
        case .values(let values): return values.count
        case .floats(let floats): return floats.count
        case .ints(let ints): return ints.count
        case .narrowInts(let narrow): return narrow.count
        case .pooled(let pooled): return pooled.count
        case .columns(let columns): return columns.count
        }
    }

    /// The element at `position`. Setting a number of the kind the array keeps keeps it compact;
    /// any other value turns it into values.
    @inlinable
    public subscript(position: Int) -> StateValue {
        get {
            switch storage {
            case .values(let values): return values[position]
            case .floats(let floats): return .float(floats[position])
            case .ints(let ints): return .int(ints[position])
            case .narrowInts(let narrow): return .int(narrow[position])
            case .pooled(let pooled): return pooled[position]
            case .columns(let columns): return columns[position]
            }
        }
        set {
            switch storage {
            case .floats(var floats):
                guard case .float(let float) = newValue else { break }
                storage = .values([])
                floats[position] = float
                storage = .floats(floats)
                return
            case .ints(var ints):
                guard case .int(let int) = newValue else { break }
                storage = .values([])
                ints[position] = int
                storage = .ints(ints)
                return
            case .narrowInts(let narrow):
                storage = .ints(narrow.wide)
                self[position] = newValue
                return
            case .values, .pooled, .columns:
                break
            }
            modifyValues { $0[position] = newValue }
        }
        // In place for values, so that changing a nested array or object does not copy it.
        _modify {
            switch storage {
            case .values(var values):
                storage = .values([])
                defer { storage = .values(values) }
                yield &values[position]
            case .floats, .ints, .narrowInts, .pooled, .columns:
                var element = self[position]
                defer { self[position] = element }
                yield &element
            }
        }
    }
}

extension StateArray: RangeReplaceableCollection {
    /// Replaces the elements in `range`; the array keeps its numbers compact when the new elements
    /// are numbers of the same kind.
    @inlinable
    public mutating func replaceSubrange<C: Collection<StateValue>>(_ range: Range<Int>, with newElements: C) {
        switch storage {
        case .floats(var floats):
            guard let replacement = Self.numbers(of: newElements, Self.float) else { break }
            storage = .values([])
            floats.replaceSubrange(range, with: replacement)
            storage = .floats(floats)
            return
        case .ints(var ints):
            guard let replacement = Self.numbers(of: newElements, Self.int) else { break }
            storage = .values([])
            ints.replaceSubrange(range, with: replacement)
            storage = .ints(ints)
            return
        case .narrowInts(let narrow):
            storage = .ints(narrow.wide)
            return replaceSubrange(range, with: newElements)
        case .values, .pooled, .columns:
            break
        }
        modifyValues { $0.replaceSubrange(range, with: newElements) }
    }

    /// Appends `value`. An array keeping numbers keeps them while the values appended are numbers
    /// of the same kind; an empty array takes the kind of the first number appended.
    @inlinable
    public mutating func append(_ value: StateValue) {
        switch storage {
        case .values(let values) where values.isEmpty:
            // With the room reserved for values, so that a reserved array does not grow again.
            switch value {
            case .float(let float):
                storage = .floats(Self.numbers(startingWith: float, room: values.capacity))
                return
            case .int(let int):
                storage = .ints(Self.numbers(startingWith: int, room: values.capacity))
                return
            default:
                break
            }
        case .floats(var floats):
            guard case .float(let float) = value else { break }
            storage = .values([])
            floats.append(float)
            storage = .floats(floats)
            return
        case .ints(var ints):
            guard case .int(let int) = value else { break }
            storage = .values([])
            ints.append(int)
            storage = .ints(ints)
            return
        case .narrowInts(let narrow):
            storage = .ints(narrow.wide)
            return append(value)
        case .values, .pooled, .columns:
            break
        }
        modifyValues { $0.append(value) }
    }

    /// Appends the elements of a sequence, one by one as ``append(_:)`` does: the array grows as a
    /// Swift array does, by doubling, however small each batch.
    @inlinable
    public mutating func append<S: Sequence<StateValue>>(contentsOf newElements: S) {
        // Whether to append as values, decided before: a binding of the stored array alive
        // while `modifyValues` runs would be a second reference, and copy it.
        let appendsValues: Bool
        if case .values(let values) = storage { appendsValues = !values.isEmpty } else { appendsValues = false }
        if appendsValues {
            modifyValues { $0.append(contentsOf: newElements) }
            return
        }
        for element in newElements { append(element) }
    }

    /// Appends the elements of another state array, numbers to numbers without converting them
    /// when both keep the same kind.
    @inlinable
    public mutating func append(contentsOf other: StateArray) {
        switch storage {
        case .floats(var floats):
            guard case .floats(let more) = other.storage else { break }
            storage = .values([])
            floats.append(contentsOf: more)
            storage = .floats(floats)
            return
        case .ints(var ints):
            // Emptied while the ints grow, so that they are the array's only reference.
            if case .ints(let more) = other.storage {
                storage = .values([])
                ints.append(contentsOf: more)
            } else if case .narrowInts(let more) = other.storage {
                // Widened as they are appended, without an array of them in 8 bytes first.
                storage = .values([])
                ints.append(contentsOf: more)
            } else {
                break
            }
            storage = .ints(ints)
            return
        case .narrowInts(let narrow):
            storage = .ints(narrow.wide)
            return append(contentsOf: other)
        case .values(let values):
            if values.isEmpty {
                self = other
                return
            }
        case .pooled, .columns:
            break
        }
        replaceSubrange(endIndex..<endIndex, with: other)
    }

    /// Makes room for `minimumCapacity` elements of the kind the array keeps.
    @inlinable
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        switch storage {
        case .values, .pooled, .columns: modifyValues { $0.reserveCapacity(minimumCapacity) }
        case .narrowInts(let narrow):
            storage = .ints(narrow.wide)
            reserveCapacity(minimumCapacity)
        case .floats(var floats):
            storage = .values([])
            floats.reserveCapacity(minimumCapacity)
            storage = .floats(floats)
        case .ints(var ints):
            storage = .values([])
            ints.reserveCapacity(minimumCapacity)
            storage = .ints(ints)
        }
    }
}

extension StateArray: ExpressibleByArrayLiteral {
    /// An array literal of values.
    @inlinable
    public init(arrayLiteral elements: StateValue...) { self.init(elements) }
}

extension StateArray: Hashable {
    /// Whether the arrays hold equal elements (``StateValue/==(_:_:)``), whichever way each keeps them.
    public static func == (lhs: StateArray, rhs: StateArray) -> Bool {
        switch lhs.storage {
        case .values(let a):
            if case .values(let b) = rhs.storage { return a == b }
        case .ints(let a):
            if case .ints(let b) = rhs.storage { return a == b }
        case .narrowInts(let a):
            if case .narrowInts(let b) = rhs.storage { return a == b }
            if case .ints(let b) = rhs.storage { return a.elementsEqual(b) }
        case .floats(let a):
            if case .floats(let b) = rhs.storage {
                return a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
            }
        case .columns(let a):
            // Records of one shape are equal when their columns are: no element is built.
            if case .columns(let b) = rhs.storage, let equal = a.columnsEqual(b) { return equal }
        case .pooled:
            break
        }
        return lhs.elementsEqual(rhs)
    }

    /// Hashes the elements as an array of values hashes them, whichever way they are kept.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }
}

extension StateArray: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// As an array of the same values prints, whichever way the elements are kept.
    public var description: String { values.description }

    /// As an array of the same values prints, whichever way the elements are kept.
    public var debugDescription: String { values.debugDescription }

    /// The elements, as a collection's.
    public var customMirror: Mirror { Mirror(self, unlabeledChildren: values, displayStyle: .collection) }
}
