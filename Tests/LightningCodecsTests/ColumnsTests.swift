@_spi(Testing) @testable import LightningCodecs
@testable import LightningState
import LightningTestSupport
import Testing

/// A list of records read from a snapshot — objects of one shape, arrays of one length — is kept by
/// column (`Columns`): the same value as the records, written alike, changed alike.
@Suite("Lists of records kept by column")
struct ColumnsTests {
    static func columns(_ value: StateValue?) -> Columns? {
        guard case .array(let array)? = value, case .columns(let columns) = array.storage else { return nil }
        return columns
    }

    /// A record of the records state's shape: an id, a distinct name, a label from a few, int tags
    /// of 1 to 4, a flag and a score.
    static func record(_ index: Int) -> StateValue {
        [
            "id": .int(Int64(index) * 7_919), "name": .string(StateString("name-\(index)")),
            "label": .string(StateString("label-\(index % 5)")), "tags": .array(StateArray((0...(index % 4)).map { .int(Int64($0 + index)) })),
            "active": .bool(index % 3 == 0), "score": index % 10 == 0 ? .null : .float(Double(index) / 8),
        ]
    }

    /// A row of the mixed state's shape: `[label, int, int, [int, int, int], bool, float, label, int]`.
    static func row(_ index: Int) -> StateValue {
        let small = Int64(index % 100)
        return [
            .string(StateString("kind-\(index % 4)")), .int(Int64(index)), .int(-small), [.int(small), .int(small + 1), .int(small + 2)],
            .bool(index % 2 == 0), .float(Double(index) * 0.5), .string(StateString("state-\(index % 3)")), .int(small * 1_000),
        ]
    }

    /// The state written and read back; read again keeping values and numbers only, it must be the same.
    static func roundTrip(_ state: StateValue) throws -> (back: StateValue, bytes: [UInt8]) {
        let bytes = try BinarySnapshot.encode(state)
        let back = try BinarySnapshot.decode(bytes)
        var plainly = BinarySnapshot.Options()
        plainly.keepsCompactLists = false
        let plain = try BinarySnapshot.decode(bytes, options: plainly)
        let same = back == plain && back.nestingDepth == plain.nestingDepth  // outside #expect: a failure would print every record
        #expect(same)
        #expect(Self.columns(plain) == nil)
        return (back, bytes)
    }

    /// Every way the value is seen is the same as the original's: equality, hash, bytes, text, description.
    static func expectSame(_ back: StateValue, _ state: StateValue, bytes: [UInt8]) throws {
        let equal = back == state  // outside #expect: a failure would print every record
        #expect(equal)
        #expect(back.hashValue == state.hashValue)
        #expect(try BinarySnapshot.encode(back) == bytes)
        // JSON is written from the columns, not from built records: every layout, sorted keys, raw
        // UTF-8, and in parallel parts (split down to the list itself), with the same nesting.
        for options in [JSONWriter.Options(), .init(indent: 2), .canonical, .init(ensureASCII: false, indent: 1, sortKeys: true)] {
            #expect(JSONWriter.write(back, options: options) == JSONWriter.write(state, options: options))
            let parallel = JSONWriter.writeChunksMeasuringNesting(back, options: options, threads: 4, minimumChildren: 2, minimumWeight: 0)
            let single = JSONWriter.writeChunksMeasuringNesting(state, options: options, threads: 1)
            #expect(Array(parallel.chunks.joined()) == Array(single.chunks.joined()))
            #expect(parallel.nesting == single.nesting)
        }
        #expect(String(describing: back) == String(describing: state))
    }

    @Test("JSON of records by column is the records' own text: escapes, sorted keys of records inside records, keys left out")
    func jsonFromColumns() throws {
        let records = StateValue.array(StateArray((0..<300).map { index -> StateValue in
            var record: StateObject = ["zeta": .string(StateString("naïve \"\(index % 7)\"\n")), "alpha": .int(Int64(index))]
            if index % 3 != 0 { record["mid"] = ["y": .bool(index % 2 == 0), "x": .string(StateString("日本-\(index % 4)"))] }
            if index % 5 == 0 { record["opt"] = .null }
            record["row"] = [.float(Double(index) / 3), "e\u{301}"]
            return .object(record)
        }))
        let state: StateValue = ["list": records]
        let (back, bytes) = try Self.roundTrip(state)
        let columns = try #require(Self.columns(back["list"]))
        guard case .keys(let keys, let presence) = columns.shape else { Issue.record("not objects: \(columns.shape)"); return }
        #expect(keys == ["zeta", "alpha", "mid", "opt", "row"] && presence != nil)
        #expect(Self.columns(.array(columns.columns[2])) != nil && Self.columns(.array(columns.columns[4])) != nil)
        try Self.expectSame(back, state, bytes: bytes)
    }

    @Test("records of one shape read back by column, each column as compact as its values: ints, places, flags, values")
    func recordsByColumn() throws {
        let records = StateValue.array(StateArray((0..<500).map(Self.record)))
        let state: StateValue = ["series": records]
        let (back, bytes) = try Self.roundTrip(state)
        try Self.expectSame(back, state, bytes: bytes)
        let columns = try #require(Self.columns(back["series"]))
        #expect(columns.count == 500)
        #expect(columns.shape == .keys(["id", "name", "label", "tags", "active", "score"], presence: nil))
        let forms = columns.columns.map { column -> String in
            switch column.storage {
            case .ints: "ints"
            case .narrowInts(let narrow): "ints in \(narrow.width)"
            case .floats: "floats"
            case .pooled: "places"
            case .values: "values"
            case .columns: "columns"
            }
        }
        // The tags are rows of 1 to 4 ints (the longest packed); the scores are floats with a `null`
        // among them.
        #expect(forms == ["ints in 3", "places", "places", "columns", "places", "values"])
        let tags = try #require(Self.columns(.array(columns.columns[3])))
        #expect(tags.columns.count == 4 && tags.columns.allSatisfy { if case .narrowInts(let narrow) = $0.storage { narrow.width == 2 } else { false } })
        // An element is an object sharing the list's one array of keys.
        let keys = try #require(back["series"]?.arrayValue?[7].objectValue?.keys.elements)
        let again = try #require(back["series"]?.arrayValue?[300].objectValue?.keys.elements)
        #expect(keys.withUnsafeBufferPointer { $0.baseAddress } == again.withUnsafeBufferPointer { $0.baseAddress })
        #expect(back["series"]?.arrayValue?[499] == Self.record(499))
    }

    @Test("rows of one length read back by column, a row inside a row too")
    func rowsByColumn() throws {
        let state: StateValue = ["rows": .array(StateArray((0..<300).map(Self.row)))]
        let (back, bytes) = try Self.roundTrip(state)
        try Self.expectSame(back, state, bytes: bytes)
        let columns = try #require(Self.columns(back["rows"]))
        #expect(columns.shape == .arrays(lengths: nil))
        let inner = try #require(Self.columns(.array(columns.columns[3])))
        #expect(inner.shape == .arrays(lengths: nil))
        // Small ints (below 100), kept a byte each.
        #expect(inner.columns.allSatisfy { if case .narrowInts(let narrow) = $0.storage { narrow.width == 1 } else { false } })
        // Lists of empty objects and of empty lists: columns with no column.
        let empty: StateValue = ["objects": .array(StateArray(Array(repeating: [:], count: 6))), "lists": .array(StateArray(Array(repeating: [], count: 5)))]
        let (emptyBack, emptyBytes) = try Self.roundTrip(empty)
        try Self.expectSame(emptyBack, empty, bytes: emptyBytes)
        #expect(Self.columns(emptyBack["objects"])?.count == 6 && Self.columns(emptyBack["lists"])?.count == 5)
    }

    @Test("arrays of different lengths keep each one's length: shorter and longer ones later, packed ones, an empty one, rows of fillers inside")
    func raggedRows() throws {
        // The mixed state's rows: every 16th with a record as a ninth value; the first is one of them.
        func row(_ index: Int) -> StateValue {
            guard case .array(var values) = Self.row(index) else { return .null }
            if index % 16 == 0 { values.append(["id": .int(Int64(index)), "tag": .string(StateString("t\(index % 7)")), "ok": .bool(index % 3 == 0)]) }
            return .array(values)
        }
        let mixed = StateValue.array(StateArray((0..<200).map(row)))
        // Lengths that grow and shrink, packed (4 ints or more) and not, empty.
        let lists = StateValue.array(StateArray((0..<100).map { index in
            .array(StateArray((0..<(index * 7 % 9)).map { .int(Int64(index * 10 + $0)) }))
        }))
        // Strings in rows that start short.
        let words = StateValue.array(StateArray((0..<60).map { index in
            .array(StateArray((0..<(1 + index % 5)).map { .string(StateString("w\(($0 + index) % 11)")) }))
        }))
        for state in [mixed, lists, words] {
            let (back, bytes) = try Self.roundTrip(state)
            try Self.expectSame(back, state, bytes: bytes)
            let columns = try #require(Self.columns(back))
            guard case .arrays(let lengths?) = columns.shape else {
                Issue.record("no lengths kept: \(columns.shape)")
                continue
            }
            #expect(lengths.count == columns.count)
            let expected = try #require(state.arrayValue).map { $0.arrayValue?.count ?? -1 }
            #expect(lengths.map(Int.init) == expected)
            // Slices keep the lengths they cover.
            let slice = try #require(back.arrayValue).subarray(5..<50)
            #expect(slice.elementsEqual(try #require(state.arrayValue)[5..<50]))
        }
        let mixedColumns = try #require(Self.columns(try Self.roundTrip(mixed).back))
        #expect(mixedColumns.columns.count == 9)
        // The ninth column's records are fillers where a row has no ninth value.
        guard case .keys(let keys, _)? = Self.columns(.array(mixedColumns.columns[8]))?.shape else {
            Issue.record("the ninth column not kept by column")
            return
        }
        #expect(keys == ["id", "tag", "ok"])
    }

    @Test("rows of four floats or more, which writers pack, are kept by column too, and written packed again")
    func packedRows() throws {
        func point(_ index: Int) -> StateValue {
            let coordinates: [Double] = (0..<(4 + index % 3)).map { Double(index) + Double($0) / 8 }
            return .array(StateArray(floats: coordinates))
        }
        func count(_ index: Int) -> StateValue {
            let numbers: [Int64] = (0..<6).map { Int64(index * $0) }
            return .array(StateArray(ints: numbers))
        }
        let points = StateValue.array(StateArray((0..<50).map(point)))
        let counts = StateValue.array(StateArray((0..<50).map(count)))
        for state in [points, counts] {
            let (back, bytes) = try Self.roundTrip(state)
            try Self.expectSame(back, state, bytes: bytes)
            let columns = try #require(Self.columns(back))
            #expect(columns.columns.allSatisfy { if case .floats = $0.storage { true } else if case .narrowInts = $0.storage { true } else { false } })
        }
    }

    @Test("a list kept by column nests as deep as its deepest member, for the writers' depth check")
    func nestingDepth() throws {
        let records = StateValue.array(StateArray((0..<6).map { ["a": [[.int(Int64($0))]], "b": 1] }))
        let rows = StateValue.array(StateArray((0..<6).map { [.int(Int64($0)), [[1, [2]]]] }))
        for state in [records, rows] {
            let back = try Self.roundTrip(state).back
            #expect(Self.columns(back) != nil)
            #expect(back.nestingDepth == state.nestingDepth)
        }
        #expect(try Self.roundTrip(["l": records]).back.nestingDepth == 5)
    }

    @Test("a member deep and wide that most records leave out, or that first comes late, is kept as values, a null a filler")
    func deepMembersLeftOut() throws {
        // 16 lists of 16 lists of 4 ints: 256 columns beneath "a", which 2,000 records leave out.
        func inner(_ outer: Int, _ middle: Int) -> StateValue {
            let numbers: [Int64] = (0..<4).map { Int64(outer + middle + $0) }
            return .array(StateArray(ints: numbers))
        }
        let deep = StateValue.array(StateArray((0..<16).map { outer in .array(StateArray((0..<16).map { inner(outer, $0) })) }))
        var records: [StateValue] = [["a": deep, "b": 1]]
        records += (0..<2_000).map { ["b": .int(Int64($0))] }
        var late: [StateValue] = (0..<40).map { ["b": .int(Int64($0))] }
        late.append(["a": deep, "b": 2])
        var early: [StateValue] = (0..<5).map { ["b": .int(Int64($0))] }
        early.append(["a": ["x": 1, "y": 2], "b": 2])
        // A chain of 300 one-element lists, and a tree of empty lists: few leaves, many builders.
        var chain: StateValue = 0
        for _ in 0..<300 { chain = [chain] }
        var chained: [StateValue] = [["a": chain, "b": 1]]
        chained += (0..<2_000).map { ["b": .int(Int64($0))] }
        var empties: StateValue = []
        for _ in 0..<3 { empties = .array(StateArray(Array(repeating: empties, count: 16))) }
        var emptied: [StateValue] = [["a": empties, "b": 1]]
        emptied += (0..<2_000).map { ["b": .int(Int64($0))] }
        for (state, deepKeptByColumn) in [(records, false), (late, false), (early, true), (chained, false), (emptied, false)] {
            let list = StateValue.array(StateArray(state))
            let (back, bytes) = try Self.roundTrip(list)
            try Self.expectSame(back, list, bytes: bytes)
            let columns = try #require(Self.columns(back))
            guard case .keys(let keys, _) = columns.shape, let a = keys.firstIndex(of: "a") else {
                Issue.record("no column for a: \(columns.shape)")
                continue
            }
            #expect((Self.columns(.array(columns.columns[a])) != nil) == deepKeptByColumn)
        }
    }

    @Test("the lists of a snapshot reserve at most what their budget grants; a crafted list whose first row has many members, then ends, is an error")
    func reservations() {
        let budget = ReservationBudget(elements: 100)
        var first = ColumnBuilder(
            table: StringTable(maximumBytes: 1), room: 80, allowsPlaces: true, keepsCompactForms: true, reservations: budget, builders: BuilderBudget(listCount: 4))
        first.appendInt(1)
        var second = first.memberBuilder()
        second.appendFloat(1)
        #expect(budget.take(1_000) == 0)
        #expect(first.build().count == 1 && second.build().count == 1)
        // [[[0 × 32] × 32], …] claiming 200,000 rows, padded with bytes that are no element.
        var tree: [UInt8] = [0x07] + SnapshotDecoderTests.varint(200_000) + [0x07, 32]
        for _ in 0..<32 { tree += [0x07, 32] + Array(repeating: 0x00, count: 32) }
        tree += Array(repeating: 0xFF, count: 200_000)
        #expect(SnapshotDecoderTests.message(tree: tree)?.hasPrefix("malformed at byte 1094: unknown tag 0xff") == true)
    }

    @Test("a column of ints some records leave out keeps its own width: the fillers repeat an int of it")
    func narrowColumnWithFillers() throws {
        // Years from 2020 to 2030 span a byte; a zero filler would have made the span 2 bytes.
        func record(_ index: Int) -> StateValue {
            var record: StateObject = ["id": .int(Int64(index))]
            if index % 3 != 1 { record["year"] = .int(Int64(2_020 + index % 11)) }
            return .object(record)
        }
        let records = StateValue.array(StateArray((0..<300).map(record)))
        let (back, bytes) = try Self.roundTrip(records)
        try Self.expectSame(back, records, bytes: bytes)
        let columns = try #require(Self.columns(back))
        guard case .narrowInts(let years) = columns.columns[1].storage else {
            Issue.record("years kept as \(columns.columns[1].storage)")
            return
        }
        #expect(years.width == 1)
        #expect(SnapshotFormat.internLimit <= StringTable.maximumLength)
    }

    @Test("a short list of wide rows inside wide rows makes builders for the first level alone: the rest are values")
    func fewRowsManyBuilders() throws {
        func vector(_ seed: Int) -> StateValue {
            let numbers: [Double] = (0..<8).map { Double(seed + $0) }
            return .array(StateArray(floats: numbers))
        }
        func matrix(_ seed: Int) -> StateValue { .array(StateArray((0..<32).map { vector(seed + $0) })) }
        func tensor(_ seed: Int) -> StateValue { .array(StateArray((0..<32).map { matrix(seed * 32 + $0) })) }
        let state = StateValue.array(StateArray((0..<4).map(tensor)))
        let (back, bytes) = try Self.roundTrip(state)
        try Self.expectSame(back, state, bytes: bytes)
        let columns = try #require(Self.columns(back))
        #expect(columns.columns.count == 32)
        #expect(columns.columns.allSatisfy { if case .values = $0.storage { true } else { false } })
    }

    @Test("one long array among short ones, or a first one too wide, keeps the list as values")
    func fillersOutnumbered() throws {
        let short = (0..<60).map { StateValue.array(StateArray([.int(Int64($0)), "x"])) }
        var oneLong = short
        oneLong[3] = .array(StateArray((0..<30).map { .string(StateString("s\($0)")) }))
        let wide = StateValue.array(StateArray((0..<33).map { .string(StateString("s\($0)")) }))
        for state in [StateValue.array(StateArray(oneLong)), .array(StateArray([wide] + short))] {
            let (back, bytes) = try Self.roundTrip(state)
            try Self.expectSame(back, state, bytes: bytes)
            #expect(Self.columns(back) == nil)
        }
    }

    @Test("a record whose keys come out of order after a member that is a longer list: the list is given back whole")
    func mismatchAfterRaggedMember() throws {
        var records: [StateValue] = (0..<20).map { ["a": .array(StateArray((0...($0 % 3)).map { .int(Int64($0)) })), "b": .int(Int64($0)), "c": 0] }
        // The list of 7 widens the rows of "a" before "b" comes after "c", out of the rows' order.
        records.append(["a": [1, 2, 3, 4, 5, 6, 7], "c": 1, "b": 2])
        records.append(["a": [], "b": 2])
        let state = StateValue.array(StateArray(records))
        let (back, bytes) = try Self.roundTrip(state)
        try Self.expectSame(back, state, bytes: bytes)
        #expect(Self.columns(back) == nil)
    }

    static func record(_ index: Int, keys: [String]) -> StateValue {
        .object(StateObject(uniqueKeysWithValues: keys.enumerated().map { (StateString($1), .int(Int64(index * 10 + $0))) }))
    }

    @Test("records that leave keys out or add new ones, in the rows' order, stay by column, each keeping its keys", arguments: [0, 1, 2, 5, 6])
    func keysLeftOutOrAdded(differingAt member: Int) throws {
        let keys = ["a", "b", "c", "d", "e", "f"]
        var replaced = keys
        var added = keys
        var leftOut = keys
        if member < keys.count {
            replaced[member] = "z"
            added.insert("z", at: member)
            leftOut.remove(at: member)
        } else {
            // Past the last key: one added at the end, and every key left out.
            replaced.append("g")
            added = ["g"] + keys
            leftOut.removeAll()
        }
        for other in [replaced, added, leftOut] {
            for position in [0, 1, 4, 40] {
                var records = (0..<50).map { Self.record($0, keys: keys) }
                records[position] = Self.record(position, keys: other)
                records[45] = Self.record(45, keys: Array(keys.prefix(2)))
                let state = StateValue.array(StateArray(records))
                let (back, bytes) = try Self.roundTrip(state)
                try Self.expectSame(back, state, bytes: bytes)
                let columns = try #require(Self.columns(back))
                guard case .keys(_, let presence?) = columns.shape else {
                    Issue.record("no presence kept: \(columns.shape)")
                    continue
                }
                #expect(presence.count == 50)
                #expect(try #require(back.arrayValue)[position].objectValue?.keys.map(\.displayString) == other)
                // Elements of the same keys share them.
                let shared = try #require(back.arrayValue).map { $0.objectValue?.keys.elements.withUnsafeBufferPointer { $0.baseAddress } }
                #expect(shared[2] == shared[3] && shared[45] != shared[3])
            }
        }
    }

    static let base = (0..<30).map { "k\($0)" }

    /// The state written and read back, seen the same as the original, and its list by column.
    static func readBackByColumn(_ state: StateValue) throws -> (back: StateValue, columns: Columns) {
        let (back, bytes) = try roundTrip(state)
        try expectSame(back, state, bytes: bytes)
        return (back, try #require(columns(back)))
    }

    /// The keys of a list of objects by column; `nil` for arrays.
    static func keys(of list: Columns) -> [String]? {
        guard case .keys(let keys, _) = list.shape else { return nil }
        return keys.map(\.displayString)
    }

    @Test(
        "optional keys first met apart and then together stay by column: the columns are reordered to an order every record agrees with",
        arguments: [
            // `Codable` leaving out `nil` optionals of `id, a, b`, of `id, a, b, c` and of `id, a, b, c, d`, in some orders.
            ([["id", "a"], ["id", "b"], ["id", "a", "b"]], ["id", "a", "b"]),
            ([["id", "a"], ["id", "c"], ["id", "b"], ["id", "a", "b", "c"]], ["id", "a", "b", "c"]),
            ([["id", "c"], ["id", "a"], ["id", "b", "c"], ["id"], ["id", "a", "b", "c"]], ["id", "a", "b", "c"]),
            ([["id", "b", "x"], ["id", "a", "y"], ["id", "a", "b", "x", "y"]], ["id", "a", "b", "x", "y"]),
            // `c` must pass `d`, which it was held with, so `b` moves before them instead.
            ([["id", "b"], ["id", "a", "c", "d"], ["id", "b", "c"]], ["id", "a", "b", "c", "d"]),
            // 32 keys: the last two, bits 30 and 31, reordered.
            ([base + ["x"], base + ["y"], base + ["x", "y"]], base + ["x", "y"]),
        ] as [([[String]], [String])]
    )
    func reorderedKeys(_ pattern: [[String]], expected: [String]) throws {
        let records = (0..<60).map { Self.record($0, keys: pattern[$0 % pattern.count]) }
        let state = StateValue.array(StateArray(records))
        let (back, columns) = try Self.readBackByColumn(state)
        #expect(Self.keys(of: columns) == expected)
        #expect(try #require(back.arrayValue).map { $0.objectValue!.keys.map(\.displayString) } == records.map { $0.objectValue!.keys.map(\.displayString) })
    }

    @Test("a reordered column that holds records inside records keeps them by column")
    func reorderedRecordsInside() throws {
        let records = (0..<60).map { index -> StateValue in
            let inner: StateValue = ["n": .int(Int64(index)), "s": .string(StateString("s\(index % 3)"))]
            switch index % 3 {
            case 0: return ["id": .int(Int64(index)), "a": inner]
            case 1: return ["id": .int(Int64(index)), "b": .int(Int64(index))]
            default: return ["id": .int(Int64(index)), "a": inner, "b": .int(Int64(index))]
            }
        }
        let (_, columns) = try Self.readBackByColumn(.array(StateArray(records)))
        #expect(Self.keys(of: columns) == ["id", "a", "b"])
        #expect(Self.columns(.array(columns.columns[1])) != nil)
    }

    @Test("a key repeated in a record after its columns were reordered fails as a plain reading does, at the same byte")
    func repeatedKeyAfterReordering() throws {
        typealias Streams = SnapshotDecoderTests
        let int: [UInt8] = [0x03, 0x02]
        func reference(_ place: UInt64) -> [UInt8] { Streams.varint(place << 1) }
        // `{id, a}`, `{id, b}` (columns id, b, a), then `{id, a, b, a}`: reordered to id, a, b, then `a` again.
        let tree: [UInt8] = [0x07] + Streams.varint(4)
            + [0x08, 2] + Streams.literal("id") + int + Streams.literal("a") + int
            + [0x08, 2] + reference(0) + int + Streams.literal("b") + int
            + [0x08, 4] + reference(0) + int + reference(1) + int + reference(2) + int + reference(1) + int
            + [0x08, 1] + reference(0) + int
        var plainly = BinarySnapshot.Options()
        plainly.keepsCompactLists = false
        let file = Streams.file(tree: tree)
        let compact = #expect(throws: SnapshotError.self) { try BinarySnapshot.decode(file) }
        let plain = #expect(throws: SnapshotError.self) { try BinarySnapshot.decode(file, options: plainly) }
        #expect(compact?.description == plain?.description)
        #expect(compact?.description.hasSuffix("duplicate key \"a\"") == true)
    }

    @Test("keys held together in one order and later in the other turn the list into values, equal")
    func keysNotMoved() throws {
        let orders: [[[String]]] = [
            [["id", "a", "b"], ["id", "b", "a"]],
            [["id", "a"], ["id", "b"], ["id", "a", "b"], ["id", "b", "a"]],
            [["id", "a"], ["id", "b"], ["b", "id", "a"]],
        ]
        for pattern in orders {
            let records = (0..<40).map { Self.record($0, keys: pattern[$0 % pattern.count]) }
            let state = StateValue.array(StateArray(records))
            let (back, bytes) = try Self.roundTrip(state)
            try Self.expectSame(back, state, bytes: bytes)
            #expect(Self.columns(back) == nil)
        }
    }

    @Test("a record whose keys come in another order, repeat one the rows have at another place, or make more than 32 keys turns the list into values, equal", arguments: [1, 4, 40])
    func anotherOrder(at position: Int) throws {
        let keys = ["a", "b", "c", "d", "e", "f"]
        var records = (0..<50).map { Self.record($0, keys: keys) }
        records[position] = Self.record(position, keys: ["a", "c", "b", "d", "e", "f"])
        var many = (0..<50).map { Self.record($0, keys: keys) }
        many[position] = Self.record(position, keys: keys + (0..<30).map { "k\($0)" })
        for state in [StateValue.array(StateArray(records)), .array(StateArray(many))] {
            let (back, bytes) = try Self.roundTrip(state)
            try Self.expectSame(back, state, bytes: bytes)
            #expect(Self.columns(back) == nil)
        }
    }

    @Test("what a first record cannot begin rows with: a key too long to be interned, a list, a large object, another kind")
    func noRows() throws {
        let long = String(repeating: "k", count: SnapshotFormat.internLimit + 1)
        let wide = StateValue.object(StateObject(uniqueKeysWithValues: (0..<40).map { (StateString("k\($0)"), StateValue.int(Int64($0))) }))
        let wideRow = StateValue.array(StateArray((0..<40).map { StateValue.string(StateString("s\($0)")) }))
        func small(_ index: Int) -> StateValue { ["a": .int(Int64(index))] }
        let cases: [StateValue] = [
            .array(StateArray((0..<6).map { ["a": .int(Int64($0)), StateString(long): 1] })),
            .array(StateArray(Array(repeating: wide, count: 6))),
            .array(StateArray((0..<6).map { $0 == 3 ? 3 : small($0) })),
            .array(StateArray((0..<6).map { $0 == 5 ? [1, 2] : small($0) })),
            .array(StateArray(Array(repeating: wideRow, count: 6))),
        ]
        for state in cases {
            let (back, bytes) = try Self.roundTrip(state)
            try Self.expectSame(back, state, bytes: bytes)
            #expect(Self.columns(back) == nil)
        }
    }

    @Test("a column changes form when its values do: ints then a string, places then a list, rows then a string; flags keep places with a float among them")
    func columnsChangeForm() throws {
        func record(_ index: Int) -> StateValue {
            let n: StateValue = index == 20 ? "twenty" : .int(Int64(index))
            let s: StateValue = index == 30 ? [1] : .string(StateString("s\(index % 3)"))
            let r: StateValue = index == 10 ? "ten" : [.int(Int64(index)), "x"]
            let b: StateValue = index == 39 ? 1.5 : .bool(index % 2 == 0)
            return ["n": n, "s": s, "r": r, "b": b]
        }
        let records = (0..<40).map(record)
        let state = StateValue.array(StateArray(records))
        let (back, bytes) = try Self.roundTrip(state)
        try Self.expectSame(back, state, bytes: bytes)
        let columns = try #require(Self.columns(back))
        // The flags keep their places, a float among them another scalar beside them.
        #expect(columns.columns.map { if case .values = $0.storage { true } else { false } } == [true, true, true, false])
    }

    @Test("seeded random lists of records round-trip, with the odd record of another shape")
    func randomRecords() throws {
        var random = SeededRandom(seed: 404)
        for _ in 0..<150 {
            let width = Int.random(in: 0...5, using: &random)
            let keys = (0..<width).map { _ in RandomState.string(using: &random) }
            let unique = Array(Set(keys))
            let count = Int.random(in: 4...30, using: &random)
            let asArrays = Bool.random(using: &random)
            let elements: [StateValue] = (0..<count).map { _ in
                let values = unique.map { _ in RandomState.value(depth: 2, using: &random) }
                if Int.random(in: 0..<20, using: &random) == 0 { return RandomState.value(depth: 2, using: &random) }
                return asArrays ? .array(StateArray(values)) : .object(StateObject(uniqueKeysWithValues: zip(unique, values).map { ($0, $1) }))
            }
            let state = StateValue.array(StateArray(elements))
            let (back, bytes) = try Self.roundTrip(state)
            try Self.expectSame(back, state, bytes: bytes)
        }
    }

    @Test("changing a list read by column turns it into values, and leaves every other copy as it was")
    func changesTurnIntoValues() throws {
        let expected = (0..<60).map(Self.record)
        let loaded = try #require(try Self.roundTrip(.array(StateArray(expected))).back.arrayValue)
        #expect(Self.columns(.array(loaded)) != nil)
        let changes: [(String, (inout StateArray) -> Void)] = [
            ("append", { $0.append(Self.record(60)) }), ("set", { $0[5] = "five" }), ("remove", { _ = $0.removeLast() }),
            ("replace", { $0.replaceSubrange(2..<4, with: [1]) }), ("reserve", { $0.reserveCapacity(1_000) }),
            ("modify in place", { if case .object(var members) = $0[1] { members["id"] = 1; $0[1] = .object(members) } }),
        ]
        for (name, change) in changes {
            var changed = loaded
            var reference = StateArray(expected)
            change(&changed)
            change(&reference)
            guard case .values = changed.storage else {
                Issue.record("\(name): still by column")
                continue
            }
            #expect(changed.elementsEqual(reference), "\(name)")
            #expect(loaded.elementsEqual(expected), "\(name): the loaded list changed")
        }
    }

    @Test("a slice keeps its columns; two lists read by column compare by column, and a delta between them names the changed record")
    func slicesAndDeltas() throws {
        let before = try Self.roundTrip(["series": .array(StateArray((0..<80).map(Self.record)))]).back
        var records = (0..<80).map(Self.record)
        records[33] = ["id": 1, "name": "changed", "label": "label-0", "tags": [1], "active": false, "score": 2.5]
        let after = try Self.roundTrip(["series": .array(StateArray(records))]).back
        let slice = try #require(before["series"]?.arrayValue).subarray(10..<20)
        #expect(Self.columns(.array(slice))?.count == 10)
        #expect(slice.elementsEqual((10..<20).map(Self.record)))
        #expect(before != after)
        #expect(before == (try Self.roundTrip(before).back))
        var delta = StateDelta()
        delta.appendChanges(from: before, to: after, at: [])
        var applied = before
        try delta.apply(to: &applied)
        #expect(applied == after)
        #expect(delta.edits.count == 1)
    }

    @Test("nodes are counted alike: the list, each record, each member")
    func nodeLimit() throws {
        let records = StateValue.array(StateArray((0..<10).map { ["a": .int(Int64($0)), "b": .string(StateString("x\($0 % 2)"))] }))
        let bytes = try BinarySnapshot.encode(records)
        #expect(BinarySnapshotTests.message(bytes, options: .init(maxNodeCount: 30)) == "over a limit: more than 30 nodes")
        #expect(BinarySnapshotTests.message(bytes, options: .init(maxNodeCount: 31)) == nil)
        let rows = try BinarySnapshot.encode(.array(StateArray((0..<10).map { [.int(Int64($0)), [true, .null]] })))
        #expect(BinarySnapshotTests.message(rows, options: .init(maxNodeCount: 50)) == "over a limit: more than 50 nodes")
        #expect(BinarySnapshotTests.message(rows, options: .init(maxNodeCount: 51)) == nil)
        #expect(BinarySnapshotTests.message(rows, options: .init(maxDepth: 2))?.hasPrefix("over a limit: nesting deeper than 2 levels") == true)
        #expect(BinarySnapshotTests.message(rows, options: .init(maxDepth: 3)) == nil)
    }

    /// Nothing writes the table once the reader has returned: this checks what the thread
    /// sanitizer sees (`.ci/run` runs this test under it). Read on this thread alone (no inflating
    /// workers): the sanitizer does not see `Synchronization.Mutex`'s lock on Linux, and reports
    /// the workers' handing over of blocks as races.
    @Test("lists read by column are read from many threads at once, and outlive the reader")
    func readFromManyThreads() async throws {
        let state: StateValue = ["records": .array(StateArray((0..<400).map(Self.record))), "rows": .array(StateArray((0..<400).map(Self.row)))]
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(state), workers: 0)
        #expect(Self.columns(back["records"]) != nil && Self.columns(back["rows"]) != nil)
        let matches = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let key: StateString = task % 2 == 0 ? "records" : "rows"
                    return back[key] == state[key] && JSONWriter.write(back[key]!) == JSONWriter.write(state[key]!)
                }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(matches)
    }
}
