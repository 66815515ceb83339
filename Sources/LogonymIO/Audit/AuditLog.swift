import Foundation
import GRDB

/// The audit log: rows in the state database, written in the same transaction as the change they record, and
/// mirrored as append-only JSON lines in `STATE/audit/YYYY-MM.jsonl` (one file per month, so that audit retention
/// removes whole files and never edits one).
///
/// The files are brought up to date from the database after every change and at start, so an entry committed just
/// before a crash reaches its file at the next start; a line cut short by a crash is removed first.
public final class AuditLog {
    let directory: String
    let store: StateStore
    private var lastWritten: Int64 = 0

    /// Opens the audit directory (mode 0700) and brings its files up to date; `readOnly` only reads the database.
    public init(stateDirectory: String, store: StateStore, readOnly: Bool = false) throws {
        directory = stateDirectory + "/audit"
        self.store = store
        if readOnly { return }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw LogonymIOError.system("mkdir", path: directory, errno: errno)
        }
        lastWritten = try Self.lastWrittenID(in: directory)
        try sync()
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Adds an entry inside a transaction that makes the change it records.
    static func insert(_ event: AuditEvent, into db: Database, at time: Double = Date().timeIntervalSince1970) throws {
        let detail = String(decoding: try encoder.encode(event), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO audit (at, event, detail) VALUES (?, ?, ?)",
            arguments: [time, event.event, detail]
        )
    }

    /// Records one event on its own and writes it to the file.
    public func record(_ event: AuditEvent) throws {
        try store.write { db in try Self.insert(event, into: db) }
        try sync()
    }

    /// Appends every entry newer than the files' last line, and fsyncs.
    public func sync() throws {
        let entries = try Self.entries(in: store, after: lastWritten)
        var byFile: [(String, [UInt8])] = []
        for entry in entries {
            let name = String(AuditEntry.timestamp(entry.at).prefix(7)) + ".jsonl"
            var line = Array(try Self.encoder.encode(entry))
            line.append(0x0A)
            if byFile.last?.0 == name {
                byFile[byFile.count - 1].1 += line
            } else {
                byFile.append((name, line))
            }
        }
        for (name, bytes) in byFile {
            let path = directory + "/" + name
            var fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 {
                // 0600 whatever the umask, before the first entry.
                defer { if fd < 0 { unlink(path) } }
                do { try FileAccess.ownerOnly.apply(to: fd, path: path) } catch {
                    close(fd)
                    fd = -1
                    throw error
                }
            } else if errno == EEXIST {
                fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
            }
            guard fd >= 0 else { throw LogonymIOError.system("open", path: path, errno: errno) }
            defer { close(fd) }
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count, fsync(fd) == 0 else {
                throw LogonymIOError.system("write", path: path, errno: errno)
            }
        }
        if let last = entries.last { lastWritten = last.id }
        if !byFile.isEmpty { DirectorySync.sync(directory) }
    }

    /// Entries in order, optionally only those at or after `since` (seconds since the epoch).
    public static func entries(in store: StateStore, since: Double? = nil, after id: Int64 = 0) throws -> [AuditEntry] {
        let decoder = JSONDecoder()
        return try store.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM audit WHERE id > ? AND at >= ? ORDER BY id",
                arguments: [id, since ?? -Double.greatestFiniteMagnitude]
            ).map { row in
                let detail: String = row["detail"]
                let event =
                    (try? decoder.decode(AuditEvent.self, from: Data(detail.utf8))) ?? AuditEvent(row["event"])
                return AuditEntry(id: row["id"], at: row["at"], event: event)
            }
        }
    }

    /// Deletes entries older than `cutoff` and the month files that ended before it.
    ///
    /// - Returns: how many entries were deleted.
    @discardableResult
    public func prune(before cutoff: Double) throws -> Int {
        let deleted = try store.write { db in
            try db.execute(sql: "DELETE FROM audit WHERE at < ?", arguments: [cutoff])
            return db.changesCount
        }
        let cutoffMonth = String(AuditEntry.timestamp(cutoff).prefix(7))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasSuffix(".jsonl") && String(name.prefix(7)) < cutoffMonth {
            unlink(directory + "/" + name)
        }
        return deleted
    }

    /// The id in the last complete line of the newest month file; a partial last line is cut off.
    private static func lastWrittenID(in directory: String) throws -> Int64 {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted()
        for name in names.reversed() {
            let path = directory + "/" + name
            guard var data = FileManager.default.contents(atPath: path) else { continue }
            if let lastNewline = data.lastIndex(of: 0x0A), lastNewline + 1 < data.count {
                truncate(path, off_t(lastNewline + 1))
                data = data.prefix(lastNewline + 1)
            } else if data.last != 0x0A {
                truncate(path, 0)
                data = Data()
            }
            guard data.count > 1 else { continue }
            let body = data.dropLast()
            let start = body.lastIndex(of: 0x0A).map { $0 + 1 } ?? body.startIndex
            struct Head: Decodable { var id: Int64 }
            if let head = try? JSONDecoder().decode(Head.self, from: Data(body[start...])) { return head.id }
        }
        return 0
    }
}

@available(*, unavailable)
extension AuditLog: Sendable {}
