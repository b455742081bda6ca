import Foundation
import Testing

/// The JSON files in `Fixtures/`, written by Python's `json` module (`Scripts/generate-json-fixtures.py`),
/// and `version1_floats.lsnap`, a snapshot of `version1_floats.json` written by this engine in format
/// version 1 (before version 2 laid the float planes over the whole stream), which must keep reading.
enum Fixtures {
    static func bytes(_ name: String) throws -> [UInt8] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
