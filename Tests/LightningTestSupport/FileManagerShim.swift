import Foundation

/// File moves for fault-injection tests.
public enum FileManagerShim {
    /// Moves folder `path` aside and puts a plain file in its place, so that writing into it fails.
    public static func swapFolderForFile(_ path: String) throws {
        try FileManager.default.moveItem(atPath: path, toPath: path + ".aside")
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Undoes ``swapFolderForFile(_:)``.
    public static func restoreFolder(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: path + ".aside", toPath: path)
    }
}
