/// A plain-text table with padded columns.
struct Table {
    let header: [String]
    let rows: [[String]]
    /// Indices of the columns aligned to the right (numbers).
    let rightAligned: Set<Int>

    var rendered: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return rightAligned.contains(column) ? padding + row[column] : row[column] + padding
            }
            .joined(separator: "  ")
            .trailingSpacesRemoved
        }
        .joined(separator: "\n")
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
