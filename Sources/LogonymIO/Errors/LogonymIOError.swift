import Glibc

/// An error reading an input or writing an output: a code, a sentence naming the path, and the OS error if any.
///
/// The message never quotes log content.
public struct LogonymIOError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case notFound, permissionDenied, isDirectory, readFailed, corruptGzip, truncatedGzip, trailingGarbage,
                writeFailed, openFailed, invalidDatabase, newerState, locked, unanswered, noIdentity, decryptFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The input does not exist.
        public static let notFound = Code(.notFound)
        /// The input or output cannot be opened for lack of permission.
        public static let permissionDenied = Code(.permissionDenied)
        /// The input is a directory.
        public static let isDirectory = Code(.isDirectory)
        /// A read failed.
        public static let readFailed = Code(.readFailed)
        /// A gzip input holds data zlib cannot decode.
        public static let corruptGzip = Code(.corruptGzip)
        /// A gzip input ends in the middle of a member.
        public static let truncatedGzip = Code(.truncatedGzip)
        /// A gzip input has bytes after its last member that are not another member.
        public static let trailingGarbage = Code(.trailingGarbage)
        /// Writing the output failed.
        public static let writeFailed = Code(.writeFailed)
        /// Opening a file failed for another reason.
        public static let openFailed = Code(.openFailed)
        /// A geolocation database is missing its structure or corrupt.
        public static let invalidDatabase = Code(.invalidDatabase)
        /// The state database was written by a newer logonym (a migration this one does not know).
        public static let newerState = Code(.newerState)
        /// Another logonym process holds a lock of the state directory that this one needs.
        public static let locked = Code(.locked)
        /// The daemon holds the `maintainer` lock but did not serve a request in time.
        public static let unanswered = Code(.unanswered)

        /// An encrypted (age) segment that none of the identities at hand opens (its window's identity was
        /// destroyed, or it was encrypted to other keys).
        public static let noIdentity = Code(.noIdentity)
        /// An encrypted (age) segment that is damaged, changed or cut short.
        public static let decryptFailed = Code(.decryptFailed)

        public var description: String { String(describing: value) }
    }

    /// The kind of failure.
    public var code: Code
    /// The path concerned (`-` for standard input or output).
    public var path: String
    /// A sentence saying what went wrong, without the path.
    public var message: String
    /// The `errno` value, when the OS reported one.
    public var errno: Int32?

    public init(code: Code, path: String, message: String, errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.errno = errno
    }

    /// The error for a failed system call on `path`.
    static func system(_ operation: String, path: String, errno: Int32) -> LogonymIOError {
        let code: Code
        let text: String
        switch errno {
        case ENOENT:
            code = .notFound
            text = "no such file or directory"
        case EACCES, EPERM:
            code = .permissionDenied
            text = "permission denied"
        case EISDIR:
            code = .isDirectory
            text = "is a directory"
        default:
            code = operation == "write" ? .writeFailed : (operation == "read" ? .readFailed : .openFailed)
            text = "\(operation) failed: \(String(cString: strerror(errno)))"
        }
        return LogonymIOError(code: code, path: path, message: text, errno: errno)
    }

    /// `path: message`, as the CLI prints it after `logonym: `.
    public var description: String { "\(path): \(message)" }
}
