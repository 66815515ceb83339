import Foundation
import GRDB
public import LogonymCore

/// The right to object: the addresses whose lines are no longer processed, kept as keyed hashes
/// (``ObjectionFilter``) under a long-lived key of the state directory (`keys/objections.key`, made by the first
/// objection). The hashes are in the state database (`objections`), with when each was made and until when it
/// holds; never an address.
///
/// With tenants, an objection is to one tenant's processing (`object --tenant`), or to every tenant's: each tenant's
/// filter holds its own and those of every tenant (the `tenant` column: its name, or empty for every tenant).
public struct Objections {
    public let store: StateStore
    public let stateDirectory: String
    /// The tenant whose objections these are: added, withdrawn and listed for it, and filtered with every tenant's
    /// (`nil`: a configuration without tenants, or objections to every tenant).
    public let tenant: String?

    public init(store: StateStore, stateDirectory: String, tenant: String? = nil) {
        self.store = store
        self.stateDirectory = stateDirectory
        self.tenant = tenant
    }

    /// The `tenant` column's value for this tenant.
    private var column: String { tenant ?? "" }

    /// Version 7 of the state: the objections.
    static func registerTable(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-objections") { db in
            try db.execute(
                sql: "CREATE TABLE objections (hash BLOB PRIMARY KEY, created REAL NOT NULL, until REAL)"
            )
        }
        // Version 8: an objection is to one tenant's processing, or to every tenant's (empty).
        migrator.registerMigration("v8-objection-tenants") { db in
            try db.execute(
                sql: """
                    CREATE TABLE objections_by_tenant (
                        hash BLOB NOT NULL, tenant TEXT NOT NULL DEFAULT '', created REAL NOT NULL, until REAL,
                        PRIMARY KEY (hash, tenant)
                    );
                    INSERT INTO objections_by_tenant (hash, tenant, created, until)
                        SELECT hash, '', created, until FROM objections;
                    DROP TABLE objections;
                    ALTER TABLE objections_by_tenant RENAME TO objections;
                    """
            )
        }
    }

    static let keyName = "objections"
    var keyPath: String { stateDirectory + "/keys/" + Self.keyName + ".key" }

    /// The key, made when `create` and there is none yet; `nil` when there is none.
    func key(create: Bool) throws -> [UInt8]? {
        if access(keyPath, F_OK) == 0 { return try KeyFile.load(keyPath).bytes }
        guard create else { return nil }
        let lock = try StateLock.acquire("keys", stateDirectory: stateDirectory, timeout: .seconds(10))
        defer { withExtendedLifetime(lock) {} }
        if access(keyPath, F_OK) != 0 {
            try KeyStore.install(PseudonymKey.random(), name: Self.keyName, in: stateDirectory + "/keys")
        }
        return try KeyFile.load(keyPath).bytes
    }

    /// The objections in force at `now` (epoch seconds), or `nil` when there are none.
    public func filter(now: Double? = nil) throws -> ObjectionFilter? {
        let now = now ?? Date().timeIntervalSince1970
        let hashes = try store.read { db in
            try Data.fetchAll(
                db,
                sql: "SELECT hash FROM objections WHERE (until IS NULL OR until > ?) AND (tenant = '' OR tenant = ?)",
                arguments: [now, column]
            ).map { [UInt8]($0) }
        }
        guard !hashes.isEmpty else { return nil }
        // Objections without their key cannot be told from other addresses: nothing is processed until it is back.
        guard let key = try key(create: false) else {
            throw LogonymIOError(
                code: .openFailed,
                path: keyPath,
                message:
                    "\(hashes.count) objections are recorded but their key is missing: restore keys/ from the backup of this state directory (lines are not processed without it)"
            )
        }
        return ObjectionFilter(key: key, hashes: hashes)
    }

    /// Records an objection to `address`'s lines until `until` (for good when `nil`), audited. Returns whether it is
    /// new (an existing one gets the new end).
    @discardableResult
    public func add(_ address: IPAddress, until: Double?, audit: AuditLog) throws -> Bool {
        let hash = ObjectionFilter.hash(of: address, key: try key(create: true)!)
        let new = try store.write { db in
            let exists =
                try Bool.fetchOne(
                    db,
                    sql: "SELECT 1 FROM objections WHERE hash = ? AND tenant = ?",
                    arguments: [Data(hash), column]
                ) ?? false
            try db.execute(
                sql: """
                    INSERT INTO objections (hash, tenant, created, until) VALUES (?, ?, ?, ?)
                    ON CONFLICT(hash, tenant) DO UPDATE SET until = excluded.until
                    """,
                arguments: [Data(hash), column, Date().timeIntervalSince1970, until]
            )
            var event = AuditEvent(exists ? "objection_changed" : "objection_added")
            event.until = until.map(AuditEntry.timestamp)
            event.tenant = tenant
            try AuditLog.insert(event, into: db)
            return !exists
        }
        try audit.sync()
        return new
    }

    /// Withdraws the objection to `address`'s lines, audited. Returns whether there was one.
    @discardableResult
    public func withdraw(_ address: IPAddress, audit: AuditLog) throws -> Bool {
        guard let key = try key(create: false) else { return false }
        let hash = ObjectionFilter.hash(of: address, key: key)
        let removed = try store.write { db in
            try db.execute(
                sql: "DELETE FROM objections WHERE hash = ? AND tenant = ?",
                arguments: [Data(hash), column]
            )
            guard db.changesCount > 0 else { return false }
            var event = AuditEvent("objection_withdrawn")
            event.tenant = tenant
            try AuditLog.insert(event, into: db)
            return true
        }
        try audit.sync()
        return removed
    }

    /// When each objection was made and until when it holds, oldest first; never a hash or an address.
    public struct Listed: Encodable, Sendable {
        public var created: String
        public var until: String?
        public var inForce: Bool
        /// The tenant objected to (`nil`: every tenant).
        public var tenant: String?

        enum CodingKeys: String, CodingKey {
            case created, until, tenant
            case inForce = "in_force"
        }
    }

    public func list(now: Double? = nil) throws -> [Listed] {
        let now = now ?? Date().timeIntervalSince1970
        return try store.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT created, until, tenant FROM objections WHERE ? IS NULL OR tenant = '' OR tenant = ? ORDER BY created",
                arguments: [tenant, column]
            ).map { row in
                let until: Double? = row["until"]
                let tenant: String = row["tenant"]
                return Listed(
                    created: AuditEntry.timestamp(row["created"]),
                    until: until.map(AuditEntry.timestamp),
                    inForce: until.map { $0 > now } ?? true,
                    tenant: tenant.isEmpty ? nil : tenant
                )
            }
        }
    }
}

@available(*, unavailable)
extension Objections: Sendable {}
