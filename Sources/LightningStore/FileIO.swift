#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and crash-safe whole-file writes through the C library.
package enum FileIO {
    /// Reads the file at `path`: the whole file, or at most its first `maximumBytes`.
    package static func read(_ path: String, maximumBytes: Int = .max) throws(CheckpointStoreError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open", path: path, errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .system("stat", path: path, errno: errno) }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            throw CheckpointStoreError(path: path, problem: "is a directory, not a checkpoint file")
        }
        // Read into a buffer of exactly the size stat reports, then make sure that was the end: a
        // file that grew meanwhile is read on, a step at a time, up to `maximumBytes`.
        var bytes = [UInt8](repeating: 0, count: min(Int(status.st_size), maximumBytes))
        var filled = try readFully(descriptor, into: &bytes, from: 0, path: path)
        while filled == bytes.count && filled < maximumBytes {
            var more = [UInt8](repeating: 0, count: min(65_536, maximumBytes - filled))
            let count = try readFully(descriptor, into: &more, from: 0, path: path)
            if count == 0 { break }
            bytes += more[..<count]
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Reads into `buffer` from `offset` until it is full or the file ends; returns the bytes filled.
    private static func readFully(_ descriptor: Int32, into buffer: inout [UInt8], from offset: Int, path: String) throws(CheckpointStoreError) -> Int {
        var filled = offset
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("read", path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// Writes `bytes` to a new file at `path` so that a crash leaves either no file or the whole one.
    ///
    /// The bytes go to a hidden temporary file in the same folder, which is flushed to disk
    /// (`fsync`) and then linked to `path`, which must not exist yet; the folder is flushed last.
    /// On any failure the temporary file is removed and no existing file is touched.
    /// - Returns: `false` when `path` already exists (nothing is written then).
    package static func writeNew(_ bytes: [UInt8], to path: String) throws(CheckpointStoreError) -> Bool {
        try writeNew(chunks: [bytes], to: path)
    }

    /// Like ``writeNew(_:to:)``, for bytes given as consecutive chunks.
    package static func writeNew(chunks: [[UInt8]], to path: String) throws(CheckpointStoreError) -> Bool {
        let (folder, name) = split(path)
        let temporary = "\(folder)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("create", path: temporary, errno: errno) }
        var closed = false
        defer {
            if !closed { close(descriptor) }
            unlink(temporary)
        }
        for chunk in chunks {
            var written = 0
            while written < chunk.count {
                let count = chunk.withUnsafeBytes { buffer in
                    write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .system("write", path: path, errno: errno)
                }
                written += count
            }
        }
        guard fsync(descriptor) == 0 else { throw .system("fsync", path: path, errno: errno) }
        closed = true
        guard close(descriptor) == 0 else { throw .system("close", path: path, errno: errno) }
        // link() refuses to replace an existing file, unlike rename(): an earlier checkpoint is never overwritten.
        if link(temporary, path) != 0 {
            if errno == EEXIST { return false }
            throw .system("link", path: path, errno: errno)
        }
        try syncFolder(folder)
        return true
    }

    /// Creates `path` and its parents when missing.
    package static func createFolder(_ path: String) throws(CheckpointStoreError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/\(component)"
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw .system("mkdir", path: current, errno: errno)
            }
        }
    }

    /// The names in folder `path`; an empty list when the folder does not exist.
    package static func listFolder(_ path: String) throws(CheckpointStoreError) -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw .system("open folder", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The size of the file at `path`, or `nil` when it is not a regular file.
    package static func fileSize(_ path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    private static func syncFolder(_ folder: String) throws(CheckpointStoreError) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open folder", path: folder, errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .system("fsync folder", path: folder, errno: errno) }
    }

    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}

extension FileIO {
    /// Writes the bytes, given as consecutive chunks, to `path` atomically, replacing the file if
    /// it exists: for tool output and for compacting a snapshot in place (new checkpoints are
    /// written by ``writeNew(_:to:)``, which never replaces).
    package static func replace(_ path: String, chunks: [[UInt8]]) throws(CheckpointStoreError) {
        let (folder, name) = split(path)
        let staging = "\(folder)/.\(name).new-\(getpid())"
        unlink(staging)
        guard try writeNew(chunks: chunks, to: staging) else {
            throw CheckpointStoreError(path: staging, problem: "a file of that name appeared while writing")
        }
        guard rename(staging, path) == 0 else {
            let code = errno
            unlink(staging)
            throw .system("rename", path: path, errno: code)
        }
    }
}

extension FileIO {
    /// Removes the file at `path`, ignoring a missing file.
    package static func remove(_ path: String) {
        unlink(path)
    }
}

extension FileIO {
    /// Whether a process with this id exists.
    package static func processIsRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
