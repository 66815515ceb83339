import Glibc
public import LogonymCore

/// Reads a pseudonym key from a file, refusing files that group or others can read.
public enum KeyFile: Sendable {
    /// Why a key file was refused.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// The key file's path.
        public var path: String
        /// What is wrong and how to fix it; never the key.
        public var message: String

        public var description: String { "\(path): \(message)" }
    }

    /// Loads the key at `path`: 32 raw bytes or 64 hex characters, mode 0600 or stricter, owned by the user logonym
    /// runs as (or root), not a symbolic link (whoever can change a link chooses the key). The bytes read are zeroed
    /// once the key is made.
    public static func load(_ path: String) throws(Problem) -> PseudonymKey {
        var contents = try read(path, maximum: 129)
        defer { contents.withUnsafeMutableBytes { explicit_bzero($0.baseAddress!, $0.count) } }
        let n = contents.count
        guard let key = PseudonymKey(fileContents: contents) else {
            throw Problem(
                path: path,
                message:
                    "a key file must hold 32 raw bytes or 64 hex characters (found \(n) bytes); create one with '(umask 077 && head -c 32 /dev/urandom > \(path))'"
            )
        }
        return key
    }

    /// The first `maximum` bytes of a key file, after the checks of ``load(_:)``: a regular file, not a link, mode
    /// 0600 or stricter, the user's or root's. The caller zeroes them when done.
    static func read(_ path: String, maximum: Int) throws(Problem) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            let reason =
                errno == ENOENT
                ? "no such key file"
                : errno == ELOOP
                    ? "the key file is a symbolic link; give the path of the file itself"
                    : "cannot open the key file (\(String(cString: strerror(errno))))"
            throw Problem(path: path, message: reason)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw Problem(path: path, message: "the key file is not a regular file")
        }
        if info.st_mode & 0o077 != 0 {
            throw Problem(
                path: path,
                message:
                    "the key file can be read by group or others; run 'chmod 600 \(path)' (and keep it owned by the user logonym runs as)"
            )
        }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw Problem(
                path: path,
                message:
                    "the key file is owned by uid \(info.st_uid), not by the user logonym runs as (uid \(geteuid())) "
                    + "or root"
            )
        }
        var contents = [UInt8](repeating: 0, count: maximum)
        let n = contents.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else {
            contents.withUnsafeMutableBytes { explicit_bzero($0.baseAddress!, $0.count) }
            throw Problem(path: path, message: "cannot read the key file")
        }
        contents.removeLast(maximum - n)
        return contents
    }
}
