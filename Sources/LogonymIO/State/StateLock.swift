import Foundation
import Glibc

/// An advisory lock (flock) in `STATE/locks`, held for as long as the value lives.
///
/// `maintainer` is held by the daemon (`logonym run`): whoever holds it runs retention sweeps and `forget`
/// rewrites, so a command that cannot take it hands its work to the daemon. `input-NAME` is held by the process
/// writing that input's open segments; an open segment is rewritten only by the holder of its input's lock.
public final class StateLock {
    public let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Takes the lock `name` if nobody holds it; `nil` when another process does.
    public static func attempt(_ name: String, stateDirectory: String) throws -> StateLock? {
        let directory = stateDirectory + "/locks"
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw LogonymIOError.system("mkdir", path: directory, errno: errno)
        }
        let path = directory + "/" + name + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LogonymIOError.system("open", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return StateLock(path: path, fd: fd)
    }

    /// Takes the lock `name`, waiting up to `timeout` for another holder to let go.
    public static func acquire(_ name: String, stateDirectory: String, timeout: Duration) throws -> StateLock {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let lock = try attempt(name, stateDirectory: stateDirectory) { return lock }
            guard ContinuousClock.now < deadline else {
                throw LogonymIOError(
                    code: .locked,
                    path: stateDirectory + "/locks/" + name + ".lock",
                    message: "held by another logonym process (a running daemon, pipe or maintenance command)"
                )
            }
            usleep(50_000)
        }
    }

    /// The lock name for an input's open segments.
    public static func inputLockName(_ input: String) -> String { "input-" + input }
}

@available(*, unavailable)
extension StateLock: Sendable {}

/// The input locks a maintenance run takes as it meets open segments: an open segment may be rewritten or closed
/// only by the process that writes its input, or by anyone once nobody does. Locks taken are held until this
/// value is released.
public final class InputLocks {
    let stateDirectory: String
    /// Inputs this process writes itself.
    let owned: Set<String>
    private var taken: [String: StateLock?] = [:]

    public init(stateDirectory: String, owned: Set<String> = []) {
        self.stateDirectory = stateDirectory
        self.owned = owned
    }

    /// Whether this process may change the open segments of a source: an input, or a tenant's share of one
    /// (`TENANT/INPUT`, written by whoever writes the input).
    public func mayWrite(_ source: String) -> Bool {
        let input = source.lastIndex(of: "/").map { String(source[source.index(after: $0)...]) } ?? source
        if owned.contains(input) { return true }
        if let held = taken[input] { return held != nil }
        let lock = try? StateLock.attempt(StateLock.inputLockName(input), stateDirectory: stateDirectory)
        taken[input] = lock
        return lock != nil
    }
}

@available(*, unavailable)
extension InputLocks: Sendable {}
