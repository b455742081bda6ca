import Foundation

/// The S3 server `Scripts/test.sh` starts for the tests, when there is one.
public enum S3TestEnvironment {
    public static let variables = ProcessInfo.processInfo.environment

    /// The bucket the tests may write to.
    public static var bucket: String? { variables["LIGHTNING_S3_TEST_BUCKET"] }

    /// Whether a server is there to test against.
    public static var isAvailable: Bool { bucket != nil && variables["AWS_ENDPOINT_URL"] != nil }

    /// Why the S3 tests were skipped.
    public static let skipReason = "no S3 server: Scripts/test.sh starts one (moto, with signature checking) and runs every test"

    /// The moto server program, for tests that start and stop a server of their own.
    public static var serverProgram: String? { variables["LIGHTNING_S3_TEST_SERVER"] }

    /// A prefix no other test uses.
    public static func uniquePrefix(_ label: String) -> String { "\(label)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// A free TCP port on the loopback interface.
    public static func freePort() -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
