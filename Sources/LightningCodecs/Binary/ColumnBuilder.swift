import LightningState

/// The elements of a list as a snapshot reader gathers them, in the most compact of
/// ``StateArray``'s forms that has held every element so far: ints or floats as numbers; strings,
/// flags and `null` as places in the reader's table of strings, with the odd other scalar beside
/// them (``PooledStrings``); objects whose keys come in one order or short arrays by column, a
/// builder per member (``Columns``); anything else as values. A form that meets an element it
/// cannot hold turns into values, once, and keeps them.
///
/// The reader decides how an element is read from what the builder can take (``takes(_:)``) and
/// hands it over read (``appendInt(_:)``, ``appendPlace(_:)``, …, ``beginRows(keys:members:)``), or
/// as a value (``append(_:)``).
///
/// In rows of arrays of different lengths, or of objects that leave keys out, a member an element
/// does not have gets a filler (``appendFiller()``): an int the column holds, a zero float, a
/// `null`, a row of fillers, which no element shows. What fillers may cost is bounded four ways, so
/// that no input makes the reader do much more than the values would: rows whose fillers would
/// outnumber the members they hold by more than a row's worth are kept as values (one long array
/// among short ones, a key or member first met late in a long list, ``roomForMembers(_:)``); rows
/// that the rows holding them mostly leave out are kept as values once their rows of fillers, each
/// passing through every builder beneath, cost more than a `null` each would; rows begin after at
/// most ``rowsAfterFillers`` fillers; and a list's builders are few beside its elements
/// (``BuilderBudget``).
struct ColumnBuilder {
    enum Form {
        case empty, ints, floats, places, rows, values
    }

    /// What every element of a list kept by column is.
    enum RowShape {
        /// Objects whose keys are some of ``keys``, in their order.
        case keys
        /// Arrays of up to as many elements as there are members.
        case arrays
    }

    private(set) var form = Form.empty
    /// The elements gathered, fillers included.
    private(set) var count = 0
    /// The reader's table of strings, which places name.
    let table: StringTable
    /// How many elements to make room for when a form begins: the list's length, as far as it is trusted.
    let room: Int
    /// Whether the elements may be kept as places: a list of fewer than ``PooledStrings/maximumCount``.
    let allowsPlaces: Bool
    /// Whether records may be kept by column, and ints in fewer than 8 bytes (a reader told not to
    /// keeps values and numbers only, in 8 bytes).
    let keepsCompactForms: Bool

    /// Fillers appended while the builder had no form, which the form put in first.
    private var leadingFillers = 0
    private var ints: [Int64] = []
    private var floats: [Double] = []
    private var places = GatheredPlaces()
    /// The other scalars among places.
    private var others: [StateValue] = []
    private var values: [StateValue] = []
    /// For rows: what every element is, and a builder per member.
    private(set) var shape: RowShape?
    var members: [ColumnBuilder] = []
    /// For rows of objects: the keys, a member each, and their places in the table of strings.
    private(set) var keys = ContiguousArray<StateString>()
    private(set) var keyPlaces: [Int] = []
    /// For rows of objects: each one's keys, once one left a key out.
    private var presence: [UInt32]?
    /// For rows of objects: the reorderings made so far (``reorder(putting:after:present:)``).
    private var reorderings = 0
    /// For rows of arrays: each one's length, once one was shorter than the members.
    private var lengths: [UInt8]?
    /// For rows: the members the elements hold, and the fillers where they hold none (but in rows
    /// of fillers, which the builder holding this one counts).
    private var held = 0
    private var filled = 0
    /// For rows: the rows of fillers, those before the first row among them, and which they are.
    private var fillerRows = 0
    private var fillerBits: [UInt64]?

    /// What the builders of a reader's lists may still make room for in advance.
    let reservations: ReservationBudget
    /// How many more builders the list this one is part of may make for members (``BuilderBudget``).
    let builders: BuilderBudget

    init(table: StringTable, room: Int, allowsPlaces: Bool, keepsCompactForms: Bool, reservations: ReservationBudget, builders: BuilderBudget) {
        self.table = table
        self.room = room
        self.allowsPlaces = allowsPlaces
        self.keepsCompactForms = keepsCompactForms
        self.builders = builders
        self.reservations = reservations
    }

    /// A builder for a member of this one's rows: one element a row, and first `fillers` fillers
    /// (as many as this builder has elements before its first row, by default).
    func memberBuilder(fillers: Int? = nil) -> ColumnBuilder {
        var member = ColumnBuilder(
            table: table, room: room, allowsPlaces: allowsPlaces, keepsCompactForms: keepsCompactForms, reservations: reservations, builders: builders)
        member.leadingFillers = fillers ?? leadingFillers
        member.count = member.leadingFillers
        return member
    }

    /// Whether the builder keeps, or may begin to keep, its elements in `form`. Rows begin after
    /// at most ``rowsAfterFillers`` fillers: each member of each row inside would get them all.
    @inline(__always)
    func takes(_ form: Form) -> Bool {
        guard self.form == .empty else { return self.form == form }
        switch form {
        case .places: return allowsPlaces
        case .rows: return keepsCompactForms && leadingFillers <= Self.rowsAfterFillers
        default: return true
        }
    }

    /// Whether the builder keeps rows of arrays, or may begin to.
    var takesArrays: Bool {
        takes(.rows) && shape != .keys
    }

    /// The most fillers rows may begin after.
    static let rowsAfterFillers = 32

    @inline(__always)
    mutating func appendInt(_ int: Int64) {
        if form == .empty { begin(.ints, intFiller: int) }
        ints.append(int)
        count += 1
    }

    @inline(__always)
    mutating func appendFloat(_ float: Double) {
        if form == .empty { begin(.floats) }
        floats.append(float)
        count += 1
    }

    /// Appends the string at `place` in the table.
    /// - Precondition: `takes(.places)`, and `place` is below ``PooledStrings/otherFlag``.
    @inline(__always)
    mutating func appendPlace(_ place: UInt32) {
        if form == .empty { begin(.places) }
        places.append(place)
        count += 1
    }

    /// Appends any value, turning the builder into values if its form cannot hold it.
    mutating func append(_ value: StateValue) {
        switch (form, value) {
        case (.empty, .int(let int)): return appendInt(int)
        case (.empty, .float(let float)): return appendFloat(float)
        case (.empty, .null), (.empty, .bool), (.empty, .string):
            begin(allowsPlaces ? .places : .values)
        case (.empty, _): begin(.values)
        case (.ints, .int(let int)): return appendInt(int)
        case (.floats, .float(let float)): return appendFloat(float)
        case (.places, .array), (.places, .object), (.ints, _), (.floats, _), (.rows, _): turnIntoValues()
        case (.places, _), (.values, _): break
        }
        if form == .places {
            if let immediate = PooledStrings.immediate(value) {
                places.append(immediate)
            } else {
                places.append(PooledStrings.otherFlag | UInt32(others.count))
                others.append(value)
            }
            count += 1
            // Other scalars that outnumber the strings and flags by more than a few are values.
            if others.count > count - others.count + Self.otherSlack { turnIntoValues() }
            return
        }
        values.append(value)
        count += 1
    }

    /// Appends a filler: an element no one reads, the place of a member past an array's end.
    mutating func appendFiller() {
        switch form {
        case .empty: leadingFillers += 1
        // An int column's fillers repeat an int of its own, so that they do not widen its span (``NarrowInts``).
        case .ints: ints.append(ints.last ?? 0)
        case .floats: floats.append(0)
        case .places: places.append(PooledStrings.nullPlace)
        case .values: values.append(.null)
        case .rows:
            // A row of fillers costs a step and a filler for every builder beneath: rows deep or wide
            // that are mostly fillers are kept as values, a `null` a filler. Weighed at the first,
            // second, fourth, … such row, as counting the builders beneath costs as much as a row.
            fillerRows += 1
            markFiller(row: count)
            if fillerRows & (fillerRows - 1) == 0, Self.fillersOutweigh(fillerRows, realRows: count + 1 - fillerRows, builders: builderCount) {
                turnIntoValues()
                values.append(.null)
                break
            }
            for member in members.indices { members[member].appendFiller() }
            // The builder holding this one shows no element here: which members it has need not be kept.
            presence?.append(0)
            lengths?.append(0)
        }
        count += 1
    }

    /// This builder and the builders beneath it: what a row of fillers passes through.
    private var builderCount: Int {
        guard form == .rows else { return 1 }
        // By index: `reduce` would copy each member, retaining all of its arrays.
        var builders = 1
        for member in members.indices { builders += members[member].builderCount }
        return builders
    }

    /// Whether `fillerRows` rows of fillers through `builders` builders cost more than the values
    /// they stand for would: a `null` each, and the real rows built as values (in floating point:
    /// a state of gigabytes would overflow the products).
    private static func fillersOutweigh(_ fillerRows: Int, realRows: Int, builders: Int) -> Bool {
        Double(fillerRows) * Double(builders - 3) > 4 * Double(realRows) * Double(builders) + 64
    }

    /// Keeps that row `row` is a row of fillers, which no element shows (so that turning into
    /// values makes a `null` of it, not a row).
    private mutating func markFiller(row: Int) {
        if fillerBits == nil { fillerBits = [] }
        while fillerBits!.count <= row >> 6 { fillerBits!.append(0) }
        fillerBits![row >> 6] |= 1 << UInt64(row & 63)
    }

    private func isFiller(row: Int) -> Bool {
        guard let fillerBits, row >> 6 < fillerBits.count else { return false }
        return fillerBits[row >> 6] & 1 << UInt64(row & 63) != 0
    }

    /// Keeps the elements by column from now on, the first row's members gathered in `members`
    /// (made by ``memberBuilder()``): objects with `keys` (at `places` in the table of strings), or
    /// arrays when `keys` is `nil`.
    /// - Precondition: the builder has no form; each member holds one element past the fillers;
    ///   at most ``Columns/maximumWidth`` members.
    mutating func beginRows(keys: (ContiguousArray<StateString>, places: [Int])?, members: [ColumnBuilder]) {
        precondition(form == .empty && members.count <= Columns.maximumWidth && members.allSatisfy { $0.count == count + 1 }, "rows begin with their first")
        form = .rows
        self.members = members
        if let (keys, places) = keys {
            shape = .keys
            (self.keys, keyPlaces) = (keys, places)
        } else {
            shape = .arrays
        }
        held = members.count
        fillerRows = leadingFillers
        for row in 0..<leadingFillers { markFiller(row: row) }
        leadingFillers = 0
        count += 1
    }

    /// Whether `added` members more, each filled for every row so far, keep the fillers within a
    /// row's worth of the members held (else the rows are better kept as values).
    func roomForMembers(_ added: Int) -> Bool {
        members.count + added <= Columns.maximumWidth && filled + added * count <= held + Columns.maximumWidth
    }

    /// Adds a member for a key the objects so far did not have, at `position` among the keys,
    /// filled for them.
    /// - Precondition: the builder keeps rows of objects, none with `key`; ``roomForMembers(_:)``.
    mutating func insertKey(_ key: StateString, place: Int, at position: Int) {
        precondition(shape == .keys && members.count < Columns.maximumWidth, "a key for rows of objects")
        let member = memberBuilder(fillers: count)
        // The keys at and after `position` move up a bit.
        let below: UInt32 = (1 << position) - 1
        keepPresence()
        presence = presence!.map { $0 & below | ($0 & ~below) << 1 }
        members.insert(member, at: position)
        keys.insert(key, at: position)
        keyPlaces.insert(place, at: position)
        filled += count
    }

    /// Reorders the members so that key `key` comes after member `last`, in an order that every
    /// object so far, and the one being read, agree with: an object
    /// that leaves keys out may bring keys that no earlier object held together in another order
    /// than their members were added in (`Codable` leaving out `nil` optionals: `{id, a}`,
    /// `{id, b}`, then `{id, a, b}`). The keys each object held, in the members' order, and the
    /// keys of the object being read so far, then `key`, are the orders to keep; of the members
    /// free to come next, the earliest in the present order comes first (the smallest such order,
    /// not always the one that moves fewest members). The presences, `present` (the object being
    /// read) among them, follow. Returns where `key` now is; `nil`, changing nothing, when no
    /// order agrees with them all, or the list has made ``Columns/maximumWidth`` reorderings.
    /// - Precondition: rows of objects; `key < last`; the object being read has member `last`,
    ///   and not `key`.
    mutating func reorder(putting key: Int, after last: Int, present: inout UInt32) -> Int? {
        precondition(shape == .keys && key < last && present & 1 << last != 0 && present & 1 << key == 0, "a key put after another")
        guard presence != nil, reorderings < Columns.maximumWidth else { return nil }
        let width = members.count
        // `following[m]`: the members that must come after member `m`.
        var following = [UInt32](repeating: 0, count: width)
        func keep(_ mask: UInt32) {
            var previous: Int?
            for member in 0..<width where mask & 1 << member != 0 {
                if let previous { following[previous] |= 1 << member }
                previous = member
            }
        }
        var masks = Set(presence!)
        masks.remove(0)
        for mask in masks { keep(mask) }
        keep(present)
        following[last] |= 1 << key
        // The order: repeatedly the earliest member that no member still unplaced must precede.
        var order: [Int] = []
        var placed: UInt32 = 0
        while order.count < width {
            var preceded: UInt32 = 0
            for member in 0..<width where placed & 1 << member == 0 { preceded |= following[member] }
            guard let next = (0..<width).first(where: { placed & 1 << $0 == 0 && preceded & 1 << $0 == 0 }) else { return nil }
            order.append(next)
            placed |= 1 << next
        }
        reorderings += 1
        var position = [Int](repeating: 0, count: width)
        for (new, old) in order.enumerated() { position[old] = new }
        func moved(_ mask: UInt32) -> UInt32 {
            var result: UInt32 = 0
            for old in 0..<width where mask & 1 << old != 0 { result |= 1 << position[old] }
            return result
        }
        var movedMasks: [UInt32: UInt32] = [0: 0]
        for mask in masks { movedMasks[mask] = moved(mask) }
        for row in presence!.indices { presence![row] = movedMasks[presence![row]]! }
        present = moved(present)
        let (oldMembers, oldKeys, oldPlaces) = (members, keys, keyPlaces)
        members = order.map { oldMembers[$0] }
        keys = ContiguousArray(order.map { oldKeys[$0] })
        keyPlaces = order.map { oldPlaces[$0] }
        return position[key]
    }

    /// Makes the members an array of `length` is appended to (one element each, then
    /// ``arrayAppended(length:)``): the first array's, or room for a longer one.
    /// - Precondition: ``takesArrays``; `length` is at most ``Columns/maximumWidth``.
    mutating func prepareArray(length: Int) {
        if form == .empty {
            members = (0..<length).map { _ in memberBuilder() }
        } else {
            widen(to: length)
        }
    }

    /// Makes room for arrays of `length` members: members added past the last are filled for the
    /// rows before.
    private mutating func widen(to length: Int) {
        guard length > members.count else { return }
        keepLengths()
        filled += count * (length - members.count)
        while members.count < length { members.append(memberBuilder(fillers: count)) }
    }

    /// Counts an object whose members were appended to the members `present` names, and fills the others.
    mutating func objectAppended(present: UInt32) {
        if present != Self.all(members.count) {
            for member in members.indices where present & 1 << member == 0 { members[member].appendFiller() }
            keepPresence()
        }
        presence?.append(present)
        rowAppended(holding: present.nonzeroBitCount)
    }

    /// Counts an array of `length` members, which were appended to the first `length` members;
    /// fills the others. The first array begins the rows.
    /// - Precondition: ``prepareArray(length:)`` made room for `length`.
    mutating func arrayAppended(length: Int) {
        if form == .empty { return beginRows(keys: nil, members: members) }
        if length < members.count {
            for member in length..<members.count { members[member].appendFiller() }
            keepLengths()
        }
        lengths?.append(UInt8(length))
        rowAppended(holding: length)
    }

    private mutating func rowAppended(holding: Int) {
        held += holding
        filled += members.count - holding
        count += 1
        if filled > held + Columns.maximumWidth { turnIntoValues() }
    }

    /// Every member of `width`.
    static func all(_ width: Int) -> UInt32 { width == 32 ? .max : (1 << width) - 1 }

    /// Keeps each object's keys from now on: for the rows so far, all of them.
    private mutating func keepPresence() {
        if presence == nil { presence = Array(repeating: Self.all(members.count), count: count) }
    }

    /// Keeps each array's length from now on: for the rows so far, all the members.
    private mutating func keepLengths() {
        if lengths == nil { lengths = Array(repeating: UInt8(members.count), count: count) }
    }

    /// Removes the last element and returns it: the member of a row being taken back, after which
    /// the builder holding this one turns into values. The counts of members and fillers are left
    /// as they were (they decide nothing after that); the elements stay one a row in every member.
    /// - Precondition: the builder is not empty.
    mutating func removeLast() -> StateValue {
        precondition(count > 0, "an element to remove")
        count -= 1
        switch form {
        case .empty:
            leadingFillers -= 1
            return .null
        case .ints: return .int(ints.removeLast())
        case .floats: return .float(floats.removeLast())
        case .values: return values.removeLast()
        case .places:
            let place = places.removeLast()
            // The other scalars are kept in order: the last one flagged is the last of them.
            if place & PooledStrings.otherFlag != 0, PooledStrings.immediateValue(place) == nil { return others.removeLast() }
            return element(atPlace: place)
        case .rows:
            let parts = members.indices.map { members[$0].removeLast() }
            switch shape! {
            case .keys:
                let present = presence != nil ? presence!.removeLast() : Self.all(members.count)
                let kept = members.indices.filter { present & 1 << $0 != 0 }
                return .object(StateObject(uncheckedUniqueKeys: ContiguousArray(kept.map { keys[$0] }), values: ContiguousArray(kept.map { parts[$0] })))
            case .arrays:
                let length = lengths != nil ? Int(lengths!.removeLast()) : members.count
                return .array(StateArray(compacting: parts[..<length]))
            }
        }
    }

    /// Takes back the members of an object being read, which were appended to the members
    /// `present` names and are not counted yet: their values, in the members' order.
    mutating func takeObjectInProgress(present: UInt32) -> ContiguousArray<StateValue> {
        var values = ContiguousArray<StateValue>()
        for member in members.indices where present & 1 << member != 0 { values.append(members[member].removeLast()) }
        return values
    }

    /// The list the elements make, taking the builder's places (a long list's are narrowed a chunk
    /// at a time, ``PlaceList``): called once, last.
    mutating func build() -> StateArray {
        switch form {
        // Fillers alone: a member no row reached.
        case .empty: return StateArray(Array(repeating: .null, count: count))
        case .ints:
            guard keepsCompactForms else { return StateArray(ints: ints) }
            // The ints are not read again: their pages go back as they are narrowed.
            return StateArray(narrowing: ints) { FilePages.giveBack(pagesWithin: $0) }
        case .floats: return StateArray(floats: floats)
        case .values: return StateArray(values)
        case .places:
            guard PooledStrings.takesLessThanValues(count: count, others: others.count) else {
                var values: [StateValue] = []
                values.reserveCapacity(count)
                var strings = TableStrings(table)
                places.forEach { values.append(element(atPlace: $0, sharing: &strings)) }
                return StateArray(values)
            }
            return StateArray(pooled: PooledStrings(table: table, places: PlaceList(gathered: &places), others: others))
        case .rows:
            let columns: Columns.Shape
            switch shape! {
            case .keys: columns = .keys(keys, presence: presence)
            case .arrays: columns = .arrays(lengths: lengths)
            }
            var built: [StateArray] = []
            built.reserveCapacity(members.count)
            for member in members.indices { built.append(members[member].build()) }
            return StateArray(columns: Columns(shape: columns, columns: built, count: count))
        }
    }

    /// How many more other scalars than strings and flags a list kept as places may meet before
    /// it is kept as values: a few long lines at the start of a log do not cost it its places.
    static let otherSlack = 8

    /// Begins `form`, the fillers so far first (in a column of ints, `intFiller`).
    private mutating func begin(_ form: Form, intFiller: Int64 = 0) {
        self.form = form
        let fillers = leadingFillers
        leadingFillers = 0
        let room = reservations.take(room)
        switch form {
        case .ints:
            ints.reserveCapacity(room)
            ints.append(contentsOf: repeatElement(intFiller, count: fillers))
        case .floats:
            floats.reserveCapacity(room)
            floats.append(contentsOf: repeatElement(0, count: fillers))
        case .places:
            places.reserveCapacity(room)
            for _ in 0..<fillers { places.append(PooledStrings.nullPlace) }
        case .values:
            values.reserveCapacity(room)
            values.append(contentsOf: repeatElement(.null, count: fillers))
        case .empty, .rows:
            preconditionFailure("rows begin with beginRows")
        }
    }

    /// Turns the elements gathered into values, the form kept from now on.
    private mutating func turnIntoValues() {
        var kept: [StateValue] = []
        kept.reserveCapacity(Swift.max(reservations.take(room), count + 1))
        switch form {
        case .empty, .values: return
        case .ints: kept.append(contentsOf: ints.lazy.map(StateValue.int))
        case .floats: kept.append(contentsOf: floats.lazy.map(StateValue.float))
        case .places:
            var strings = TableStrings(table)
            places.forEach { kept.append(element(atPlace: $0, sharing: &strings)) }
        case .rows:
            let rows = build()
            var strings: TableStrings?
            for row in rows.indices { kept.append(isFiller(row: row) ? .null : rows.element(at: row, sharing: &strings)) }
        }
        (ints, floats, places, others, members, shape) = ([], [], GatheredPlaces(), [], [], nil)
        (keys, keyPlaces, presence, lengths, fillerBits) = ([], [], nil, nil, nil)
        values = kept
        form = .values
    }

    /// The element a place names.
    private func element(atPlace place: UInt32) -> StateValue {
        PooledStrings.element(atPlace: place, table: table, others: others)
    }

    /// The element a place names, a string of the table built through `strings`, which shares those that repeat.
    private func element(atPlace place: UInt32, sharing strings: inout TableStrings) -> StateValue {
        PooledStrings.element(atPlace: place, sharing: &strings, others: others)
    }
}

/// How many builders a list read by column may still make for members: 32 and one for every four
/// elements of the list. A builder costs a few hundred bytes however few elements it gets, so a
/// short list of wide rows inside wide rows (four tensors of 32 × 32 × 32 numbers) kept by column
/// would take many times what its values take; past the budget, members are kept as values.
final class BuilderBudget {
    private var left: Int

    init(listCount: Int) {
        left = 32 + listCount / 4
    }

    /// Whether `count` more builders may be made, taking them if so.
    func take(_ count: Int) -> Bool {
        guard count <= left else { return false }
        left -= max(0, count)
        return true
    }
}

/// How many elements the lists a reader builds may still make room for before they are read (the
/// rest grow as they come): twice the tree's bytes in all. A list's length is checked against the
/// bytes left, but each member of a row makes room for as many elements as the list has, so a
/// crafted first row of many members could otherwise ask for that many times the file.
final class ReservationBudget {
    private var left: Int

    init(elements: Int) {
        left = elements
    }

    /// Room for up to `wanted` elements, taken from what is left.
    func take(_ wanted: Int) -> Int {
        let granted = min(wanted, left)
        left -= granted
        return granted
    }
}
