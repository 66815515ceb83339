import Foundation
import GRDB
import LogonymCore

/// The audit log: rows in the state database, written in the same transaction as the change they record, and
/// mirrored as append-only JSON lines in `STATE/audit/YYYY-MM.jsonl` (one file per month, so that audit retention
/// removes whole files and never edits one).
///
/// The files are brought up to date from the database after every change and at start, so an entry committed just
/// before a crash reaches its file at the next start; a line cut short by a crash is removed first.
public final class AuditLog {
    let directory: String
    let inbox: String
    let store: StateStore

    /// Opens the audit directory (mode 0700) and brings its files up to date, with the reads that members of
    /// `state.group` left in the inbox; `readOnly` only reads the database.
    public init(stateDirectory: String, store: StateStore, readOnly: Bool = false) throws {
        directory = stateDirectory + "/audit"
        inbox = stateDirectory + "/" + Self.inboxName
        self.store = store
        if readOnly { return }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw LogonymIOError.system("mkdir", path: directory, errno: errno)
        }
        if let group = store.group { try Self.makeInbox(inbox, group: group) }
        try ingestInbox()
        try sync()
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Version 6 of the state: each entry's link to the one before it (`prev`) and the SHA-256 of its own line
    /// (`hash`), and the hash of the last entry audit retention deleted (`meta.audit_anchor`), which the first entry
    /// left must follow. Entries written before stay unchained (`prev` NULL), and only they may be
    /// (`meta.audit_legacy_max_id`); the first chained one follows 64 zeros.
    static func registerChain(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-audit-chain") { db in
            try db.execute(
                sql: """
                    ALTER TABLE audit ADD COLUMN prev TEXT;
                    ALTER TABLE audit ADD COLUMN hash TEXT;
                    INSERT INTO meta (key, value)
                        SELECT 'audit_legacy_max_id', CAST(coalesce(max(id), 0) AS TEXT) FROM audit;
                    """
            )
        }
    }

    /// A text value of `meta`.
    static func meta(_ key: String, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT CAST(value AS TEXT) FROM meta WHERE key = ?", arguments: [key])
    }

    static func setMeta(_ key: String, _ value: String, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, CAST(? AS BLOB))",
            arguments: [key, value]
        )
    }

    /// The line of `entry` in the audit files (without its newline): what its successor's `prev` hashes.
    static func line(_ entry: AuditEntry) throws -> [UInt8] {
        Array(try encoder.encode(entry))
    }

    /// Adds an entry inside a transaction that makes the change it records: stamped with the process's user and
    /// command, and chained to the entry before it (the transaction holds the database's write lock, so two
    /// processes never chain to the same entry).
    /// Ids go on from the last one ever used, also after audit retention emptied the table.
    static func insert(_ event: AuditEvent, into db: Database, at time: Double = Date().timeIntervalSince1970) throws {
        var event = event
        ProcessIdentity.current.stamp(&event)
        let detail = String(decoding: try encoder.encode(event), as: UTF8.self)
        let prev = try chainEnd(in: db)
        let last = max(
            try Int64.fetchOne(db, sql: "SELECT max(id) FROM audit") ?? 0,
            Int64(try meta("audit_last_pruned_id", in: db) ?? "0") ?? 0
        )
        try db.execute(
            sql: "INSERT INTO audit (id, at, event, detail, prev) VALUES (?, ?, ?, ?, ?)",
            arguments: [last + 1, time, event.event, detail, prev]
        )
        let entry = AuditEntry(id: last + 1, at: time, event: event, prev: prev)
        try db.execute(
            sql: "UPDATE audit SET hash = ? WHERE id = ?",
            arguments: [SHA256Digest.hex(try line(entry)), entry.id]
        )
    }

    /// What the next entry follows: the last entry's hash; 64 zeros after an unchained entry or in an empty log
    /// that nothing was pruned from; else the anchor audit retention left.
    private static func chainEnd(in db: Database) throws -> String {
        if let last = try Row.fetchOne(db, sql: "SELECT hash FROM audit ORDER BY id DESC LIMIT 1") {
            return (last["hash"] as String?) ?? SHA256Digest.genesis
        }
        return try meta("audit_anchor", in: db) ?? SHA256Digest.genesis
    }

    /// Records one event on its own and writes it to the file.
    public func record(_ event: AuditEvent) throws {
        try store.write { db in try Self.insert(event, into: db) }
        try sync()
    }

    /// Runs `body` holding `audit/.lock` exclusively: the daemon, a command beside it and their inbox takes all
    /// write the files, and each line and each inbox read must be taken once.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        let lockPath = directory + "/.lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw LogonymIOError.system("open", path: lockPath, errno: errno) }
        defer { close(lock) }
        FileAccess.handToDirectoryOwner(lock, directory: directory)
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw LogonymIOError.system("flock", path: lockPath, errno: errno) }
        }
        return try body()
    }

    /// Appends every entry newer than the files' last line, and fsyncs, under the lock.
    public func sync() throws {
        try withLock { try syncLocked() }
    }

    /// An entry goes to the file of its month, or to the newest file if that is later (an entry's time can be
    /// earlier than the one before it: a clock set back), so that the files' last line is always the newest entry.
    func syncLocked() throws {
        let newest = Self.monthFiles(in: directory).last
        let entries = try Self.entries(in: store, after: try Self.lastWrittenID(in: directory))
        var byFile: [(String, [UInt8])] = []
        for entry in entries {
            let name = max(String(AuditEntry.timestamp(entry.at).prefix(7)) + ".jsonl", byFile.last?.0 ?? newest ?? "")
            var line = try Self.line(entry)
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
                // 0600 whatever the umask, before the first entry, and the directory owner's.
                defer { if fd < 0 { unlink(path) } }
                do { try FileAccess.ownerOnly.apply(to: fd, path: path) } catch {
                    close(fd)
                    fd = -1
                    throw error
                }
                FileAccess.handToDirectoryOwner(fd, directory: directory)
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
        if !byFile.isEmpty { DirectorySync.sync(directory) }
    }

    /// The month files, oldest first.
    static func monthFiles(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".jsonl") }
            .sorted()
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
                return AuditEntry(id: row["id"], at: row["at"], event: event, prev: row["prev"])
            }
        }
    }

    /// Deletes the entries up to the last one older than `cutoff` (a head of the chain, in id order), keeping the
    /// hash of the last one deleted as the anchor the first entry left must follow, and records that in an
    /// `audit_pruned` entry naming the anchor (so an anchor set by hand shows); then the month files that ended
    /// before it.
    ///
    /// - Returns: how many entries were deleted.
    @discardableResult
    public func prune(before cutoff: Double) throws -> Int {
        let deleted = try store.write { db in
            guard
                let last = try Row.fetchOne(
                    db,
                    sql: "SELECT id, hash FROM audit WHERE id = (SELECT max(id) FROM audit WHERE at < ?)",
                    arguments: [cutoff]
                )
            else { return 0 }
            let lastID: Int64 = last["id"]
            let anchor = (last["hash"] as String?) ?? SHA256Digest.genesis
            try db.execute(sql: "DELETE FROM audit WHERE id <= ?", arguments: [lastID])
            let count = db.changesCount
            try Self.setMeta("audit_anchor", anchor, in: db)
            let before = Int64(try Self.meta("audit_last_pruned_id", in: db) ?? "0") ?? 0
            try Self.setMeta("audit_last_pruned_id", String(max(before, lastID)), in: db)
            var event = AuditEvent("audit_pruned", lines: Int64(count))
            event.anchor = anchor
            event.until = AuditEntry.timestamp(cutoff)
            try Self.insert(event, into: db)
            return count
        }
        let cutoffMonth = String(AuditEntry.timestamp(cutoff).prefix(7))
        for name in Self.monthFiles(in: directory) where String(name.prefix(7)) < cutoffMonth {
            unlink(directory + "/" + name)
        }
        if deleted > 0 { try sync() }
        return deleted
    }

    /// The id in the last complete line of the newest month file; a partial last line (a crash while writing)
    /// is cut off. Reads the files' ends only.
    private static func lastWrittenID(in directory: String) throws -> Int64 {
        for name in monthFiles(in: directory).reversed() {
            let path = directory + "/" + name
            guard var (tail, size) = try fileTail(path, holdingLines: 2) else { continue }
            if tail.last != 0x0A {
                // Cut back to the last complete line.
                let cut = tail.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                truncate(path, off_t(size - tail.count + cut))
                size -= tail.count - cut
                tail.removeSubrange(cut...)
            }
            guard tail.count > 1 else { continue }
            let body = tail.dropLast()
            let start = body.lastIndex(of: 0x0A).map { $0 + 1 } ?? body.startIndex
            struct Head: Decodable { var id: Int64 }
            if let head = try? JSONDecoder().decode(Head.self, from: Data(body[start...])) { return head.id }
        }
        return 0
    }

    /// The end of a file holding at least `lines` newlines (or all of it), and the file's size; `nil` if it
    /// cannot be opened.
    private static func fileTail(_ path: String, holdingLines lines: Int) throws -> ([UInt8], Int)? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LogonymIOError.system("stat", path: path, errno: errno) }
        let size = Int(info.st_size)
        var want = min(size, 64 << 10)
        while true {
            var tail = [UInt8](repeating: 0, count: want)
            let got = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(size - want)) }
            guard got == want else { throw LogonymIOError.system("read", path: path, errno: errno) }
            if want == size || tail.lazy.filter({ $0 == 0x0A }).count >= lines { return (tail, size) }
            want = min(size, want * 4)
        }
    }
}

@available(*, unavailable)
extension AuditLog: Sendable {}
