import Foundation
import Testing

/// The JSON files in `Fixtures/`, written by Python's `json` module (`Scripts/generate-json-fixtures.py`).
enum Fixtures {
    static func bytes(_ name: String) throws -> [UInt8] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
