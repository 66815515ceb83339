import Glibc

/// Binding sockets: a Unix socket at a path (a stale one removed first, then the given mode), and bind(2) for any
/// address structure.
enum UnixSocket {
    /// - Parameter type: `SOCK_DGRAM` (syslog) or `SOCK_STREAM` (the metrics endpoint).
    static func bind(_ path: String, type: Int32, mode: mode_t) throws(LogonymIOError) -> Int32 {
        unlink(path)
        let fd = socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", path: path, errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw LogonymIOError(code: .openFailed, path: path, message: "the socket path is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let result = bind(fd, &address)
        guard result == 0 else {
            let error = errno
            close(fd)
            throw .system("bind", path: path, errno: error)
        }
        chmod(path, mode)
        return fd
    }

    /// bind(2) with any socket address structure.
    static func bind<Address>(_ fd: Int32, _ address: inout Address) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
    }
}
