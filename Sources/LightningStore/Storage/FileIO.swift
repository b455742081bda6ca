#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and crash-safe writes of whole files through the C library: the primitives of ``LocalStorage``.
package enum FileIO {
    /// Reads the file at `path`: the whole file, or at most its first `maximumBytes`.
    package static func read(_ path: String, maximumBytes: Int = .max) throws(CheckpointStoreError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open", path: path, errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .system("stat", path: path, errno: errno) }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            throw CheckpointStoreError(path: path, problem: "is a directory, not a checkpoint file", code: .io(errno: EISDIR))
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

    /// Reads the bytes of `range` of the file at `path`, fewer when the file ends first.
    package static func read(_ path: String, range: Range<Int>) throws(CheckpointStoreError) -> [UInt8] {
        guard range.lowerBound > 0 else { return try read(path, maximumBytes: range.count) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open", path: path, errno: errno) }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: range.count)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, $0.count - filled, off_t(range.lowerBound + filled)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("read", path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Reads into `buffer` from `offset` until it is full or the file ends; returns the bytes filled.
    private static func readFully(_ descriptor: Int32, into buffer: inout [UInt8], from offset: Int, path: String) throws(CheckpointStoreError) -> Int {
        var filled = offset
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("read", path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// Writes the bytes, given as consecutive chunks, to a new file at `path` so that a crash leaves
    /// either no file or the whole one, and never replaces a file.
    ///
    /// The bytes go to a hidden temporary file in the same folder, which is flushed to disk
    /// (`fsync`) and then linked to `path`; the folder is flushed last. On any failure the temporary
    /// file is removed and no existing file is touched; a failed `fsync` is never retried on the
    /// same file (the kernel may have dropped the pages): a retry writes everything again.
    /// - Returns: `false` when `path` already exists (nothing is written then).
    package static func writeNew(chunks: [[UInt8]], to path: String) throws(CheckpointStoreError) -> Bool {
        let (folder, name) = split(path)
        let temporary = try writeTemporary(chunks: chunks, folder: folder, name: name, reportingAs: path)
        defer { unlink(temporary) }
        // link() refuses to replace an existing file, unlike rename(): an earlier checkpoint is never overwritten.
        if link(temporary, path) != 0 {
            if errno == EEXIST { return false }
            throw .system("link", path: path, errno: errno)
        }
        try syncFolder(folder)
        return true
    }

    /// Writes the bytes, given as consecutive chunks, to `path` atomically, replacing the file if it
    /// exists: a temporary file, `fsync`, `rename`, and an `fsync` of the folder.
    package static func replace(_ path: String, chunks: [[UInt8]]) throws(CheckpointStoreError) {
        let (folder, name) = split(path)
        let temporary = try writeTemporary(chunks: chunks, folder: folder, name: name, reportingAs: path)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .system("rename", path: path, errno: code)
        }
        try syncFolder(folder)
    }

    /// Writes a whole, flushed temporary file next to `name` in `folder` and returns its path.
    private static func writeTemporary(chunks: [[UInt8]], folder: String, name: String, reportingAs path: String) throws(CheckpointStoreError) -> String {
        let temporary = join(folder, TemporaryName.make(for: name))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("create", path: temporary, errno: errno) }
        var closed = false
        var finished = false
        defer {
            if !closed { close(descriptor) }
            if !finished { unlink(temporary) }
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
        finished = true
        return temporary
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
        guard let directory = opendir(path.isEmpty ? "." : path) else {
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

    /// Whether `path` is a folder.
    /// What is at `path` when it is there but is no regular file — `a folder`, `a device`, `a
    /// pipe`, `a socket`, `a symbolic link that leads in a loop` — or `nil`.
    package static func nonFileKind(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return errno == ELOOP ? "a symbolic link that leads in a loop" : nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFIFO: return "a pipe"
        case S_IFSOCK: return "a socket"
        default: return "something other than a file"
        }
    }

    package static func isFolder(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    /// Removes the file at `path`; a missing file is not an error.
    package static func remove(_ path: String) throws(CheckpointStoreError) {
        if unlink(path) != 0 && errno != ENOENT { throw .system("remove", path: path, errno: errno) }
    }

    private static func syncFolder(_ folder: String) throws(CheckpointStoreError) {
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open folder", path: folder, errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .system("fsync folder", path: folder, errno: errno) }
    }

    /// The folder and the name of `path`; the folder is empty for a bare name.
    package static func split(_ path: String) -> (folder: String, name: String) { StorageKey.split(path) }

    /// `folder/name`, or `name` alone when `folder` is empty.
    package static func join(_ folder: String, _ name: String) -> String { StorageKey.join(folder, name) }
}

extension FileIO {
    /// Whether a process with this id exists on this machine.
    package static func processIsRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// This process's id.
    package static func processID() -> Int32 { getpid() }

    /// This machine's host name.
    package static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The names of temporary files: `.<name>.tmp-<pid>-<random>-<host>`, so that clean-up can tell a
/// dead process's leftover from a live writer's file, on this machine or another sharing the folder.
package enum TemporaryName {
    static let marker = ".tmp-"

    package static func make(for name: String, identity: WriterIdentity = .current) -> String {
        ".\(name)\(marker)\(identity.pid)-\(UInt32.random(in: 0...UInt32.max))-\(identity.host)"
    }

    /// The writer of a temporary file's name; `nil` when the name is not a temporary file's.
    package static func writer(of fileName: some StringProtocol) -> WriterIdentity? {
        // The name part is a checkpoint file name, which never holds the marker: its first occurrence ends it.
        let text = Substring(fileName)
        guard text.hasPrefix("."),
            let start = text.indices.first(where: { text[$0...].hasPrefix(marker) })
        else { return nil }
        let parts = text[text.index(start, offsetBy: marker.count)...].split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = Int32(parts[0]), UInt32(parts[1]) != nil, !parts[2].isEmpty else { return nil }
        return WriterIdentity(host: String(parts[2]), pid: pid)
    }
}

/// The C library's `read`, named apart from the methods called `read` here.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #elseif canImport(Darwin)
    Darwin.read(descriptor, buffer, count)
    #endif
}
