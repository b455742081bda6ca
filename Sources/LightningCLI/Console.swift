#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to the standard streams, shared by the tool and the app runner.
package enum Console {
    /// Writes `bytes` to standard output.
    package static func writeOutput(_ bytes: [UInt8]) { write(bytes, to: 1) }

    /// Writes `text` to standard error as it is.
    package static func writeError(_ text: String) { write(Array(text.utf8), to: 2) }

    /// Writes `line` and a newline to standard error, as one line (``oneLine(_:)``).
    package static func writeErrorLine(_ line: String) { write(Array((oneLine(line) + "\n").utf8), to: 2) }

    /// `line` with its control characters escaped as Swift writes them (`\n`, `\t`, `\u{1B}`): a
    /// message quoting a state's string (a key, a stage) stays one line, and sends the terminal no
    /// escape sequence.
    package static func oneLine(_ line: String) -> String {
        guard line.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return line }
        var escaped = ""
        for scalar in line.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                escaped += scalar.escaped(asASCII: true)
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func write(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                offset += count
            }
        }
    }
}

/// The C library's `write`, named apart from ``Console``'s own.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
    #elseif canImport(Darwin)
    Darwin.write(descriptor, buffer, count)
    #endif
}
