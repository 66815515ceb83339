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
                throw Self.groupRefused(group, path: path, errno: errno)
            }
        }
        guard fchmod(fd, mode) == 0 else { throw .system("fchmod", path: path, errno: errno) }
    }

    /// Applies this access to an existing file without following a link (an older file, or one SQLite created).
    ///
    /// The file is reached through an `O_PATH` descriptor, never opened for reading: closing a descriptor opened for
    /// I/O drops every POSIX lock this process holds on the file, and SQLite's locks on `state.db`, its WAL and SHM
    /// are exactly that. A daemon that settled its database after opening it would otherwise lose them, and the next
    /// `stats` or `forget` to close its connection would checkpoint and delete the WAL the daemon still writes.
    func apply(toExisting path: String) throws(LogonymIOError) {
        let fd = open(path, Self.openPathOnly | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ELOOP { return }
            throw .system("open", path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return }
        if info.st_mode & 0o777 == mode && (group == nil || info.st_gid == group) { return }
        if let group, info.st_gid != group, fchownat(fd, "", uid_t.max, group, Self.emptyPath) != 0 {
            throw Self.groupRefused(group, path: path, errno: errno)
        }
        // An O_PATH descriptor takes no fchmod; its /proc link names the very file it holds. Without /proc the
        // path is used: the state directory is this user's and no one else's to swap a link into.
        if chmod("/proc/self/fd/\(fd)", mode) != 0 {
            guard errno == ENOENT, chmod(path, mode) == 0 else { throw .system("chmod", path: path, errno: errno) }
        }
    }

    /// Gives a file root just made in `directory` to the directory's owner: `sudo logonym ...` beside a daemon
    /// that runs as another user makes audit files and key files that daemon must go on using. Nothing happens
    /// for a process that is not root, or a file its directory's owner already owns.
    static func handToDirectoryOwner(_ fd: Int32, directory: String) {
        guard geteuid() == 0 else { return }
        var owner = stat()
        var file = stat()
        guard stat(directory, &owner) == 0, fstat(fd, &file) == 0, file.st_uid != owner.st_uid else { return }
        _ = fchown(fd, owner.st_uid, owner.st_gid)
    }

    /// Linux's `O_PATH` and `AT_EMPTY_PATH` (uapi `asm-generic/fcntl.h`, `linux/fcntl.h`; the same on x86-64 and
    /// arm64), which Glibc's module leaves out without `_GNU_SOURCE`.
    private static let openPathOnly: Int32 = 0o10_000_000
    private static let emptyPath: Int32 = 0x1000

    static func groupRefused(_ group: gid_t, path: String, errno error: Int32) -> LogonymIOError {
        LogonymIOError(
            code: .permissionDenied,
            path: path,
            message: "cannot hand the file to group \(group) (\(String(cString: strerror(error)))); "
                + "the user logonym runs as must be in that group",
            errno: error
        )
    }
}
