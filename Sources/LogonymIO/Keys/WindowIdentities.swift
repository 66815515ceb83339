import Foundation
import GRDB
public import LogonymCore

/// The age X25519 identities of `[output] encrypt = "window"`: one per window, in `STATE/keys` beside the window
/// keys (mode 0600, age's identity file format, named `1h-2026-11-27T10-3fa2c1d0.identity`), mirrored in the state
/// database's `identities` table and the audit log. A window's closed segments are encrypted to its identity, which
/// retention destroys when the window's output retention ends: from then on every copy of those segments, backups
/// included, is unreadable (crypto-shredding).
///
/// Made as the window keys are (temporary name, fsync, rename, directory fsync, under the `keys` lock) and destroyed
/// as they are (renamed out of use, overwritten, unlinked, the directory fsynced, then recorded).
public final class WindowIdentities {
    let directory: String
    let stateDirectory: String
    /// The tenant whose identities these are (`nil`: of a configuration without tenants): in `STATE/keys/TENANT`,
    /// their ids prefixed with the tenant's name, as the tenant's keys are.
    let tenant: String?
    let store: StateStore
    let audit: AuditLog
    /// Identities already read, by window.
    private var loaded: [KeyStore.KeyID: AgeIdentity] = [:]

    static let suffix = ".identity"

    /// A live identity file.
    public struct Live: Sendable {
        /// The id in the database and the audit log (with the tenant's name and a `/` before it).
        public var id: String
        public var tenant: String?
        public var window: WindowLength
        public var windowStart: Int64
        public var path: String
    }

    static func registerTable(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-identities") { db in
            try db.execute(
                sql: """
                    CREATE TABLE identities (
                        id TEXT PRIMARY KEY,
                        window_seconds INTEGER NOT NULL,
                        window_start INTEGER NOT NULL,
                        recipient TEXT NOT NULL,
                        created REAL NOT NULL,
                        destroyed REAL
                    );
                    """
            )
        }
    }

    /// Opens the identities of a state directory whose key store is open (the key directory exists and is
    /// checked); records destructions a crash interrupted (the file gone, the row not yet marked), and identities a
    /// crash left unrecorded (the file renamed into place, the row not yet written).
    public init(keys: KeyStore) throws {
        directory = keys.directory
        stateDirectory = keys.stateDirectory
        tenant = keys.tenant
        store = keys.store
        audit = keys.audit
        let live = Self.live(stateDirectory: stateDirectory, tenant: tenant)
        let onDisk = Set(live.map(\.id))
        // This directory's identities only: another tenant's are reconciled by its own store.
        let prefix = KeyStore.idPrefix(tenant)
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT id, destroyed FROM identities").map {
                (id: $0["id"] as String, destroyed: ($0["destroyed"] as Double?) != nil)
            }
        }.filter { tenant == nil ? !$0.id.contains("/") : $0.id.hasPrefix(prefix) }
        let recorded = rows.filter { !$0.destroyed }.map(\.id)
        let known = Set(rows.map(\.id))
        let gone = recorded.filter { !onDisk.contains($0) }
        let unrecorded = try live.filter { !known.contains($0.id) }.map { ($0, try Self.load($0.path)) }
        guard !gone.isEmpty || !unrecorded.isEmpty else { return }
        try store.write { db in
            for (entry, identity) in unrecorded {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO identities (id, window_seconds, window_start, recipient, created)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        entry.id, entry.window.seconds, entry.windowStart, identity.recipient.description,
                        Date().timeIntervalSince1970,
                    ]
                )
                var event = AuditEvent(
                    "identity_created",
                    keyID: entry.id,
                    window: entry.window.name(ofWindowStarting: entry.windowStart),
                    note: "recorded after a restart"
                )
                event.tenant = tenant
                try AuditLog.insert(event, into: db)
            }
            for id in gone {
                try db.execute(
                    sql: "UPDATE identities SET destroyed = ? WHERE id = ?",
                    arguments: [Date().timeIntervalSince1970, id]
                )
                var event = AuditEvent("identity_destroyed", keyID: id, note: "completed after a restart")
                event.tenant = tenant
                try AuditLog.insert(event, into: db)
            }
        }
        try audit.sync()
    }

    /// The identity of a window, made if there is none.
    public func identity(for id: KeyStore.KeyID) throws -> AgeIdentity {
        try identities(for: [id])[id]!
    }

    /// The identities of windows, those there are none of made: under one lock, in one transaction and one audit
    /// sync (a batch run closes all its windows at once).
    public func identities(for ids: [KeyStore.KeyID]) throws -> [KeyStore.KeyID: AgeIdentity] {
        var found: [KeyStore.KeyID: AgeIdentity] = [:]
        for id in ids { found[id] = loaded[id] }
        let wanted = Set(ids.filter { found[$0] == nil })
        guard !wanted.isEmpty else { return found }
        let lock = try StateLock.acquire("keys", stateDirectory: stateDirectory, timeout: .seconds(10))
        defer { withExtendedLifetime(lock) {} }
        for live in Self.live(stateDirectory: stateDirectory, tenant: tenant) {
            let id = KeyStore.KeyID(window: live.window, windowStart: live.windowStart)
            guard wanted.contains(id), found[id] == nil else { continue }
            found[id] = try Self.load(live.path)
        }
        var made: [(recorded: String, id: KeyStore.KeyID, identity: AgeIdentity)] = []
        for id in wanted where found[id] == nil {
            let identity = AgeIdentity()
            let name = "\(id)-\(SecureRandom.hex(4))"
            try KeyStore.installSecret(
                Array(identity.fileText(created: AuditEntry.timestamp(Date().timeIntervalSince1970)).utf8),
                name: name,
                suffix: Self.suffix,
                in: directory,
                syncDirectory: false
            )
            made.append((KeyStore.idPrefix(tenant) + name, id, identity))
            found[id] = identity
        }
        if !made.isEmpty {
            // Every new file's directory entry is durable before the database says it exists.
            DirectorySync.sync(directory)
            try store.write { db in
                for (recorded, id, identity) in made {
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO identities (id, window_seconds, window_start, recipient, created)
                            VALUES (?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            recorded, id.window.seconds, id.windowStart, identity.recipient.description,
                            Date().timeIntervalSince1970,
                        ]
                    )
                    var event = AuditEvent(
                        "identity_created",
                        keyID: recorded,
                        window: id.window.name(ofWindowStarting: id.windowStart)
                    )
                    event.note = "recipient \(identity.recipient)"
                    event.tenant = tenant
                    try AuditLog.insert(event, into: db)
                }
            }
            try audit.sync()
        }
        for id in ids { loaded[id] = found[id] }
        return found
    }

    /// Every live identity of a tenant (`nil`: of no tenant) in a state directory, oldest window first.
    public static func live(stateDirectory: String, tenant: String?) -> [Live] {
        let directory = KeyStore.directory(stateDirectory: stateDirectory, tenant: tenant)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> Live? in
            guard name.hasSuffix(suffix), !name.hasPrefix("."),
                let id = KeyStore.parse(String(name.dropLast(suffix.count)))
            else { return nil }
            return Live(
                id: KeyStore.idPrefix(tenant) + String(name.dropLast(suffix.count)),
                tenant: tenant,
                window: id.window,
                windowStart: id.windowStart,
                path: directory + "/" + name
            )
        }.sorted { ($0.windowStart, $0.id) < ($1.windowStart, $1.id) }
    }

    /// Every live identity of a state directory: those of no tenant, and every tenant's.
    public static func allLive(stateDirectory: String) -> [Live] {
        let root = KeyStore.directory(stateDirectory: stateDirectory, tenant: nil)
        let tenants = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter {
            var isDirectory: ObjCBool = false
            return TenantSettings.isValidName($0)
                && FileManager.default.fileExists(atPath: root + "/" + $0, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
        return ([nil] + tenants.sorted()).flatMap { live(stateDirectory: stateDirectory, tenant: $0) }
    }

    /// Reads an identity file of the key directory: mode 0600 or stricter, the user's or root's, not a link (as
    /// ``KeyFile/load(_:)`` checks). The bytes read are zeroed once parsed.
    public static func load(_ path: String) throws(KeyFile.Problem) -> AgeIdentity {
        var contents = try KeyFile.read(path, maximum: 4096)
        defer { contents.withUnsafeMutableBytes { explicit_bzero($0.baseAddress!, $0.count) } }
        do {
            guard let identity = try AgeIdentity.parseFile(String(decoding: contents, as: UTF8.self)).first else {
                throw AgeError(.invalidKey, "holds no age identity")
            }
            return identity
        } catch {
            throw KeyFile.Problem(path: path, message: "not an age identity file: \(error)")
        }
    }

    /// Overwrites, unlinks and forgets an identity; records it in the database and the audit log.
    public func destroy(_ identity: Live) throws {
        try KeyStore.shredOutOfUse(identity.path, id: identity.id, tenant: tenant, in: directory)
        CrashPoint.reach("identity-destroyed")
        let window = identity.window.name(ofWindowStarting: identity.windowStart)
        try store.write { db in
            try db.execute(
                sql: "UPDATE identities SET destroyed = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince1970, identity.id]
            )
            var event = AuditEvent("identity_destroyed", keyID: identity.id, window: window)
            event.tenant = tenant
            try AuditLog.insert(event, into: db)
        }
        try audit.sync()
        loaded[KeyStore.KeyID(window: identity.window, windowStart: identity.windowStart)] = nil
    }

    /// When the identity of the window named `window` was destroyed (seconds since the epoch), if it was.
    public static func destroyed(window: String, store: StateStore) throws -> Double? {
        try store.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT id, destroyed FROM identities WHERE destroyed IS NOT NULL ORDER BY destroyed DESC"
            )
            for row in rows {
                let recorded: String = row["id"]
                guard let id = KeyStore.parse(String(recorded.split(separator: "/").last ?? "")) else { continue }
                if id.window.name(ofWindowStarting: id.windowStart) == window { return row["destroyed"] as Double }
            }
            return nil
        }
    }
}

@available(*, unavailable)
extension WindowIdentities: Sendable {}

/// The identities that open encrypted segments: given ones (`cat --identity`), and a state directory's window
/// identities (those of the segment's window by its name, or all of them for a file named otherwise).
public struct SegmentKeys: Sendable {
    public var given: [AgeIdentity]
    public var stateDirectory: String?

    public init(given: [AgeIdentity] = [], stateDirectory: String? = nil) {
        self.given = given
        self.stateDirectory = stateDirectory
    }

    /// The window name a segment's file name starts with (`2026-11-27T10` of `2026-11-27T10.2.log.gz.age`).
    public static func windowName(ofSegment path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return String(name.prefix { $0 != "." })
    }

    /// The identities to try on the segment at `path`.
    public func identities(for path: String) throws(LogonymIOError) -> [AgeIdentity] {
        guard let stateDirectory else { return given }
        let live = WindowIdentities.allLive(stateDirectory: stateDirectory)
        let window = Self.windowName(ofSegment: path)
        let matching = live.filter { $0.window.name(ofWindowStarting: $0.windowStart) == window }
        var identities = given
        for identity in matching.isEmpty ? live : matching {
            do throws(KeyFile.Problem) {
                identities.append(try WindowIdentities.load(identity.path))
            } catch {
                throw LogonymIOError(code: .openFailed, path: error.path, message: error.message)
            }
        }
        return identities
    }
}
