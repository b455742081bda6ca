@testable import LightningCodecs
@testable import LightningState
import LightningTestSupport
import Testing

/// A list of interned strings read from a snapshot keeps 4-byte places in the reader's table
/// (`PooledStrings`): the same value as a list of string values, written alike, changed alike.
@Suite("Lists of strings kept as places in a snapshot reader's table")
struct PooledStringsTests {
    static func storage(_ value: StateValue?) -> StateArray.Storage? {
        guard case .array(let array)? = value else { return nil }
        return array.storage
    }

    static func isPooled(_ value: StateValue?) -> Bool {
        if case .pooled? = storage(value) { true } else { false }
    }

    /// The values as the members of an object, `"0"`, `"1"`, …: each read as a list on its own (a
    /// list of lists of one length would be read by column, `Columns`).
    static func members(_ values: [StateValue]) -> StateValue {
        .object(StateObject(uniqueKeysWithValues: values.enumerated().map { (StateString("\($0.offset)"), $0.element) }))
    }

    /// Log lines from a small vocabulary, as many lists, with more distinct strings than a chunk of
    /// the table holds, so that lists refer to places in several chunks.
    static let logs: StateValue = {
        let words = ["ok", "warn", "retry", "done", "é", "🙂", ""]
        var lists = StateObject()
        for list in 0..<30 {
            lists[StateString("w\(list)")] = .array(StateArray((0..<400).map { step in
                .string(StateString("step \(step) \(words[(step * 7 + list) % words.count])"))
            }))
        }
        return .object(lists)
    }()

    @Test("a list of interned strings reads back as places, equal to its values, and writes the same bytes and text")
    func readsAsPlaces() throws {
        let bytes = try BinarySnapshot.encode(Self.logs)
        let back = try BinarySnapshot.decode(bytes)
        #expect(back == Self.logs)
        let lists = try #require(back.objectValue)
        #expect(lists.values.allSatisfy { Self.isPooled($0) })
        #expect(back.hashValue == Self.logs.hashValue)
        #expect(String(describing: back) == String(describing: Self.logs))
        #expect(try BinarySnapshot.encode(back) == bytes)
        #expect(JSONWriter.write(back) == JSONWriter.write(Self.logs))
        #expect(JSONWriter.write(back, options: .init(indent: 2)) == JSONWriter.write(Self.logs, options: .init(indent: 2)))
        // Read again from its JSON: values, equal.
        #expect(try JSONReader.read(JSONWriter.write(back)) == back)
    }

    @Test("strings interned after a list was read, in the same chunk and in new ones, leave the list as it was")
    func laterStringsLeaveEarlierLists() throws {
        // The first list interns 10 strings; the next 9,000 fill the rest of its chunk and two more.
        let first = StateValue.array(StateArray((0..<10).map { .string(StateString("a\($0)")) }))
        let later = StateValue.array(StateArray((0..<9_000).map { .string(StateString("b\($0)")) }))
        let again = StateValue.array(StateArray((0..<10).map { .string(StateString($0 % 2 == 0 ? "a\($0)" : "b\(8_990 + $0)")) }))
        let state: StateValue = ["first": first, "later": later, "again": again]
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(state))
        #expect(Self.isPooled(back["first"]) && Self.isPooled(back["later"]) && Self.isPooled(back["again"]))
        let (readFirst, readLater, readAgain) = (try #require(back["first"]), try #require(back["later"]), try #require(back["again"]))
        #expect(readFirst == first)
        #expect(readAgain == again)
        let laterMatches = readLater == later  // outside #expect: a failure would print 9,000 strings
        #expect(laterMatches)
    }

    @Test("every list of a snapshot shares one table, however many chunks it spans; a list read before the table grew reads the same")
    func oneTable() throws {
        // 3,000 lists of 4 new strings each: 12,000 strings in three chunks, and the first chunk
        // grown from 16 strings while lists already held the table.
        let lists = (0..<3_000).map { list in StateValue.array(StateArray((0..<4).map { .string(StateString("l\(list).\($0)")) })) }
        let state = Self.members(lists)
        let back = try #require(try BinarySnapshot.decode(try BinarySnapshot.encode(state)).objectValue).values
        var tables: Set<ObjectIdentifier> = []
        for list in back {
            guard case .array(let strings) = list, case .pooled(let pooled) = strings.storage else {
                Issue.record("not places: \(list)")
                return
            }
            tables.insert(ObjectIdentifier(pooled.table))
        }
        #expect(tables.count == 1)
        #expect(back.elementsEqual(lists))
    }

    @Test("a list of strings inside another list of strings: each read as it is, the inner one as places")
    func nestedLists() throws {
        let state: StateValue = ["a", "b", "c", ["p", "q", "r", "s"], "d"]
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(state))
        #expect(back == state)
        guard case .values(let outer)? = Self.storage(back) else {
            Issue.record("the outer list read as \(back)")
            return
        }
        #expect(Self.isPooled(outer[3]))
    }

    /// The JSON text of lists kept as places, written from the table, is the values' in every
    /// layout, written whole or in parallel parts.
    static func expectSameText(_ back: StateValue, _ state: StateValue) {
        for options in [JSONWriter.Options(), .init(ensureASCII: false, indent: 2, sortKeys: true)] {
            #expect(JSONWriter.write(back, options: options) == JSONWriter.write(state, options: options))
            let parallel = JSONWriter.writeChunksMeasuringNesting(back, options: options, threads: 4, minimumChildren: 2, minimumWeight: 0)
            #expect(Array(parallel.chunks.joined()) == JSONWriter.write(state, options: options))
        }
    }

    @Test("the odd other scalar among the strings is kept beside the places: a long string, a number, null, a big integer")
    func keepsOtherScalars() throws {
        let long = StateValue.string(StateString(String(repeating: "x", count: SnapshotFormat.internLimit + 1)))
        let strings: [StateValue] = ["a", "b", "c", "d", "e", "f"]
        let big = try #require(StateValue.integer(decimalText: "123456789012345678901234567890"))
        let cases: [StateValue] = [
            .array(StateArray(strings[..<1] + [long] + strings[1...])), .array(StateArray(strings + [long])),
            .array(StateArray(strings[..<2] + [1, .null] + strings[2..<4] + [2.5] + strings[4...])), .array(StateArray(strings + [big, true])),
            // Long lines at the start of a log, and as many other scalars as the slack allows.
            .array(StateArray([long, long, long] + strings)), .array(StateArray(["a"] + Array(repeating: 1, count: 9) + strings)),
        ]
        let state = Self.members(cases)
        let bytes = try BinarySnapshot.encode(state)
        let back = try BinarySnapshot.decode(bytes)
        #expect(back == state)
        let lists = try #require(back.objectValue).values
        #expect(lists.allSatisfy { Self.isPooled($0) })
        #expect(try BinarySnapshot.encode(back) == bytes)
        Self.expectSameText(back, state)
        #expect(back.hashValue == state.hashValue)
        #expect(String(describing: back) == String(describing: state))
        // A slice keeps places, and the other values it names alone; a change turns the list into values.
        guard case .array(let first) = lists[0] else { return }
        let slice = first.subarray(1..<3)
        guard case .pooled(let slicePlaces) = slice.storage else {
            Issue.record("a slice not kept as places: \(slice)")
            return
        }
        #expect(slice.elementsEqual([long, "b"]) && slicePlaces.others.count == 1)
        #expect(first.subarray(2..<4).elementsEqual(["b", "c"]))
        var changed = first
        changed.append(7)
        #expect(changed.elementsEqual(Array(strings[..<1] + [long] + strings[1...]) + [7]))
    }

    @Test("flags and null take a place of their own: a list of them, or of optional strings, is kept as places with no other value")
    func flagsAndNull() throws {
        let cases: [StateValue] = [
            .array(StateArray((0..<50).map { .bool($0 % 3 == 0) })), .array(StateArray([.null, .null, .null, .null])),
            .array(StateArray((0..<50).map { $0 % 4 == 0 ? .null : .string(StateString("v\($0 % 5)")) })),
            .array(StateArray([true, "a", .null, false, "b", "a"])),
        ]
        let state = Self.members(cases)
        let bytes = try BinarySnapshot.encode(state)
        let back = try BinarySnapshot.decode(bytes)
        #expect(back == state)
        #expect(try BinarySnapshot.encode(back) == bytes)
        Self.expectSameText(back, state)
        #expect(back.hashValue == state.hashValue)
        for list in try #require(back.objectValue).values {
            guard case .array(let array) = list, case .pooled(let pooled) = array.storage else {
                Issue.record("not places: \(list)")
                continue
            }
            #expect(pooled.others.isEmpty)
            // Flags, `null` and a few labels: a byte an element (``PlaceList``).
            #expect(pooled.places.width == 1)
        }
        // A slice names the same flags; removing the last turns the list into values, equal.
        let flags = try #require(back["0"]?.arrayValue)
        #expect(flags.subarray(3..<7).elementsEqual([true, false, false, true]))
        var shorter = flags
        shorter.removeLast()
        #expect(shorter.elementsEqual((0..<49).map { .bool($0 % 3 == 0) }))
    }

    @Test("a list that begins with a number, holds a list or object, has more other scalars than strings and the slack, or is short and mixed, reads as values")
    func fallsBackToValues() throws {
        let strings: [StateValue] = ["a", "b", "c", "d", "e"]
        let cases: [StateValue] = [
            .array(StateArray([1] + strings)), .array(StateArray([2.5] + strings)),
            .array(StateArray(strings[..<3] + [["x", "y"]] + strings[3...])), .array(StateArray(strings + [["k": 1]])),
            .array(StateArray(["a"] + Array(repeating: 1, count: 10) + strings)), .array(StateArray(["a", 1, 2, 3, 4, 5, 6, 7])),
            // A short row: places would take more memory than values.
            .array(StateArray(["alice", "admin", 42, .null])),
            .array(StateArray(strings + [.array(StateArray(floats: [1, 2, 3, 4]))])),
        ]
        let state = Self.members(cases)
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(state))
        #expect(back == state)
        for list in try #require(back.objectValue).values {
            guard case .values? = Self.storage(list) else {
                Issue.record("not values: \(list)")
                continue
            }
        }
        // Too short to be packed: a short list, as before.
        let short = try BinarySnapshot.decode(try BinarySnapshot.encode(["s": ["a", "b", "c"]]))
        guard case .values? = Self.storage(short["s"]) else {
            Issue.record("a short list read as \(short)")
            return
        }
    }

    @Test("changing a list read as places turns it into values, and leaves every other copy as it was")
    func changesTurnIntoValues() throws {
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(Self.logs))
        let loaded = try #require(back["w3"]?.arrayValue)
        let expected = try #require(Self.logs["w3"]?.arrayValue)
        var changes: [(String, (inout StateArray) -> Void)] = [
            ("append", { $0.append("new") }), ("append a number", { $0.append(7) }), ("set", { $0[5] = "five" }),
            ("set a number", { $0[0] = 1.5 }), ("replace", { $0.replaceSubrange(2..<4, with: ["x"]) }), ("remove", { _ = $0.removeLast() }),
            ("append contents", { $0.append(contentsOf: ["p", "q"] as StateArray) }), ("reserve", { $0.reserveCapacity(1_000) }),
        ]
        changes.append(("modify in place", { array in
            if case .string(let string) = array[1] { array[1] = .string(StateString(string.displayString + "!")) }
        }))
        for (name, change) in changes {
            var changed = loaded
            var values = Array(expected)
            var reference = StateArray(values)
            change(&changed)
            change(&reference)
            values = Array(reference)
            guard case .values = changed.storage else {
                Issue.record("\(name): still places")
                continue
            }
            #expect(changed.elementsEqual(values), "\(name)")
            #expect(loaded.elementsEqual(expected), "\(name): the loaded list changed")
        }
        var grown = loaded
        grown.append(contentsOf: loaded)
        #expect(grown.count == 800 && grown[400] == expected[0])
        var empty = StateArray()
        empty.append(contentsOf: loaded)
        #expect(empty.elementsEqual(expected))
        var unchanged = loaded
        unchanged.append(contentsOf: StateArray())
        #expect(unchanged.elementsEqual(expected))
    }

    @Test("a list read as places keeps its form in a slice, and a delta between two such lists writes only what changed")
    func slicesAndDeltas() throws {
        let before = try BinarySnapshot.decode(try BinarySnapshot.encode(Self.logs))
        var lists = try #require(Self.logs.objectValue)
        lists["w0"] = .array(try #require(lists["w0"]?.arrayValue) + ["step 400 ok", "step 401 ok", "step 402 ok", "step 403 ok"])
        let bigger = StateValue.object(lists)
        let after = try BinarySnapshot.decode(try BinarySnapshot.encode(bigger))
        var delta = StateDelta()
        delta.appendChanges(from: before, to: after, at: [])
        #expect(delta.edits.count == 1)
        guard case .append(let path, .array(let tail))? = delta.edits.first else {
            Issue.record("not an append: \(delta.edits)")
            return
        }
        #expect(path == ["w0"])
        #expect(tail.elementsEqual(["step 400 ok", "step 401 ok", "step 402 ok", "step 403 ok"]))
        guard case .pooled = tail.storage else {
            Issue.record("the tail is not kept as places: \(tail)")
            return
        }
        var applied = before
        try delta.apply(to: &applied)
        #expect(applied == bigger)
        var unchanged = StateDelta()
        unchanged.appendChanges(from: before, to: try BinarySnapshot.decode(try BinarySnapshot.encode(Self.logs)), at: [])
        #expect(unchanged.edits.isEmpty)
    }

    /// Nothing writes the table once the reader has returned: this checks what the thread
    /// sanitizer sees (`.ci/run` runs this suite under it).
    @Test("lists read as places are read from many threads at once, and outlive the reader")
    func readFromManyThreads() async throws {
        let back = try BinarySnapshot.decode(try BinarySnapshot.encode(Self.logs))
        let expected = Self.logs
        let matches = await withTaskGroup(of: Bool.self) { group in
            for list in 0..<8 {
                group.addTask {
                    let key = StateString("w\(list)")
                    return back[key] == expected[key] && JSONWriter.write(back[key]!) == JSONWriter.write(expected[key]!)
                }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(matches)
    }
}
