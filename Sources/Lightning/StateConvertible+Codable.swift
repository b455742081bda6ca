#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LightningCodecs
import LightningState

extension StateConvertible where Self: Codable {
    /// Decodes the value from its state through JSON.
    public init(state: StateValue) throws(StateConversionError) {
        let text = Data(JSONWriter.write(state))
        do {
            self = try JSONDecoder().decode(Self.self, from: text)
        } catch {
            throw StateConversionError(expected: "\(Self.self)", detail: "a value it cannot decode (\(error))")
        }
    }

    /// Encodes the value through JSON; a value that does not encode (a non-finite float) is `null`
    /// here, and fails a checkpoint (see ``checkpointState()``).
    public var stateValue: StateValue {
        (try? checkpointState()) ?? .null
    }

    /// Encodes the value through JSON.
    /// - Throws: ``StateConversionError`` when it does not encode: JSON holds no NaN or infinity.
    public func checkpointState() throws(StateConversionError) -> StateValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try JSONReader.read([UInt8](try encoder.encode(self)))
        } catch {
            throw StateConversionError(expected: "\(Self.self) to encode as JSON", detail: "\(error)")
        }
    }
}
