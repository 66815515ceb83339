import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A small HTTP/1.1 endpoint on its own thread: `GET /metrics` (Prometheus text exposition) and `GET /stats` (the
/// current window as JSON), on a loopback TCP address or a Unix socket. One request per connection.
public final class MetricsServer: @unchecked Sendable {
    public let listen: String
    private let listener: Int32
    private let metrics: @Sendable () -> [UInt8]
    private let stats: @Sendable () -> [UInt8]
    private let stopped = NSLock()
    private var isStopped = false

    /// Where to listen: `unix:/run/logonym/metrics.sock`, `127.0.0.1:9464` or `[::1]:9464`.
    public enum Address: Equatable, Sendable {
        case unix(String)
        case tcp(host: String, port: UInt16, isIPv6: Bool)

        /// Parses a `listen` value; `nil` if it is none of the forms above.
        public init?(_ text: String) {
            if text.hasPrefix("unix:") {
                let path = String(text.dropFirst(5))
                guard !path.isEmpty else { return nil }
                self = .unix(path)
                return
            }
            guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
                return nil
            }
            var host = String(text[..<colon])
            let bracketed = host.hasPrefix("[") && host.hasSuffix("]")
            if bracketed { host = String(host.dropFirst().dropLast()) }
            guard let address = IPAddressText.parse(host) else { return nil }
            self = .tcp(host: host, port: port, isIPv6: address == 6)
        }

        /// Loopback addresses and Unix sockets are local; anything else needs `allow_remote`.
        public var isLocal: Bool {
            switch self {
            case .unix: return true
            case .tcp(let host, _, let isIPv6): return isIPv6 ? host == "::1" : host.hasPrefix("127.")
            }
        }
    }

    /// Binds the address (a non-local one only with `allowRemote`).
    public init(
        listen: String,
        allowRemote: Bool,
        metrics: @escaping @Sendable () -> [UInt8],
        stats: @escaping @Sendable () -> [UInt8]
    ) throws(LogonymIOError) {
        guard let address = Address(listen) else {
            throw LogonymIOError(code: .openFailed, path: listen, message: "not a listen address")
        }
        guard address.isLocal || allowRemote else {
            throw LogonymIOError(
                code: .permissionDenied,
                path: listen,
                message: "not a loopback address; set metrics.allow_remote = true to serve it to the network"
            )
        }
        self.listen = listen
        self.metrics = metrics
        self.stats = stats
        listener = try Self.bind(address)
    }

    /// Serves until ``stop()``.
    public func start() {
        let thread = Thread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    break
                }
                serve(client)
                close(client)
            }
        }
        thread.name = "logonym-metrics"
        thread.start()
    }

    /// Stops accepting and closes the socket.
    public func stop() {
        stopped.withLock {
            guard !isStopped else { return }
            isStopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192 {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            request += buffer.prefix(n)
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let (status, type, body): (String, String, [UInt8])
        if parts.count >= 2 && parts[0] != "GET" {
            (status, type, body) = ("405 Method Not Allowed", "text/plain", Array("only GET\n".utf8))
        } else if parts.count >= 2 && parts[1] == "/metrics" {
            (status, type, body) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics())
        } else if parts.count >= 2 && parts[1] == "/stats" {
            (status, type, body) = ("200 OK", "application/json", stats())
        } else {
            (status, type, body) = ("404 Not Found", "text/plain", Array("GET /metrics or /stats\n".utf8))
        }
        let head =
            "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let response = Array(head.utf8) + body
        var sent = 0
        while sent < response.count {
            let n = response.withUnsafeBytes {
                send(client, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 { break }
            sent += n
        }
    }

    private static func bind(_ address: Address) throws(LogonymIOError) -> Int32 {
        switch address {
        case .unix(let path):
            let fd = try UnixSocket.bind(path, type: Int32(SOCK_STREAM.rawValue), mode: 0o660)
            guard Glibc.listen(fd, 16) == 0 else {
                let error = errno
                close(fd)
                throw .system("listen", path: path, errno: error)
            }
            return fd
        case .tcp(let host, let port, let isIPv6):
            let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var on: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            let result: Int32
            if isIPv6 {
                var socketAddress = sockaddr_in6()
                socketAddress.sin6_family = sa_family_t(AF_INET6)
                socketAddress.sin6_port = port.bigEndian
                inet_pton(AF_INET6, host, &socketAddress.sin6_addr)
                result = UnixSocket.bind(fd, &socketAddress)
            } else {
                var socketAddress = sockaddr_in()
                socketAddress.sin_family = sa_family_t(AF_INET)
                socketAddress.sin_port = port.bigEndian
                inet_pton(AF_INET, host, &socketAddress.sin_addr)
                result = UnixSocket.bind(fd, &socketAddress)
            }
            guard result == 0, Glibc.listen(fd, 16) == 0 else {
                let error = errno
                close(fd)
                throw .system("bind", path: "\(host):\(port)", errno: error)
            }
            return fd
        }
    }
}

/// Which family a textual address is (4 or 6), for listen addresses.
enum IPAddressText {
    static func parse(_ host: String) -> Int? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return 4 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return 6 }
        return nil
    }
}
