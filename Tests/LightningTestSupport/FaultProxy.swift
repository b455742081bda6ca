import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let noSignal = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
private let noSignal: Int32 = 0  // SO_NOSIGPIPE is set on each socket instead
#endif

/// A TCP proxy between an HTTP client and a server on this machine that injects network faults
/// into chosen requests: connections reset in the middle of a request or of an answer, answers
/// stalled, cut short, lost after the server acted, sent slowly, never sent, or error answers
/// made up without asking the server.
///
/// Every exchange is one request on one connection (`Connection: close` both ways), so a fault
/// hits exactly the request it was meant for. Requests that no fault matches are forwarded as
/// they are. Threads are the proxy's own; every socket has a timeout, and ``stop()`` (which must
/// be called: the accepting thread keeps the proxy alive) ends them.
///
/// ```swift
/// let proxy = try FaultProxy(upstream: "http://127.0.0.1:5000")
/// proxy.inject(.loseAnswer) { $0.method == "PUT" && $0.path.hasSuffix("/.writer-lease") }
/// // point the client at proxy.endpoint
/// ```
public final class FaultProxy: Sendable {
    /// What a request looked like, for choosing the ones a fault hits.
    public struct Request: Sendable {
        public let method: String
        /// The path, without the query.
        public let path: String
        /// The query, without the `?`.
        public let query: String
        /// Header names lower-cased.
        public let headers: [String: String]
    }

    /// What the proxy does to a request a fault matches.
    public enum Fault: Sendable, CustomStringConvertible {
        /// Reads the head and half of the body, then resets the connection: nothing reaches the server.
        case resetRequest
        /// The server answers; the client gets half of the answer, then a reset.
        case resetResponse
        /// The server answers; the client gets the head and half of the body, then the connection closes.
        case cutBody
        /// The server answers after this many seconds more.
        case stall(Double)
        /// The proxy answers this status and S3 error code itself; the server sees nothing.
        case status(Int, code: String)
        /// The server acts and answers; the client gets a reset instead of the answer.
        case loseAnswer
        /// The request and the answer move at this many bytes per second.
        case slow(bytesPerSecond: Int)
        /// The request is read and never answered, until the client gives up.
        case silent

        public var description: String {
            switch self {
            case .resetRequest: "reset request"
            case .resetResponse: "reset response"
            case .cutBody: "cut body"
            case .stall(let seconds): "stall \(seconds) s"
            case .status(let status, let code): "\(status) \(code)"
            case .loseAnswer: "lose answer"
            case .slow(let rate): "slow \(rate) B/s"
            case .silent: "silent"
            }
        }
    }

    private struct Rule {
        var fault: Fault
        var remaining: Int
        var matches: @Sendable (Request) -> Bool
    }

    private struct State {
        var rules: [Rule] = []
        var seen: [String] = []
        var sockets: Set<Int32> = []
        var stopped = false
    }

    private let upstreamPort: UInt16
    private let listener: Int32
    /// The proxy's address, `http://127.0.0.1:<port>`, for the client's endpoint.
    public let endpoint: String
    private let state = Mutex(State())

    /// Starts a proxy on a free loopback port in front of `upstream` (`http://127.0.0.1:<port>`).
    public init(upstream: String) throws {
        guard let port = URL(string: upstream)?.port.flatMap(UInt16.init(exactly:)) else {
            throw POSIXError(.EINVAL)
        }
        upstreamPort = port
        let listening = socket(AF_INET, streamSocket, 0)
        var yes: Int32 = 1
        setsockopt(listening, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) } }
        guard bound == 0, listen(listening, 64) == 0 else {
            close(listening)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) } }
        listener = listening
        endpoint = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Applies `fault` to the next `times` requests that `matches` accepts.
    public func inject(_ fault: Fault, times: Int = 1, when matches: @escaping @Sendable (Request) -> Bool) {
        state.withLock { $0.rules.append(Rule(fault: fault, remaining: times, matches: matches)) }
    }

    /// Drops every fault not yet applied.
    public func clear() {
        state.withLock { $0.rules.removeAll() }
    }

    /// Each request so far: `PUT /bucket/key?query`, then ` [fault]` when one was applied.
    public var seen: [String] { state.withLock { $0.seen } }

    /// Stops accepting and ends every exchange in progress. Sockets are shut down under the lock
    /// that their threads close them under, so no descriptor is touched after it was reused.
    public func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            shutdown(listener, Int32(SHUT_RDWR))  // the accepting thread closes it
            for socket in state.sockets { shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    // MARK: - Connections

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !isStopped {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            guard track(client) else { return }
            Thread.detachNewThread { [self] in
                exchange(client)
                untrack(client)
            }
        }
    }

    private func track(_ socket: Int32) -> Bool {
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #if canImport(Darwin)
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let accepted = state.withLock { state in
            guard !state.stopped else { return false }
            state.sockets.insert(socket)
            return true
        }
        if !accepted { close(socket) }
        return accepted
    }

    private func untrack(_ socket: Int32) {
        state.withLock { state in
            state.sockets.remove(socket)
            close(socket)
        }
    }

    /// Makes the coming close of `socket` a reset rather than an orderly end.
    private func reset(_ socket: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    /// One request and its answer, faults applied.
    private func exchange(_ client: Int32) {
        var buffer: [UInt8] = []
        guard let headEnd = readHead(client, into: &buffer), let request = Self.parse(Array(buffer[..<headEnd])) else { return }
        let bodyLength = request.headers["content-length"].flatMap(Int.init) ?? 0
        let fault: Fault? = state.withLock { state in
            guard let index = state.rules.firstIndex(where: { $0.remaining > 0 && $0.matches(request) }) else { return nil }
            state.rules[index].remaining -= 1
            return state.rules[index].fault
        }
        state.withLock { $0.seen.append("\(request.method) \(request.path)\(request.query.isEmpty ? "" : "?\(request.query)")\(fault.map { " [\($0)]" } ?? "")") }
        var rate: Int?
        if case .slow(let bytesPerSecond) = fault { rate = bytesPerSecond }
        if case .resetRequest = fault {
            _ = readBody(client, into: &buffer, until: headEnd + bodyLength / 2, rate: nil)
            return reset(client)
        }
        guard readBody(client, into: &buffer, until: headEnd + bodyLength, rate: rate) else { return }
        if case .status(let status, let code) = fault {
            let body = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>injected by the test proxy</Message></Error>".utf8)
            let head = "HTTP/1.1 \(status) Injected\r\nContent-Type: application/xml\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            _ = write(client, Array(head.utf8) + body, rate: nil)
            return
        }
        if case .silent = fault {
            // Until the client gives up (or the proxy stops): a read that returns 0 or fails.
            var byte: UInt8 = 0
            while !isStopped, recv(client, &byte, 1, 0) > 0 {}
            return
        }
        let forwarded = Self.closingConnection(Array(buffer[..<headEnd])) + buffer[headEnd...]
        guard let answer = forward(forwarded) else { return reset(client) }
        let answerHead = Self.headEnd(of: answer) ?? answer.count
        let reply = Self.closingConnection(Array(answer[..<answerHead])) + answer[answerHead...]
        let replyHead = reply.count - (answer.count - answerHead)
        switch fault {
        case .loseAnswer?:
            reset(client)
        case .resetResponse?:
            _ = write(client, Array(reply[..<(reply.count / 2)]), rate: nil)
            reset(client)
        case .cutBody?:
            _ = write(client, Array(reply[..<(replyHead + (reply.count - replyHead) / 2)]), rate: nil)
        case .stall(let seconds)?:
            let until = Date().addingTimeInterval(seconds)
            while !isStopped, Date() < until { Thread.sleep(forTimeInterval: 0.05) }
            _ = write(client, reply, rate: nil)
        default:
            _ = write(client, reply, rate: rate)
        }
    }

    /// Sends `request` to the server and reads its whole answer (the server closes after it).
    private func forward(_ request: [UInt8]) -> [UInt8]? {
        let server = socket(AF_INET, streamSocket, 0)
        guard server >= 0 else { return nil }
        guard track(server) else { return nil }
        defer { untrack(server) }
        var address = Self.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0, write(server, request, rate: nil) else { return nil }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(server, &chunk, chunk.count, 0)
            if count == 0 { return answer }
            if count < 0 {
                if errno == EINTR { continue }
                return answer.isEmpty ? nil : answer
            }
            answer += chunk[..<count]
        }
    }

    // MARK: - Bytes

    private func readHead(_ socket: Int32, into buffer: inout [UInt8]) -> Int? {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            if let end = Self.headEnd(of: buffer) { return end }
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            buffer += chunk[..<count]
        }
    }

    /// Reads until `buffer` holds `total` bytes, at `rate` bytes per second when given.
    private func readBody(_ socket: Int32, into buffer: inout [UInt8], until total: Int, rate: Int?) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while buffer.count < total {
            let wanted = min(chunk.count, total - buffer.count, rate.map { max($0 / 10, 1) } ?? .max)
            let count = recv(socket, &chunk, wanted, 0)
            guard count > 0 else { return false }
            buffer += chunk[..<count]
            if rate != nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        return true
    }

    /// Writes all of `bytes`, at `rate` bytes per second when given; `false` when the peer went away.
    private func write(_ socket: Int32, _ bytes: [UInt8], rate: Int?) -> Bool {
        var offset = 0
        while offset < bytes.count {
            if isStopped { return false }
            let size = min(bytes.count - offset, rate.map { max($0 / 10, 1) } ?? .max)
            let sent = bytes[offset..<(offset + size)].withUnsafeBytes { send(socket, $0.baseAddress, size, noSignal) }
            guard sent > 0 else { return false }
            offset += sent
            if rate != nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        return true
    }

    private static func headEnd(of bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    private static func parse(_ head: [UInt8]) -> Request? {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let start = lines[0].split(separator: " ")
        guard start.count >= 2 else { return nil }
        let target = start[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Request(method: String(start[0]), path: String(target[0]), query: target.count > 1 ? String(target[1]) : "", headers: headers)
    }

    /// The head with its `Connection` header replaced by `Connection: close`.
    private static func closingConnection(_ head: [UInt8]) -> [UInt8] {
        var lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        lines.removeAll { $0.lowercased().hasPrefix("connection:") }
        lines.append("Connection: close")
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }
}
