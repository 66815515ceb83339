import Foundation
import GRDB
public import LogonymCore

/// The right to object: the addresses whose lines are no longer processed, kept as keyed hashes
/// (``ObjectionFilter``) under a long-lived key of the state directory (`keys/objections.key`, made by the first
/// objection). The hashes are in the state database (`objections`), with when each was made and until when it
/// holds; never an address.
public struct Objections {
    public let store: StateStore
    public let stateDirectory: String

    public init(store: StateStore, stateDirectory: String) {
        self.store = store
        self.stateDirectory = stateDirectory
    }

    /// Version 7 of the state: the objections.
    static func registerTable(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-objections") { db in
            try db.execute(
                sql: "CREATE TABLE objections (hash BLOB PRIMARY KEY, created REAL NOT NULL, until REAL)"
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
                sql: "SELECT hash FROM objections WHERE until IS NULL OR until > ?",
                arguments: [now]
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
                    sql: "SELECT 1 FROM objections WHERE hash = ?",
                    arguments: [Data(hash)]
                ) ?? false
            try db.execute(
                sql: """
                    INSERT INTO objections (hash, created, until) VALUES (?, ?, ?)
                    ON CONFLICT(hash) DO UPDATE SET until = excluded.until
                    """,
                arguments: [Data(hash), Date().timeIntervalSince1970, until]
            )
            var event = AuditEvent(exists ? "objection_changed" : "objection_added")
            event.until = until.map(AuditEntry.timestamp)
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
            try db.execute(sql: "DELETE FROM objections WHERE hash = ?", arguments: [Data(hash)])
            guard db.changesCount > 0 else { return false }
            try AuditLog.insert(AuditEvent("objection_withdrawn"), into: db)
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

        enum CodingKeys: String, CodingKey {
            case created, until
            case inForce = "in_force"
        }
    }

    public func list(now: Double? = nil) throws -> [Listed] {
        let now = now ?? Date().timeIntervalSince1970
        return try store.read { db in
            try Row.fetchAll(db, sql: "SELECT created, until FROM objections ORDER BY created").map { row in
                let until: Double? = row["until"]
                return Listed(
                    created: AuditEntry.timestamp(row["created"]),
                    until: until.map(AuditEntry.timestamp),
                    inForce: until.map { $0 > now } ?? true
                )
            }
        }
    }
}

@available(*, unavailable)
extension Objections: Sendable {}
