import Glibc

/// Finds the log files under a directory: every regular file whose name ends in `.log`, `.log.gz` or `.log.gz.age`
/// (an encrypted segment), at any depth.
///
/// Symbolic links to files are followed; links to directories are not (so a loop cannot trap the walk).
public enum LogFileFinder: Sendable {
    /// The names that count as logs.
    public static let suffixes = [".log", ".log.gz", ".log.gz.age"]

    /// Whether `name` ends like a log file.
    public static func isLogName(_ name: String) -> Bool {
        suffixes.contains { name.hasSuffix($0) && name.count > $0.count }
    }

    /// Walks `directory` recursively.
    ///
    /// - Returns: the log files' paths, sorted, and an error for each directory that could not be read (the walk
    ///   goes on without it).
    public static func find(under directory: String) -> (files: [String], errors: [LogonymIOError]) {
        var files: [String] = []
        var errors: [LogonymIOError] = []
        var pending = [directory]
        while let current = pending.popLast() {
            guard let handle = opendir(current) else {
                errors.append(.system("open", path: current, errno: errno))
                continue
            }
            defer { closedir(handle) }
            let prefix = current.hasSuffix("/") ? current : current + "/"
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let path = prefix + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }  // gone since it was listed
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    pending.append(path)
                case S_IFREG:
                    if isLogName(name) { files.append(path) }
                case S_IFLNK:
                    if isLogName(name), stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG { files.append(path) }
                default:
                    break
                }
            }
        }
        files.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return (files, errors)
    }
}
