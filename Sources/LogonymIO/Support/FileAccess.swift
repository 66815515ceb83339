import Glibc

/// Who may read a file logonym creates: its mode and, optionally, a group it is handed to.
///
/// Applied on the descriptor of the file just created, before any data is written, so neither the umask (the unit
/// sets `UMask=0077`) nor a moment with a wider mode changes what anyone can read.
struct FileAccess: Sendable, Equatable {
    /// The permission bits.
    var mode: mode_t
    /// The group the file is handed to (`nil`: the process's own); the process must belong to it or be root.
    var group: gid_t?

    init(mode: mode_t, group: gid_t? = nil) {
        self.mode = mode
        self.group = group
    }

    /// Output segments: 0640, to `output.group` when one is set.
    static func output(group: gid_t?) -> FileAccess { FileAccess(mode: 0o640, group: group) }
    /// `state.db` (and its WAL and SHM): 0600, or 0640 to `state.group` when one is set.
    static func state(group: gid_t?) -> FileAccess { FileAccess(mode: group == nil ? 0o600 : 0o640, group: group) }
    /// Audit files: 0600.
    static let ownerOnly = FileAccess(mode: 0o600)

    /// Gives the file open on `fd` this group (when it has another) and this mode.
    func apply(to fd: Int32, path: String) throws(LogonymIOError) {
        if let group {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw .system("fstat", path: path, errno: errno) }
            if info.st_gid != group && fchown(fd, uid_t.max, group) != 0 {
                let error = errno
                throw LogonymIOError(
                    code: .permissionDenied,
                    path: path,
                    message: "cannot hand the file to group \(group) (\(String(cString: strerror(error)))); "
                        + "the user logonym runs as must be in that group",
                    errno: error
                )
            }
        }
        guard fchmod(fd, mode) == 0 else { throw .system("fchmod", path: path, errno: errno) }
    }

    /// Applies this access to an existing file without following a link (an older file, or one SQLite created).
    func apply(toExisting path: String) throws(LogonymIOError) {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ELOOP { return }
            throw .system("open", path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return }
        if info.st_mode & 0o777 == mode && (group == nil || info.st_gid == group) { return }
        try apply(to: fd, path: path)
    }
}
