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
        if let group = store.group { try Self.makeInbox(stateDirectory + "/" + Self.inboxName, group: group) }
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
    /// left must follow. Entries written before stay unchained (`prev` NULL); the first chained one follows 64
    /// zeros.
    static func registerChain(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-audit-chain") { db in
            try db.execute(sql: "ALTER TABLE audit ADD COLUMN prev TEXT; ALTER TABLE audit ADD COLUMN hash TEXT;")
        }
    }

    /// The line of `entry` in the audit files (without its newline): what its successor's `prev` hashes.
    static func line(_ entry: AuditEntry) throws -> [UInt8] {
        Array(try encoder.encode(entry))
    }

    /// Adds an entry inside a transaction that makes the change it records: stamped with the process's user and
    /// command, and chained to the entry before it (the transaction holds the database's write lock, so two
    /// processes never chain to the same entry).
    static func insert(_ event: AuditEvent, into db: Database, at time: Double = Date().timeIntervalSince1970) throws {
        var event = event
        ProcessIdentity.current.stamp(&event)
        let detail = String(decoding: try encoder.encode(event), as: UTF8.self)
        let prev = try chainEnd(in: db)
        try db.execute(
            sql: "INSERT INTO audit (at, event, detail, prev) VALUES (?, ?, ?, ?)",
            arguments: [time, event.event, detail, prev]
        )
        let entry = AuditEntry(id: db.lastInsertedRowID, at: time, event: event, prev: prev)
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
        return try String.fetchOne(db, sql: "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'audit_anchor'")
            ?? SHA256Digest.genesis
    }

    /// Records one event on its own and writes it to the file.
    public func record(_ event: AuditEvent) throws {
        try store.write { db in try Self.insert(event, into: db) }
        try sync()
    }

    // MARK: Reads by members of state.group

    /// `STATE/audit-inbox`: where members of `state.group`, who read the database and cannot write it, leave their
    /// reads (mode 1730 to the group: they create files in it, cannot list it, and cannot remove each other's).
    static let inboxName = "audit-inbox"

    /// Creates the inbox, empty, for `group`; an existing one is left as it is.
    static func makeInbox(_ path: String, group: UInt32) throws {
        if mkdir(path, 0o700) != 0 {
            if errno == EEXIST { return }
            throw LogonymIOError.system("mkdir", path: path, errno: errno)
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw LogonymIOError.system("open", path: path, errno: errno) }
        defer { close(fd) }
        try FileAccess(mode: 0o1730, group: group).apply(to: fd, path: path)
    }

    /// Leaves a read in the inbox of a state directory whose database this process can only read: one new file,
    /// fsynced, which the owner's next logonym process (the daemon within a second) records in the chain under the
    /// file's owner, whatever the file says.
    public static func submit(_ event: AuditEvent, stateDirectory: String) throws {
        var event = event
        ProcessIdentity.current.stamp(&event)
        var name = ""
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 { name += String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
        let path = stateDirectory + "/" + inboxName + "/" + name + ".json"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LogonymIOError.system("open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(try encoder.encode(event))
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let failure = errno
            unlink(path)
            throw LogonymIOError.system("write", path: path, errno: failure)
        }
    }

    /// Records every read left in the inbox, in the order they were left, and removes them. Who read is the
    /// file's owner, and when is its time of last change: the content is trusted for the command, range and counts
    /// only (a member can write what they like there, but not as someone else). A file removed by its owner before
    /// this ran is not recorded (the README says so); a crash between the commit and the removal records it twice.
    public func ingestInbox() throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: inbox), !names.isEmpty else { return }
        var found: [(path: String, at: Double, event: AuditEvent)] = []
        for name in names {
            let path = inbox + "/" + name
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                unlink(path)
                continue
            }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { continue }
            var bytes = [UInt8](repeating: 0, count: 4096)
            let count =
                (info.st_mode & S_IFMT) == S_IFREG
                ? bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) } : -1
            var event = AuditEvent("read", note: "unreadable entry in \(Self.inboxName)")
            if count > 0, let claimed = try? JSONDecoder().decode(AuditEvent.self, from: Data(bytes[0..<count])) {
                event = claimed
                if event.event != "read" {
                    event.note = "left in \(Self.inboxName) as '\(event.event)'"
                    event.event = "read"
                }
            }
            event.uid = info.st_uid
            event.user = ProcessIdentity.userName(info.st_uid)
            if event.command == nil { event.command = "unknown" }
            found.append((path, Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9, event))
        }
        guard !found.isEmpty else { return }
        found.sort { $0.at < $1.at }
        try store.write { db in
            for entry in found { try Self.insert(entry.event, into: db, at: entry.at) }
        }
        for entry in found { unlink(entry.path) }
        try sync()
    }

    /// Appends every entry newer than the files' last line, and fsyncs. Under an exclusive lock on
    /// `audit/.lock`, and from the files' last line as it is then: the daemon and a command run beside it both
    /// record entries, and each line must be written once.
    public func sync() throws {
        let lockPath = directory + "/.lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw LogonymIOError.system("open", path: lockPath, errno: errno) }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw LogonymIOError.system("flock", path: lockPath, errno: errno) }
        }
        let entries = try Self.entries(in: store, after: try Self.lastWrittenID(in: directory))
        var byFile: [(String, [UInt8])] = []
        for entry in entries {
            let name = String(AuditEntry.timestamp(entry.at).prefix(7)) + ".jsonl"
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
                return AuditEntry(id: row["id"], at: row["at"], event: event, prev: row["prev"])
            }
        }
    }

    /// Deletes the entries up to the last one older than `cutoff` (a head of the chain, in id order), keeping the
    /// hash of the last one deleted as the anchor the first entry left must follow, and the month files that ended
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
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_anchor', CAST(? AS BLOB))",
                arguments: [anchor]
            )
            return count
        }
        let cutoffMonth = String(AuditEntry.timestamp(cutoff).prefix(7))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasSuffix(".jsonl") && String(name.prefix(7)) < cutoffMonth {
            unlink(directory + "/" + name)
        }
        return deleted
    }

    /// The id in the last complete line of the newest month file; a partial last line (a crash while writing)
    /// is cut off. Reads the files' ends only.
    private static func lastWrittenID(in directory: String) throws -> Int64 {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted()
        for name in names.reversed() {
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
