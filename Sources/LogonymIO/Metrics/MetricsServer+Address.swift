import Glibc

extension MetricsServer {
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

    /// A listening stream socket for the address: a Unix socket replaces a stale one and is made 0660; a TCP socket
    /// is bound with `SO_REUSEADDR`.
    static func bind(_ address: Address, backlog: Int32) throws(LogonymIOError) -> Int32 {
        switch address {
        case .unix(let path):
            let fd = try UnixSocket.bind(path, type: Int32(SOCK_STREAM.rawValue), mode: 0o660)
            guard Glibc.listen(fd, backlog) == 0 else {
                let error = errno
                close(fd)
                throw .system("listen", path: path, errno: error)
            }
            return fd
        case .tcp(let host, let port, let isIPv6):
            let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw .system("socket", path: "\(host):\(port)", errno: errno) }
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
            guard result == 0, Glibc.listen(fd, backlog) == 0 else {
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
