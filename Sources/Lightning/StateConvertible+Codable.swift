import Foundation
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

    /// Encodes the value through JSON; a value that does not encode (a non-finite float) is `null`.
    public var stateValue: StateValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self), let state = try? JSONReader.read([UInt8](data)) else { return .null }
        return state
    }
}
