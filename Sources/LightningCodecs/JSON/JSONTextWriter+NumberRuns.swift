import LightningState

extension JSONTextWriter {
    /// The stack buffer a run of numbers is gathered in before it is appended to the output.
    static let runBufferSize = 4_096

    /// Writes the elements from `start` (up to `end`) for as long as they are numbers, each after
    /// its separator and, when indenting, its new line at `level`; returns the index of the first
    /// element left unwritten (`start` itself when indentation is too deep for the buffer).
    ///
    /// Long arrays of numbers are the bulk of a float-heavy checkpoint: gathering their text on the
    /// stack costs one append per few hundred elements instead of three per element.
    mutating func writeNumberRun<Elements: RandomAccessCollection<StateValue>>(
        _ elements: Elements, from start: Int, to end: Int, level: Int
    ) -> Int where Elements.Index == Int {
        let indentWidth = options.indent.map { $0 * level }
        let itemLimit = 3 + (indentWidth ?? 0) + JSONNumberText.maximumLength
        guard itemLimit <= Self.runBufferSize else { return start }
        var index = start
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.runBufferSize) { buffer in
            let base = buffer.baseAddress!
            let limit = base + (Self.runBufferSize - itemLimit)
            var cursor = base
            run: while index < end {
                if cursor > limit {
                    output.append(contentsOf: UnsafeBufferPointer(start: base, count: cursor - base))
                    flushIfFull()
                    cursor = base
                }
                let element = elements[index]
                switch element {
                case .float, .int: break
                default: break run
                }
                if index > 0 {
                    cursor.pointee = UInt8(ascii: ",")
                    cursor += 1
                }
                if let indentWidth {
                    cursor.pointee = UInt8(ascii: "\n")
                    cursor.advanced(by: 1).update(repeating: UInt8(ascii: " "), count: indentWidth)
                    cursor += 1 + indentWidth
                } else if index > 0 {
                    cursor.pointee = UInt8(ascii: " ")
                    cursor += 1
                }
                switch element {
                case .float(let double): cursor += JSONNumberText.write(double, to: cursor)
                case .int(let integer): cursor += JSONNumberText.write(integer, to: cursor)
                default: preconditionFailure("only numbers reach here")
                }
                index += 1
            }
            output.append(contentsOf: UnsafeBufferPointer(start: base, count: cursor - base))
        }
        flushIfFull()
        return index
    }
}
