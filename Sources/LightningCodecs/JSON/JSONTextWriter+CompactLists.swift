import LightningState

/// Writing the lists a snapshot reader keeps compact straight from where their elements are, as
/// the binary encoder does: a list of strings from its places in the table (``PooledStrings``), a
/// list of records from its columns (``Columns``: an int from its column of ints, a string from its
/// place), instead of building each element as a value first. The text is the same byte for byte.
extension JSONTextWriter {
    /// Writes the elements of `list` in `range` at `level`, as ``writeElements(_:in:level:)`` does.
    mutating func writeElements(_ list: PooledStrings, in range: Range<Int>, level: Int) {
        for position in range {
            if position > 0 { appendItemSeparator() }
            appendNewline(level: level)
            writeElement(of: list, at: position, level: level)
            flushIfFull()
        }
    }

    /// Writes element `position` of a list of strings, a value at `level`: a string of the table
    /// from its bytes there, without a copy of the string.
    @inline(__always)
    private mutating func writeElement(of list: PooledStrings, at position: Int, level: Int) {
        let wasString: Void? = list.withTableString(at: position) { appendString(wtf8: $0) }
        if wasString == nil { write(list[position], level: level) }
    }

    /// Writes the elements of `list` in `range` at `level`, as ``writeElements(_:in:level:)`` does.
    mutating func writeElements(_ list: Columns, in range: Range<Int>, level: Int) {
        let order = memberOrder(of: list)
        for position in range {
            if position > 0 { appendItemSeparator() }
            appendNewline(level: level)
            writeElement(of: list, at: position, order: order, level: level)
            flushIfFull()
        }
    }

    /// The order a list by column's members are written in, and that of each list by column among
    /// its columns, found once for all its elements.
    struct MemberOrder {
        /// With ``JSONWriter/Options/sortKeys``, the columns of a list of objects in their keys'
        /// sorted order; `nil` when members are written in the columns' own order.
        let sorted: [Int]?
        /// For each column that is a list by column, its own order.
        let columns: [MemberOrder?]
    }

    private func memberOrder(of list: Columns) -> MemberOrder {
        var sorted: [Int]?
        if options.sortKeys, case .keys(let keys, _) = list.shape { sorted = keys.indices.sorted { keys[$0] < keys[$1] } }
        return MemberOrder(sorted: sorted, columns: list.columns.map { column in
            if case .columns(let inner) = column.storage { memberOrder(of: inner) } else { nil }
        })
    }

    /// Writes element `position` of `list`, a container at `level`, its members in `order`.
    private mutating func writeElement(of list: Columns, at position: Int, order: MemberOrder, level: Int) {
        noteNesting(level + 1)
        let width = list.width(at: position)
        switch list.shape {
        case .keys(let keys, let presence):
            guard width > 0 else { return appendASCII("{}") }
            let mask = presence?[position] ?? UInt32.max
            output.append(UInt8(ascii: "{"))
            var first = true
            for index in list.columns.indices {
                let member = order.sorted?[index] ?? index
                guard mask & 1 << member != 0 else { continue }
                if !first { appendItemSeparator() }
                first = false
                appendNewline(level: level + 1)
                appendKey(keys[member])
                writeMember(of: list.columns[member], at: position, order: order.columns[member], level: level + 1)
            }
            appendNewline(level: level)
            output.append(UInt8(ascii: "}"))
        case .arrays:
            guard width > 0 else { return appendASCII("[]") }
            output.append(UInt8(ascii: "["))
            for member in 0..<width {
                if member > 0 { appendItemSeparator() }
                appendNewline(level: level + 1)
                writeMember(of: list.columns[member], at: position, order: order.columns[member], level: level + 1)
            }
            appendNewline(level: level)
            output.append(UInt8(ascii: "]"))
        }
    }

    /// Writes element `position` of a column, a value at `level`, from the column's own form
    /// (`order`: the column's own, when it is a list by column).
    private mutating func writeMember(of column: StateArray, at position: Int, order: MemberOrder?, level: Int) {
        switch column.storage {
        case .columns(let list): writeElement(of: list, at: position, order: order ?? memberOrder(of: list), level: level)
        case .pooled(let pooled): writeElement(of: pooled, at: position, level: level)
        case .ints(let ints): write(.int(ints[position]), level: level)
        case .narrowInts(let narrow): write(.int(narrow[position]), level: level)
        case .floats(let floats): write(.float(floats[position]), level: level)
        case .values(let values): write(values[position], level: level)
        }
    }
}
