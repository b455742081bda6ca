import Foundation

/// A fresh folder under the system's temporary folder, removed by ``remove()``.
public struct TemporaryFolder: Sendable {
    /// The folder's path.
    public let path: String

    /// - Parameter parent: The folder to make it in; the system's temporary folder when `nil`.
    public init(under parent: String? = nil) throws {
        let base = parent.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? NSTemporaryDirectory()
        path = base + "swift-lightning-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` inside the folder and returns the file's path.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = "\(path)/\(name)"
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// The names in `subfolder`, sorted.
    public func names(in subfolder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(path)/\(subfolder)")) ?? []).sorted()
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
