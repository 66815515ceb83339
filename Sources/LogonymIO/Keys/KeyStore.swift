import Foundation
import GRDB
public import LogonymCore

/// The `ephemeral` window keys: one random key per window in `STATE/keys` (mode 0700), each in a file of mode
/// 0600 named by its key id (`1h-2026-11-27T10-3fa2c1d0.key`), mirrored in the state database's `keys` table.
///
/// With tenants, each tenant's keys live in a directory of their own, `STATE/keys/TENANT` (0700), and their ids in
/// the database and the audit log carry the tenant's name (`acme/1h-2026-11-27T10-3fa2c1d0`): one tenant's keys
/// are made, listed and destroyed apart from every other's.
///
/// A key is written under a temporary name, fsynced and renamed before it is used, so output is never committed
/// under a key that a restart would not find. Destroying one overwrites the file, unlinks it and fsyncs the
/// directory before the database and the audit log say it is gone.
public final class KeyStore {
    /// The key directory.
    public let directory: String
    let stateDirectory: String
    /// The tenant whose keys these are (`nil`: the keys of a configuration without tenants).
    public let tenant: String?
    let store: StateStore
    let audit: AuditLog
    /// Live keys by window length and start.
    private var live: [KeyID: String] = [:]

    /// A window key's identity: window length and start, plus a random suffix (a later key for the same window,
    /// made after the first was destroyed, has another id).
    public struct KeyID: Hashable, Sendable, CustomStringConvertible {
        public var window: WindowLength
        public var windowStart: Int64

        public var description: String { "\(window.rawValue)-\(window.name(ofWindowStarting: windowStart))" }
    }

    /// A live key as the retention sweep sees it.
    public struct LiveKey: Sendable {
        /// The id in the database and the audit log (with the tenant's name and a `/` before it).
        public var id: String
        public var window: WindowLength
        public var windowStart: Int64
        public var path: String
    }

    /// The key directory of a tenant (`nil`: of a configuration without tenants).
    public static func directory(stateDirectory: String, tenant: String?) -> String {
        stateDirectory + "/keys" + (tenant.map { "/" + $0 } ?? "")
    }

    /// What a key's id in the database starts with: the tenant's name and a `/`, or nothing.
    public static func idPrefix(_ tenant: String?) -> String { tenant.map { $0 + "/" } ?? "" }

    /// Opens (creating, mode 0700) the key directory; refuses one that group or others can read, or a key file
    /// that they can; reconciles the database with the files (after a crash between the two).
    public init(stateDirectory: String, tenant: String? = nil, store: StateStore, audit: AuditLog) throws {
        self.stateDirectory = stateDirectory
        self.tenant = tenant
        directory = Self.directory(stateDirectory: stateDirectory, tenant: tenant)
        self.store = store
        self.audit = audit
        for path in Set([Self.directory(stateDirectory: stateDirectory, tenant: nil), directory]).sorted() {
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw LogonymIOError.system("mkdir", path: path, errno: errno)
            }
        }
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw KeyFile.Problem(path: directory, message: "the key directory is not a directory")
        }
        if info.st_mode & 0o077 != 0 {
            throw KeyFile.Problem(
                path: directory,
                message:
                    "the key directory can be read by group or others; run 'chmod 700 \(directory)' (and keep it owned by the user logonym runs as)"
            )
        }
        let lock = try StateLock.acquire("keys", stateDirectory: stateDirectory, timeout: .seconds(10))
        defer { withExtendedLifetime(lock) {} }
        var onDisk: [String: (KeyID, String)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let path = directory + "/" + name
            if name.hasPrefix(".") && name.hasSuffix(".tmp") {
                // A key that was never renamed into place was never used.
                unlink(path)
                continue
            }
            if name.hasPrefix(".") && name.hasSuffix(".destroying") {
                // A destruction interrupted after the key was taken out of use: finished here (and recorded below).
                Self.shred(path)
                continue
            }
            guard name.hasSuffix(".key"), let id = Self.parse(String(name.dropLast(4))) else { continue }
            // A regular file only: a tenant's key directory is never taken for a key.
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if info.st_mode & 0o077 != 0 {
                throw KeyFile.Problem(
                    path: path,
                    message: "the key file can be read by group or others; run 'chmod 600 \(path)'"
                )
            }
            onDisk[String(name.dropLast(4))] = (id, path)
        }
        // This directory's keys only: another tenant's are reconciled by its own store.
        let prefix = Self.idPrefix(tenant)
        let recorded = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT id FROM keys WHERE destroyed IS NULL").map { $0["id"] as String }
        }.filter { tenant == nil ? !$0.contains("/") : $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        try store.write { db in
            for name in recorded where onDisk[name] == nil {
                try db.execute(
                    sql: "UPDATE keys SET destroyed = ? WHERE id = ?",
                    arguments: [Date().timeIntervalSince1970, prefix + name]
                )
                try AuditLog.insert(
                    keyEvent("key_destroyed", prefix + name, note: "completed after a restart"),
                    into: db
                )
            }
            for (name, (id, _)) in onDisk where !recorded.contains(name) {
                try Self.insertKey(prefix + name, id, into: db)
                try AuditLog.insert(keyEvent("key_created", prefix + name, window: id), into: db)
            }
        }
        try audit.sync()
        for (_, (id, path)) in onDisk { live[id] = path }
    }

    /// The key of a window, created if there is none (or only a destroyed one).
    public func key(for id: KeyID) throws -> PseudonymKey {
        if let path = live[id], access(path, F_OK) == 0 { return try KeyFile.load(path) }
        live[id] = nil
        // Another process (a `logonym pipe` next to the daemon) may have made it: look again under the lock.
        let lock = try StateLock.acquire("keys", stateDirectory: stateDirectory, timeout: .seconds(10))
        defer { withExtendedLifetime(lock) {} }
        if let path = Self.find(id, in: directory) {
            live[id] = path
            return try KeyFile.load(path)
        }
        let key = PseudonymKey.random()
        let name = "\(id)-\(SecureRandom.hex(4))"
        let path = directory + "/" + name + ".key"
        try Self.install(key, name: name, in: directory)
        try store.write { db in
            try Self.insertKey(Self.idPrefix(tenant) + name, id, into: db)
            try AuditLog.insert(keyEvent("key_created", Self.idPrefix(tenant) + name, window: id), into: db)
        }
        try audit.sync()
        live[id] = path
        return key
    }

    /// Writes a new key file `NAME.key` (0600, the key directory owner's) in the key directory.
    static func install(_ key: PseudonymKey, name: String, in directory: String) throws {
        try installSecret(key.bytes, name: name, suffix: ".key", in: directory)
    }

    /// Writes a secret file (a key, a window identity) `NAME` + `suffix`, 0600 and the key directory owner's: under a
    /// temporary name first (`.NAME.tmp`, removed at the next start if a crash leaves it), fsynced, renamed into
    /// place, the directory fsynced unless the caller syncs it once for several files.
    static func installSecret(
        _ contents: [UInt8],
        name: String,
        suffix: String,
        in directory: String,
        syncDirectory: Bool = true
    ) throws {
        let path = directory + "/" + name + suffix
        let temporary = directory + "/." + name + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LogonymIOError.system("create", path: temporary, errno: errno) }
        FileAccess.handToDirectoryOwner(fd, directory: directory)
        let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(fd) == 0 else {
            let error = errno
            close(fd)
            unlink(temporary)
            throw LogonymIOError.system("write", path: temporary, errno: error)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw LogonymIOError.system("rename", path: path, errno: errno) }
        if syncDirectory { DirectorySync.sync(directory) }
    }

    /// An audit entry about one of this store's keys (named by its id, with the tenant's name).
    private func keyEvent(_ event: String, _ id: String, window: KeyID? = nil, note: String? = nil) -> AuditEvent {
        var entry = AuditEvent(
            event,
            keyID: id,
            window: window.map { $0.window.name(ofWindowStarting: $0.windowStart) },
            note: note
        )
        entry.tenant = tenant
        return entry
    }

    /// The existing key of a window in a state directory, without creating one (`forget`).
    public static func existingKey(for id: KeyID, stateDirectory: String, tenant: String?) throws -> PseudonymKey? {
        try find(id, in: directory(stateDirectory: stateDirectory, tenant: tenant)).map { try KeyFile.load($0) }
    }

    /// The key file of a window, if there is one.
    static func find(_ id: KeyID, in directory: String) -> String? {
        let prefix = "\(id)-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.first { $0.hasPrefix(prefix) && $0.hasSuffix(".key") }.map { directory + "/" + $0 }
    }

    /// Every live key in a state directory, oldest window first.
    public static func liveKeys(stateDirectory: String, tenant: String?) -> [LiveKey] {
        let directory = directory(stateDirectory: stateDirectory, tenant: tenant)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> LiveKey? in
            guard name.hasSuffix(".key"), let id = parse(String(name.dropLast(4))),
                FileProbe.path(directory + "/" + name)?.isRegular == true
            else { return nil }
            return LiveKey(
                id: idPrefix(tenant) + String(name.dropLast(4)),
                window: id.window,
                windowStart: id.windowStart,
                path: directory + "/" + name
            )
        }.sorted { ($0.windowStart, $0.id) < ($1.windowStart, $1.id) }
    }

    /// Every live key of a state directory: those of no tenant, and every tenant's (configured or not).
    public static func allLiveKeys(stateDirectory: String) -> [LiveKey] {
        let root = directory(stateDirectory: stateDirectory, tenant: nil)
        let tenants = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter {
            TenantSettings.isValidName($0)
        }
        return ([nil] + tenants).flatMap { liveKeys(stateDirectory: stateDirectory, tenant: $0) }
    }

    /// Overwrites, unlinks and forgets a key; records it in the database and the audit log.
    ///
    /// The key is first renamed out of use (a process killed while overwriting it must not leave a file of zeros
    /// under the key's name, taken for a damaged key by the next start), then overwritten and unlinked.
    public func destroy(_ key: LiveKey) throws {
        try Self.shredOutOfUse(key.path, id: key.id, tenant: tenant, in: directory)
        CrashPoint.reach("key-destroyed")
        try store.write { db in
            try db.execute(
                sql: "UPDATE keys SET destroyed = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince1970, key.id]
            )
            try AuditLog.insert(
                keyEvent("key_destroyed", key.id, window: KeyID(window: key.window, windowStart: key.windowStart)),
                into: db
            )
        }
        try audit.sync()
        live[KeyID(window: key.window, windowStart: key.windowStart)] = nil
    }

    /// Renames a key or identity file out of use (`.NAME.destroying`, which the next start finishes shredding if a
    /// kill comes first), then overwrites and unlinks it, the directory fsynced after each step.
    static func shredOutOfUse(_ path: String, id: String, tenant: String?, in directory: String) throws {
        let doomed = directory + "/." + id.dropFirst(idPrefix(tenant).count) + ".destroying"
        if rename(path, doomed) != 0 && errno != ENOENT {
            throw LogonymIOError.system("rename", path: path, errno: errno)
        }
        DirectorySync.sync(directory)
        shred(doomed)
        DirectorySync.sync(directory)
    }

    /// Overwrites a key or identity file with zeros (its whole length, at least as many bytes as either key form
    /// holds) and unlinks it.
    static func shred(_ path: String) {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd >= 0 {
            var info = stat()
            let size = fstat(fd, &info) == 0 ? max(64, Int(info.st_size)) : 4096
            let zeros = [UInt8](repeating: 0, count: size)
            _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, size, 0) }
            fsync(fd)
            close(fd)
        }
        unlink(path)
    }

    private static func insertKey(_ name: String, _ id: KeyID, into db: Database) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO keys (id, window_seconds, window_start, created) VALUES (?, ?, ?, ?)",
            arguments: [name, id.window.seconds, id.windowStart, Date().timeIntervalSince1970]
        )
    }

    /// `1h-2026-11-27T10-3fa2c1d0` → its window.
    static func parse(_ name: String) -> KeyID? {
        guard let dash = name.firstIndex(of: "-"), let last = name.lastIndex(of: "-"), dash < last,
            let window = WindowLength(rawValue: String(name[..<dash])),
            let start = window.start(ofWindowNamed: String(name[name.index(after: dash)..<last]))
        else { return nil }
        return KeyID(window: window, windowStart: start)
    }
}

@available(*, unavailable)
extension KeyStore: Sendable {}
