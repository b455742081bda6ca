import LightningState

extension TreeDecoder {
    /// Decodes the next element of a list into `column`, in the column's form when it can take the
    /// element as it is read: a number, a string of the table, an array for rows of arrays, an
    /// object for rows of objects. Anything else is decoded as ``decode()`` decodes it and handed
    /// over as a value. Either way the nodes counted, the limits checked and the errors thrown, at
    /// their offsets and in their order, are ``decode()``'s.
    mutating func decodeElement(into column: inout ColumnBuilder) throws(SnapshotError) {
        try countNode()
        try decodeCountedElement(into: &column)
    }

    /// Decodes the `count` elements of a list into `column`, as ``decodeElement(into:)`` does, a
    /// string kept as a place without leaving the loop (a list of log lines is millions of them).
    mutating func decodeElements(_ count: Int, into column: inout ColumnBuilder) throws(SnapshotError) {
        let string = SnapshotFormat.Tag.string.rawValue
        for _ in 0..<count {
            try countNode()
            if column.takes(.places), try tree.peek() == string {
                try decodeStringElement(into: &column)
            } else {
                try decodeCountedElement(into: &column)
            }
        }
    }

    /// ``decodeElement(into:)`` once the element's node is counted.
    private mutating func decodeCountedElement(into column: inout ColumnBuilder) throws(SnapshotError) {
        guard let rawTag = try tree.peek(), let tag = SnapshotFormat.Tag(rawValue: rawTag) else {
            // The end of the data, or an unknown tag: `decodeCounted` throws.
            return column.append(try decodeCounted())
        }
        switch tag {
        case .int where column.takes(.ints):
            _ = try tree.byte()
            column.appendInt(try tree.zigzag())
        case .float where column.takes(.floats):
            _ = try tree.byte()
            column.appendFloat(Double(bitPattern: try tree.littleEndian(UInt64.self)))
        case .string where column.takes(.places):
            try decodeStringElement(into: &column)
        case .array where column.takesArrays:
            try decodeRow(into: &column)
        case .packedInts where column.takesArrays, .packedFloats where column.takesArrays:
            try decodePackedRow(into: &column)
        case .object where column.takes(.rows):
            try decodeRecord(into: &column)
        default:
            column.append(try decodeCounted())
        }
    }

    /// A string, its tag next and its node counted, added to `column` as a place, or as another
    /// scalar when it is too long to be interned (or placed beyond what a place can name).
    /// - Precondition: `column.takes(.places)`.
    @inline(__always)
    private mutating func decodeStringElement(into column: inout ColumnBuilder) throws(SnapshotError) {
        _ = try tree.byte()
        let offset = tree.offset
        let reference = try tree.varint()
        let place: Int
        if reference & 1 == 0 {
            place = try checkedPlace(reference, at: offset)
        } else if let interned = try internLiteral(length: reference >> 1, at: offset) {
            place = interned
        } else {
            return column.append(.string(try decodeLiteral(length: reference >> 1, at: offset, asKey: false).string))
        }
        guard place < Int(PooledStrings.otherFlag) else { return column.append(.string(interned.entry(at: place).string)) }
        column.appendPlace(UInt32(place))
    }

    /// An array, its tag next and its node counted, added to `column` as a row when it is short
    /// enough, otherwise as a value.
    /// - Precondition: `column.takesArrays`.
    private mutating func decodeRow(into column: inout ColumnBuilder) throws(SnapshotError) {
        let tagOffset = tree.offset
        _ = try tree.byte()
        let length = try tree.count()
        try enter(at: tagOffset)
        defer { leave() }
        guard length <= Columns.maximumWidth, column.form == .empty || column.roomForMembers(length - column.members.count),
            column.builders.take(length - column.members.count)
        else {
            return column.append(.array(try decodeArray(length)))
        }
        column.prepareArray(length: length)
        for member in 0..<length { try decodeElement(into: &column.members[member]) }
        column.arrayAppended(length: length)
    }

    /// A packed array of ints or floats, its tag next and its node counted, read as any packed
    /// array is, then added to `column` as a row when it is short enough, otherwise as a value.
    /// - Precondition: `column.takesArrays`.
    private mutating func decodePackedRow(into column: inout ColumnBuilder) throws(SnapshotError) {
        let tagOffset = tree.offset
        let tag = SnapshotFormat.Tag(rawValue: try tree.byte())!
        // Not narrowed: a row is most often taken apart into the columns, which are.
        let numbers = try decodePacked(tag, at: tagOffset, narrowing: false)
        guard numbers.count <= Columns.maximumWidth, column.form == .empty || column.roomForMembers(numbers.count - column.members.count),
            column.builders.take(numbers.count - column.members.count)
        else {
            return column.append(.array(numbers))
        }
        column.prepareArray(length: numbers.count)
        for (member, number) in numbers.enumerated() { column.members[member].append(number) }
        column.arrayAppended(length: numbers.count)
    }

    /// An object, added to `column` as a row when it is one (the first, or one whose keys come in
    /// the rows' order, some left out, new ones among them), otherwise as a value, as
    /// ``decodeSmallObject(_:)`` and ``decodeLargeObject(_:)`` read it.
    /// - Precondition: `column.takes(.rows)`; the object's tag next, its node counted.
    private mutating func decodeRecord(into column: inout ColumnBuilder) throws(SnapshotError) {
        let tagOffset = tree.offset
        _ = try tree.byte()
        let count = try tree.count(unit: 2)
        try enter(at: tagOffset)
        defer { leave() }
        guard count <= Self.smallObject else { return column.append(.object(try decodeLargeObject(count))) }
        guard column.form == .rows else {
            guard column.builders.take(count) else { return column.append(.object(try decodeSmallObject(count))) }
            return try decodeFirstRecord(count, into: &column)
        }
        guard column.shape == .keys else { return column.append(.object(try decodeSmallObject(count))) }
        var present: UInt32 = 0
        var next = 0
        for _ in 0..<count {
            let offset = tree.offset
            let (string, hash, place) = try decodeString(asKey: true)
            // The key's member: the next one, or a later one when keys are left out.
            var member = next
            while member < column.keyPlaces.count, column.keyPlaces[member] != place { member += 1 }
            // A key of an earlier member this object has not held: put after the last read, when an order allows it.
            if member == column.keyPlaces.count, next > 0, let earlier = column.keyPlaces[..<(next - 1)].firstIndex(of: place),
                present & 1 << earlier == 0, let moved = column.reorder(putting: earlier, after: next - 1, present: &present)
            {
                member = moved
            }
            if member == column.keyPlaces.count {
                // Not after the last key read: a new key, added here, unless the rows have it (out of
                // order, again, or at another place in the table), it is not interned, or there are
                // too many. Then the record is finished as any object is, from its members so far.
                guard place >= 0, column.roomForMembers(1), !column.keys.contains(string), column.builders.take(1) else {
                    let first = stackedKeys.count
                    var values = column.takeObjectInProgress(present: present)
                    values.reserveCapacity(count)
                    for earlier in column.keys.indices where present & 1 << earlier != 0 {
                        stackedKeys.append(column.keys[earlier])
                        stackedKeyHashes.append(interned.entry(at: column.keyPlaces[earlier]).hash)
                        stackedKeyPlaces.append(column.keyPlaces[earlier])
                    }
                    let object = try finishSmallObject(count, values: &values, keysFrom: first, pending: (offset, string, hash, place))
                    return column.append(.object(object))
                }
                column.insertKey(string, place: place, at: next)
                member = next
            }
            try decodeElement(into: &column.members[member])
            present |= 1 << member
            next = member + 1
        }
        column.objectAppended(present: present)
    }

    /// The first object of a list: when its keys are all interned (and none repeats), the rows
    /// begin with it, their shape its keys; otherwise it is finished as any object is.
    private mutating func decodeFirstRecord(_ count: Int, into column: inout ColumnBuilder) throws(SnapshotError) {
        let first = stackedKeys.count
        defer {
            stackedKeys.removeSubrange(first...)
            stackedKeyHashes.removeSubrange(first...)
            stackedKeyPlaces.removeSubrange(first...)
        }
        var members: [ColumnBuilder] = []
        members.reserveCapacity(count)
        for member in 0..<count {
            let offset = tree.offset
            let (string, hash, place) = try decodeString(asKey: true)
            let repeated = (first..<stackedKeys.count).contains { stackedKeyHashes[$0] == hash && stackedKeys[$0] == string }
            guard place >= 0, !repeated else {
                var values = ContiguousArray<StateValue>()
                values.reserveCapacity(count)
                for earlier in 0..<member { values.append(members[earlier].removeLast()) }
                let object = try finishSmallObject(count, values: &values, keysFrom: first, pending: (offset, string, hash, place))
                return column.append(.object(object))
            }
            members.append(column.memberBuilder())
            try decodeElement(into: &members[member])
            stackedKeys.append(string)
            stackedKeyHashes.append(hash)
            stackedKeyPlaces.append(place)
        }
        let keys = shapes.keys(stackedKeys[first...], places: stackedKeyPlaces[first...])
        column.beginRows(keys: (keys, Array(stackedKeyPlaces[first...])), members: members)
    }
}
