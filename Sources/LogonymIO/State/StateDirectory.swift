import Foundation

/// A state directory opened for one process: created if needed, its locks taken, its state database opened with
/// interrupted rewrites completed, and its keys, audit log and retention (``Maintenance``) ready.
///
/// The daemon and `pipe` (``TailEngine``), `anonymize --window` and the maintenance commands (`retention`,
/// `forget`) all open their state directory here; they differ only in the locks they take (``Role``).
public final class StateDirectory {
    /// Which locks a process takes, and what it does when another process holds one.
    public enum Role: Sendable {
        /// Writes the segments of ``EngineSettings/inputs`` (the daemon, `pipe`): takes each input's lock, and
        /// `maintainer` too when it serves sweeps and requests (the daemon), waiting up to 30 seconds for another
        /// holder to let go.
        case engine(maintainer: Bool)
        /// `anonymize --window`: takes the lock of its one input (the source) at once, or fails with a
        /// ``LogonymIOError/Code/locked`` error naming it.
        case batch
        /// `retention` and `forget`: take `maintainer` when nobody holds it; otherwise open read only, beside the
        /// daemon that holds it (plans and dry runs here, the work by a request it serves).
        case maintenance
    }

    public let settings: EngineSettings
    public let store: StateStore
    /// Keys, audit log, retention and erasure of the directory.
    public let maintenance: Maintenance
    /// Whether this process holds the `maintainer` lock (and so may sweep and erase itself).
    public let isMaintainer: Bool
    /// Held for as long as this value lives, or until ``release()``.
    private var locks: [StateLock]

    /// Creates the directory if needed (with `state.group`), takes the role's locks, opens the state database and,
    /// unless read only, completes rewrites a crash interrupted; then opens the keys and audit log.
    public init(settings: EngineSettings, role: Role) throws {
        self.settings = settings
        let directory = settings.stateDirectory
        try StateStore.createDirectory(directory, group: settings.stateGroup)
        var locks: [StateLock] = []
        switch role {
        case .engine(let maintainer):
            let names = (maintainer ? ["maintainer"] : []) + settings.inputs.map { StateLock.inputLockName($0.name) }
            for name in names {
                locks.append(try StateLock.acquire(name, stateDirectory: directory, timeout: .seconds(30)))
            }
            isMaintainer = maintainer
        case .batch:
            for input in settings.inputs {
                guard let lock = try StateLock.attempt(StateLock.inputLockName(input.name), stateDirectory: directory)
                else {
                    throw LogonymIOError(
                        code: .locked,
                        path: directory,
                        message: "another logonym process writes source '\(input.name)'"
                    )
                }
                locks.append(lock)
            }
            isMaintainer = false
        case .maintenance:
            let lock = try StateLock.attempt("maintainer", stateDirectory: directory)
            locks = lock.map { [$0] } ?? []
            isMaintainer = lock != nil
        }
        self.locks = locks
        store = try StateStore(directory: directory, group: settings.stateGroup)
        let readOnly = role.isReadOnly(holdingMaintainer: isMaintainer)
        if !readOnly { try store.completeRewrites(window: settings.window) }
        maintenance = try Maintenance(settings: settings, store: store, readOnly: readOnly)
    }

    /// Lets go of the locks (at shutdown, before the next holder opens the directory).
    public func release() {
        locks.removeAll()
    }
}

extension StateDirectory.Role {
    /// Only a maintenance command beside a daemon opens read only.
    func isReadOnly(holdingMaintainer: Bool) -> Bool {
        if case .maintenance = self { return !holdingMaintainer }
        return false
    }
}

@available(*, unavailable)
extension StateDirectory: Sendable {}
