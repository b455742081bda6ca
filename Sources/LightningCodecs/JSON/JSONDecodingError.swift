/// Why a JSON text could not be read, and where.
///
/// The ``description`` is one line, `line:column: message`, with `line` and `column` counted
/// from 1 (the column in bytes). Tools prefix it with the file name.
public struct JSONDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The byte offset of the problem in the input.
    public let offset: Int
    /// The line of the problem, from 1.
    public let line: Int
    /// The column of the problem in bytes, from 1.
    public let column: Int
    /// What is wrong, e.g. `expected ':' after an object key`.
    public let message: String

    /// `line:column: message`, 1-based.
    public var description: String { "\(line):\(column): \(message)" }

    init(offset: Int, in input: UnsafeBufferPointer<UInt8>, message: String) {
        let clamped = min(max(offset, 0), input.count)
        var line = 1
        var lineStart = 0
        for index in 0..<clamped where input[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        self.offset = clamped
        self.line = line
        self.column = clamped - lineStart + 1
        self.message = message
    }
}
