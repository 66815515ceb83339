import Glibc

/// Reads a file descriptor with `read(2)`.
public final class FileByteSource: ByteSource {
    /// The path shown in errors (`-` for standard input).
    public let path: String
    let fd: Int32
    let ownsDescriptor: Bool
    public private(set) var position = 0
    public let size: Int?
    /// Reading stops at this offset (a segment read up to its committed length), if set.
    var limit: Int?
    public var isGzip: Bool { false }

    /// Opens a file for reading.
    ///
    /// - Throws: ``LogonymIOError`` when the file is missing, unreadable or a directory.
    public init(path: String) throws(LogonymIOError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = errno
            close(fd)
            throw .system("stat", path: path, errno: error)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw LogonymIOError(code: .isDirectory, path: path, message: "is a directory", errno: EISDIR)
        }
        self.path = path
        self.fd = fd
        self.ownsDescriptor = true
        self.size = (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
    }

    /// Reads an already open descriptor (standard input); it is not closed.
    public init(descriptor: Int32, path: String) {
        self.path = path
        self.fd = descriptor
        self.ownsDescriptor = false
        var info = stat()
        self.size = fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// Moves reading to `offset` in the file (a regular file only).
    func seek(to offset: Int64) throws(LogonymIOError) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw .system("seek", path: path, errno: errno) }
        position = Int(offset)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        let count = limit.map { max(0, min(buffer.count, $0 - position)) } ?? buffer.count
        if count == 0 { return 0 }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, count)
            if n >= 0 {
                position += n
                return n
            }
            if errno == EINTR { continue }
            throw .system("read", path: path, errno: errno)
        }
    }
}

@available(*, unavailable)
extension FileByteSource: Sendable {}
