import LightningState

/// Reads JSON text into a `StateValue` tree exactly as Python's `json.load` reads it.
///
/// It accepts what Python's reader accepts and nothing more: the bare `NaN`, `Infinity` and
/// `-Infinity` tokens, `\uXXXX` escapes with surrogate pairs and lone surrogates, raw UTF-8,
/// integers of any length up to Python's 4,300-digit limit; duplicate object keys keep the first
/// position and the last value. It rejects what Python rejects (control characters inside
/// strings, a byte-order mark, trailing data, malformed UTF-8), with the line and column.
///
/// ```swift
/// let state = try JSONReader.read(Array(#"{"vars": {"x": 1.0}}"#.utf8))
/// ```
public enum JSONReader {
    /// Limits on hostile input.
    public struct Options: Sendable, Hashable {
        /// The deepest nesting of arrays and objects accepted. Python's reader stops near 1,000.
        public var maxDepth: Int
        /// The most digits an integer literal may have. Python 3.11+ refuses more than 4,300, and
        /// so does every reader of this package (`StateBigInt.maximumDigits`): a larger value
        /// here does not raise that limit.
        public var maxIntegerDigits: Int

        /// Creates options; the defaults accept every file Python's reader accepts.
        public init(maxDepth: Int = 1_024, maxIntegerDigits: Int = StateBigInt.maximumDigits) {
            self.maxDepth = maxDepth
            self.maxIntegerDigits = maxIntegerDigits
        }
    }

    /// Reads one JSON value from `bytes`.
    /// - Throws: ``JSONDecodingError`` naming the line, column and problem.
    public static func read(_ bytes: [UInt8], options: Options = Options()) throws(JSONDecodingError) -> StateValue {
        var result: Result<StateValue, JSONDecodingError>!
        bytes.withUnsafeBytes { raw in result = Result { () throws(JSONDecodingError) in try read(raw, options: options) } }
        return try result.get()
    }

    /// Reads one JSON value from the bytes in `buffer`.
    /// - Throws: ``JSONDecodingError`` naming the line, column and problem.
    public static func read(_ buffer: UnsafeRawBufferPointer, options: Options = Options()) throws(JSONDecodingError) -> StateValue {
        var parser = JSONParser(input: buffer.bindMemory(to: UInt8.self), options: options)
        return try parser.parseDocument()
    }
}
