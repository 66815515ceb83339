import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking stream socket to the daemon's metrics endpoint, for tests that need more control than curl gives:
/// partial requests, many idle connections, and seeing when the server closes.
final class RawConnection: Sendable {
    let fd: Int32

    /// Connects to `127.0.0.1:port`.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard fd >= 0, result == 0 else { throw Failure(operation: "connect to port \(port)", errno: errno) }
    }

    /// Connects to a Unix socket.
    init(unixPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path(unixPath).enumerated() { raw[i] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, result == 0 else { throw Failure(operation: "connect to \(unixPath)", errno: errno) }
        func path(_ text: String) -> [UInt8] { Array(text.utf8) }
    }

    deinit { close(fd) }

    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var errno: Int32
        var description: String { "\(operation): \(String(cString: strerror(errno)))" }
    }

    /// Sends all of `text`; false if the connection is gone.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads until the server closes the connection (or resets it), or until `timeout` passes without a byte.
    /// - Returns: the bytes read, and whether the server closed the connection.
    func readToEnd(timeout: Duration = .seconds(5)) -> (bytes: [UInt8], closed: Bool) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while waitReadable(timeout) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (bytes, true) }
            bytes += buffer.prefix(n)
        }
        return (bytes, false)
    }

    /// Reads one response whose length `Content-Length` gives, leaving the connection open.
    func readResponse(timeout: Duration = .seconds(5)) -> HTTPTestResponse? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while waitReadable(timeout) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            bytes += buffer.prefix(n)
            if let response = HTTPTestResponse(bytes), response.isComplete { return response }
        }
        return nil
    }

    /// Whether the server closes the connection within `timeout` (any bytes it sends first are dropped).
    func waitForClose(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            guard waitReadable(deadline - ContinuousClock.now) else { return false }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return true }
        }
        return false
    }

    /// Whether a byte or the end can be read within `timeout`.
    func waitReadable(_ timeout: Duration) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = max(0, Int32(timeout / .milliseconds(1)))
        return poll(&descriptor, 1, milliseconds) > 0
    }

    /// `GET path` on a new connection (`Connection: close`), with the time from connecting to the last byte.
    static func get(port: Int, _ path: String) throws -> (response: HTTPTestResponse?, latency: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let connection = try RawConnection(port: port)
        connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let (bytes, _) = connection.readToEnd()
        return (HTTPTestResponse(bytes), clock.now - start)
    }
}

/// A response as read off the wire: the status code, the headers (names lowercased) and the body.
struct HTTPTestResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    init?(_ bytes: [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        self.status = status
        headers = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        body = Array(bytes[(end + 4)...])
    }

    /// Whether the body is as long as `Content-Length` says.
    var isComplete: Bool { headers["content-length"].flatMap { Int($0) } == body.count }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}
