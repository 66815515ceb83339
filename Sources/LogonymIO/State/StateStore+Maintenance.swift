import Foundation
import GRDB
public import LogonymCore

extension StateStore {
    /// Version 2: window keys, the audit log, the rewrite journal of `forget`, and requests to a running daemon.
    static func registerMaintenanceTables(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE keys (
                        id TEXT PRIMARY KEY,
                        window_seconds INTEGER NOT NULL,
                        window_start INTEGER NOT NULL,
                        created REAL NOT NULL,
                        destroyed REAL
                    );
                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY,
                        at REAL NOT NULL,
                        event TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX audit_at ON audit(at);
                    CREATE TABLE rewrites (
                        path TEXT PRIMARY KEY,
                        temporary TEXT NOT NULL,
                        length INTEGER NOT NULL,
                        lines INTEGER NOT NULL,
                        removed INTEGER NOT NULL
                    );
                    CREATE TABLE requests (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        arguments TEXT NOT NULL,
                        state TEXT NOT NULL,
                        result TEXT,
                        created REAL NOT NULL
                    );
                    """
            )
        }
    }

    /// Runs `body` in one write transaction.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.write(body)
    }

    /// Runs `body` with a read-only view.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Marks every open segment of a source closed (its files were cut back to their committed lengths first).
    func closeSegments(of source: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE segments SET open = 0 WHERE input = ? AND open = 1", arguments: [source])
        }
    }

    /// Finishes the segment rewrites of a `forget` that was interrupted: the journal row is written after the new
    /// file was fsynced under its temporary name, so the rename can always be completed; then the segment's length
    /// is recorded and the journal row removed, in one transaction with the audit entry.
    ///
    /// - Returns: the rewrites completed.
    @discardableResult
    public func completeRewrites(window: WindowLength) throws -> [SegmentRecord] {
        let pending = try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM rewrites") }
        var done: [SegmentRecord] = []
        for row in pending {
            let path: String = row["path"]
            let temporary: String = row["temporary"]
            if access(temporary, F_OK) == 0 {
                // ENOENT: another process starting at the same moment completed it.
                guard rename(temporary, path) == 0 || errno == ENOENT else {
                    throw LogonymIOError.system("rename", path: path, errno: errno)
                }
                DirectorySync.sync(parentOf: path)
                CrashPoint.reach("rewrite-renamed")
            }
            let length: Int64 = row["length"]
            let lines: Int64 = row["lines"]
            let removed: Int64 = row["removed"]
            let record = try pool.write { db -> SegmentRecord? in
                try db.execute(
                    sql: "UPDATE segments SET length = ?, lines = ? WHERE path = ?",
                    arguments: [length, lines, path]
                )
                try db.execute(sql: "DELETE FROM rewrites WHERE path = ?", arguments: [path])
                guard
                    let segment = try Row.fetchOne(db, sql: "SELECT * FROM segments WHERE path = ?", arguments: [path])
                else { return nil }
                let record = Self.segment(segment)
                // The stats keep agreeing with the output: written minus erased is what the segments hold.
                var erased = RunCounters()
                erased.linesErased = Int(removed)
                try Self.record(stats: [(record.input, record.windowStart, erased)], sketches: [], in: db)
                var event = AuditEvent(
                    "segment_rewritten",
                    input: record.input,
                    path: path,
                    window: window.name(ofWindowStarting: record.windowStart),
                    lines: removed,
                    bytes: length
                )
                event.tenant = TenantSettings.tenant(ofSource: record.input)
                try AuditLog.insert(
                    event,
                    into: db
                )
                return record
            }
            if let record { done.append(record) }
        }
        return done
    }
}

extension StateStore {
    /// Asks the daemon to do something (`forget`, `retention`): returns the request's id.
    func enqueueRequest(kind: String, arguments: Data) throws -> Int64 {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO requests (kind, arguments, state, created) VALUES (?, ?, 'pending', ?)",
                arguments: [kind, String(decoding: arguments, as: UTF8.self), Date().timeIntervalSince1970]
            )
            return db.lastInsertedRowID
        }
    }

    /// Requests not yet served, oldest first.
    func pendingRequests() throws -> [(id: Int64, kind: String, arguments: Data)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, kind, arguments FROM requests WHERE state = 'pending' ORDER BY id")
                .map { ($0["id"], $0["kind"], Data(($0["arguments"] as String).utf8)) }
        }
    }

    /// Stores a request's result; the request's arguments are cleared.
    func finishRequest(_ id: Int64, result: Data) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE requests SET state = 'done', arguments = '', result = ? WHERE id = ?",
                arguments: [String(decoding: result, as: UTF8.self), id]
            )
        }
    }

    /// A request's result once it was served (the row is removed then); `nil` while it is pending.
    func takeRequestResult(_ id: Int64) throws -> Data? {
        try pool.write { db in
            guard
                let result = try String.fetchOne(
                    db,
                    sql: "SELECT result FROM requests WHERE id = ? AND state = 'done'",
                    arguments: [id]
                )
            else { return nil }
            try db.execute(sql: "DELETE FROM requests WHERE id = ?", arguments: [id])
            return Data(result.utf8)
        }
    }

    /// Withdraws a request nobody served.
    func withdrawRequest(_ id: Int64) throws {
        try pool.write { db in try db.execute(sql: "DELETE FROM requests WHERE id = ?", arguments: [id]) }
    }
}
