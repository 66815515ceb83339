import Glibc

/// A file descriptor written with `write(2)`: standard output, or a file written under a temporary name in the
/// same directory and renamed into place by ``finish()``.
public final class FileOutput {
    /// The path shown in errors (`-` for standard output).
    public let path: String
    let fd: Int32
    let temporaryPath: String?
    public private(set) var bytesWritten = 0
    private var closed = false
    private var synced = false

    /// Standard output.
    public init(standardOutput: Void = ()) {
        path = "-"
        fd = 1
        temporaryPath = nil
    }

    /// Creates `path`'s temporary sibling (`.NAME.logonym-RANDOM.tmp`, mode 0640, a new file: never one that exists). A path that exists and is not a
    /// regular file (`/dev/null`, `/dev/stdout`, a named pipe) is written directly: it is never replaced.
    ///
    /// - Throws: ``LogonymIOError`` when the directory is missing or not writable.
    public init(path: String) throws(LogonymIOError) {
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .system("open", path: path, errno: errno) }
            self.path = path
            self.fd = fd
            self.temporaryPath = nil
            return
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // A new file under a name nobody can guess, never one that is there already (a planted symlink would be
        // written through, and renamed into place as the output).
        var temporary = ""
        var fd: Int32 = -1
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 {
            let random = String(UInt64.random(in: 0 ... .max, using: &generator), radix: 16)
            temporary = "\(directory).\(name).logonym-\(random).tmp"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw .system("create", path: path, errno: errno) }
        self.path = path
        self.fd = fd
        self.temporaryPath = temporary
        Self.registerForCleanup(temporary)
    }

    deinit {
        if !closed && temporaryPath != nil { abandon() }
    }

    /// Writes all of `bytes`, retrying short writes.
    public func writeAll(_ bytes: [UInt8]) throws(LogonymIOError) {
        // (`withUnsafeBytes` rethrows untyped errors: the typed one comes out through a Result.)
        try bytes.withUnsafeBytes { raw in Result { () throws(LogonymIOError) in try writeAll(raw) } }.get()
    }

    /// Writes all of `raw`.
    public func writeAll(_ raw: UnsafeRawBufferPointer) throws(LogonymIOError) {
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .system("write", path: path, errno: errno)
            }
            offset += n
        }
        bytesWritten += raw.count
    }

    /// Makes the file durable and renames it into place, its directory synced (for standard output: nothing).
    ///
    /// - Parameter replacing: `false` never replaces what is at `path` by then, whatever it is (a file another
    ///   process made since this one was created, a dangling symlink): the file is linked to its name, which fails
    ///   if the name is taken, and its temporary name removed.
    public func finish(replacing: Bool = true) throws(LogonymIOError) {
        guard let temporaryPath, !closed else {
            if path != "-" && !closed {
                // A device or pipe written directly.
                closed = true
                close(fd)
            }
            return
        }
        try sync()
        closed = true
        close(fd)
        if replacing {
            if rename(temporaryPath, path) != 0 {
                let error = errno
                unlink(temporaryPath)
                throw .system("rename", path: path, errno: error)
            }
        } else {
            if link(temporaryPath, path) != 0 {
                let error = errno
                unlink(temporaryPath)
                Self.registerForCleanup(nil)
                throw .system("link", path: path, errno: error)
            }
            unlink(temporaryPath)
        }
        // The name too survives a power cut (an export's audit entry names it).
        DirectorySync.sync(parentOf: path)
        Self.registerForCleanup(nil)
    }

    /// Makes the temporary file durable before ``finish()`` gives it its name (`logonym export` records the file in
    /// the audit log in between). On failure the file is removed.
    public func sync() throws(LogonymIOError) {
        guard let temporaryPath, !closed, !synced else { return }
        if fsync(fd) != 0 {
            let error = errno
            closed = true
            close(fd)
            unlink(temporaryPath)
            Self.registerForCleanup(nil)
            throw .system("fsync", path: path, errno: error)
        }
        synced = true
    }

    /// Removes the temporary file.
    public func abandon() {
        guard let temporaryPath, !closed else { return }
        closed = true
        close(fd)
        unlink(temporaryPath)
        Self.registerForCleanup(nil)
    }

    /// The temporary file a signal handler removes on SIGINT or SIGTERM.
    nonisolated(unsafe) static var cleanupPath: UnsafeMutablePointer<CChar>?

    private static func registerForCleanup(_ path: String?) {
        let old = cleanupPath
        cleanupPath = path.map { strdup($0) }
        free(old)
    }

    /// Installs SIGINT/SIGTERM handlers that remove the temporary output before exiting with 130 or 143.
    public static func removeTemporaryFileOnSignals() {
        let handler: @convention(c) (Int32) -> Void = { signal in
            if let path = FileOutput.cleanupPath { unlink(path) }
            _exit(128 + signal)
        }
        Glibc.signal(SIGINT, handler)
        Glibc.signal(SIGTERM, handler)
    }
}

@available(*, unavailable)
extension FileOutput: Sendable {}

/// Plain output: blocks go straight to the file.
public final class PlainSink: OutputSink {
    let file: FileOutput

    public init(file: FileOutput) {
        self.file = file
    }

    public var bytesWritten: Int { file.bytesWritten }

    public func write(_ block: [UInt8]) throws(LogonymIOError) {
        try file.writeAll(block)
    }

    public func writeUnblocked(_ bytes: UnsafeRawBufferPointer) throws(LogonymIOError) -> Bool {
        try file.writeAll(bytes)
        return true
    }

    public func finish() throws(LogonymIOError) { try file.finish() }

    public func abandon() { file.abandon() }
}

@available(*, unavailable)
extension PlainSink: Sendable {}
