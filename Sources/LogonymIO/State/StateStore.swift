import Foundation
import GRDB
import GRDBSQLite
public import LogonymCore

/// The daemon's state: one SQLite database (WAL) in the state directory with, per input file, its identity and
/// committed offset, and per output segment its committed length. Written once per commit cycle, in one
/// transaction, after the segments were fsynced (DESIGN.md, "State and the exactly-once protocol").
///
/// The database never holds log content: files are identified by device, inode and keyed hashes of their bytes.
public final class StateStore: @unchecked Sendable {
    let pool: DatabasePool
    /// The path of the database file.
    public let path: String
    /// A random per-database key for the file fingerprints.
    public let fingerprintKey: [UInt8]
    /// Opened by a member of `state.group` who reads and never writes.
    public let isReadOnly: Bool
    /// `state.group`, as given to the owner's process (`nil` for a reader).
    public let group: UInt32?

    /// Creates a state directory (and its parents) readable by its owner only (0700), whatever the umask: created
    /// that way, not changed after. An existing directory is left as it is (it may be shared, such as `/var/lib`);
    /// the files logonym puts in it are its owner's only.
    ///
    /// With `group` (`state.group`), a directory it creates is 0710 to that group: its members can reach
    /// `state.db` to run `stats`, and cannot list the directory or enter `keys/`.
    public static func createDirectory(_ path: String, group: UInt32? = nil) throws {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        if let slash = trimmed.lastIndex(of: "/"), slash != trimmed.startIndex {
            try FileManager.default.createDirectory(
                atPath: String(trimmed[..<slash]),
                withIntermediateDirectories: true
            )
        }
        if mkdir(trimmed, 0o700) != 0 {
            if errno == EEXIST { return }
            throw LogonymIOError.system("mkdir", path: trimmed, errno: errno)
        }
        guard let group else { return }
        // Empty still: handed to the group before anything is put in it.
        let fd = open(trimmed, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw LogonymIOError.system("open", path: trimmed, errno: errno) }
        defer { close(fd) }
        try FileAccess(mode: 0o710, group: group).apply(to: fd, path: trimmed)
    }

    /// Opens (creating if needed) `state.db` in `directory`. The database and its WAL and shared-memory files are
    /// readable by their owner only (0600), or also by `group` (0640, `state.group`) so that an ops group can run
    /// `stats`. A new database gets its mode and group on the descriptor before SQLite writes to it; SQLite gives
    /// the WAL and SHM files the database's mode, and they are handed to the group as soon as they exist. Existing
    /// files (an older version made `state.db` 0644) are brought to the same access when they can be: a reader
    /// such as `stats` run by a member of the group leaves them as they are.
    ///
    /// A command that only reads the state (`stats`, `audit`, `verify`, `report`) passes `reader`: it leaves the
    /// files' modes and group as the daemon set them (it does not know `state.group`).
    public init(directory: String, group: UInt32? = nil, reader: Bool = false) throws {
        path = directory + "/state.db"
        let access = FileAccess.state(group: group)
        // A member of `state.group` who does not own the database reads it (`stats`) and never writes.
        let readOnly = Glibc.access(path, R_OK) == 0 && Glibc.access(path, W_OK) != 0
        isReadOnly = readOnly
        self.group = group
        if !readOnly {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, access.mode)
            if fd >= 0 {
                defer { close(fd) }
                try access.apply(to: fd, path: path)
            }
            if !reader { Self.settle([path, path + "-wal", path + "-shm"], access) }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.readonly = readOnly
        if !readOnly {
            let keepWAL = group != nil
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // What is deleted (records of files done and gone, a retired key) is overwritten, not left in free
                // pages for whoever reads the file.
                try db.execute(sql: "PRAGMA secure_delete = ON")
                if keepWAL {
                    // The WAL and SHM files outlive the last connection, so that the group's readers, who cannot
                    // create files in the state directory, can open the database while the daemon is stopped.
                    var persist: Int32 = 1
                    sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &persist)
                }
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
                    CREATE TABLE files (
                        id INTEGER PRIMARY KEY,
                        input TEXT NOT NULL,
                        chain TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        dev INTEGER NOT NULL,
                        ino INTEGER NOT NULL,
                        fingerprint BLOB NOT NULL,
                        fingerprint_length INTEGER NOT NULL,
                        path TEXT NOT NULL,
                        offset INTEGER NOT NULL,
                        tail BLOB NOT NULL,
                        state TEXT NOT NULL,
                        updated REAL NOT NULL
                    );
                    CREATE INDEX files_input ON files(input, state, seq);
                    CREATE TABLE segments (
                        path TEXT PRIMARY KEY,
                        input TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        part INTEGER NOT NULL,
                        length INTEGER NOT NULL,
                        lines INTEGER NOT NULL,
                        open INTEGER NOT NULL
                    );
                    CREATE INDEX segments_input ON segments(input, window_start, part);
                    CREATE TABLE losses (
                        id INTEGER PRIMARY KEY,
                        input TEXT NOT NULL,
                        path TEXT NOT NULL,
                        from_offset INTEGER NOT NULL,
                        to_offset INTEGER,
                        reason TEXT NOT NULL,
                        at REAL NOT NULL
                    );
                    """
            )
            let key = SecureRandom.bytes(32)
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('fingerprint_key', ?)", arguments: [Data(key)])
        }
        Self.registerMaintenanceTables(in: &migrator)
        Self.registerStatsTables(in: &migrator)
        Self.registerBatchTables(in: &migrator)
        Self.registerFingerprintScheme(in: &migrator)
        AuditLog.registerChain(in: &migrator)
        Objections.registerTable(in: &migrator)
        WindowIdentities.registerTable(in: &migrator)
        try Self.refuseNewerSchema(pool, known: migrator.migrations, path: path)
        if !readOnly {
            try migrator.migrate(pool)
            if !reader { Self.settle([path, path + "-wal", path + "-shm"], access) }
        }
        fingerprintKey = try pool.read { db in
            let data = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'fingerprint_key'")
            return data.map { Array($0) } ?? []
        }
    }

    /// Brings the state's files that this user owns to `access`; links are not followed, others' files are left.
    static func settle(_ paths: [String], _ access: FileAccess) {
        for file in paths {
            var info = stat()
            guard lstat(file, &info) == 0, info.st_uid == geteuid() else { continue }
            try? access.apply(toExisting: file)
        }
    }

    /// Refuses a database that holds migrations this logonym does not know: a newer version wrote it, and this one
    /// would misread (or damage) what it cannot see. The message names both schema versions.
    static func refuseNewerSchema(_ pool: DatabasePool, known: [String], path: String) throws {
        let applied = try pool.read { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        let unknown = applied.filter { !known.contains($0) }
        guard let newest = unknown.last else { return }
        throw LogonymIOError(
            code: .newerState,
            path: path,
            message:
                "was written by a newer logonym: its schema is at '\(newest)', this logonym's at '\(known.last ?? "none")'; run the newer logonym (or move the state directory away to start afresh)"
        )
    }

    /// Version 5: which ``Fingerprints/scheme`` made each file's hashes (1, raw bytes, for the rows written before);
    /// the one client-sketch key of the whole database is gone (each window's sketch is keyed by the window's key).
    static func registerFingerprintScheme(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-fingerprint-scheme") { db in
            try db.execute(
                sql: """
                    ALTER TABLE files ADD COLUMN fingerprint_scheme INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE batch_files ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
                    DELETE FROM meta WHERE key = 'client_hash_key';
                    """
            )
        }
    }

    // MARK: Files

    /// A followed input file as committed.
    public struct FileRecord: Sendable, Equatable {
        public var id: Int64?
        public var input: String
        /// The live path the file was first seen at (rotated files belong to its chain).
        public var chain: String
        public var seq: Int64
        public var dev: UInt64
        public var ino: UInt64
        public var fingerprint: [UInt8]
        public var fingerprintLength: Int
        public var path: String
        /// Uncompressed bytes read into complete lines.
        public var offset: Int64
        /// A keyed hash of the bytes just before `offset`.
        public var tail: [UInt8]
        /// How `fingerprint` and `tail` were made (``Fingerprints/scheme``).
        public var fingerprintScheme = Fingerprints.scheme
        /// `reading`; `drained` (rotated away, read to its end so far, its writer on the next file: its deletion
        /// loses nothing) or `ended` (the same, but the next file had no data yet); `finished`; or `lost`.
        public var state: String
        /// When the record was last committed (seconds since the epoch).
        public var updated: Double = 0

        public init(
            id: Int64?,
            input: String,
            chain: String,
            seq: Int64,
            dev: UInt64,
            ino: UInt64,
            fingerprint: [UInt8],
            fingerprintLength: Int,
            path: String,
            offset: Int64,
            tail: [UInt8],
            state: String
        ) {
            self.id = id
            self.input = input
            self.chain = chain
            self.seq = seq
            self.dev = dev
            self.ino = ino
            self.fingerprint = fingerprint
            self.fingerprintLength = fingerprintLength
            self.path = path
            self.offset = offset
            self.tail = tail
            self.state = state
        }
    }

    /// Deletes the records of files read to their end (or lost) that are gone from disk.
    public func forgetFiles(ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try pool.write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM files WHERE id = ? AND state IN ('finished', 'lost')", arguments: [id])
            }
        }
    }

    /// The files of an input, in the order they were seen.
    public func files(input: String) throws -> [FileRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM files WHERE input = ? ORDER BY seq", arguments: [input]).map(
                Self.file
            )
        }
    }

    static func file(_ row: Row) -> FileRecord {
        var record = FileRecord(
            id: row["id"],
            input: row["input"],
            chain: row["chain"],
            seq: row["seq"],
            dev: UInt64(bitPattern: row["dev"]),
            ino: UInt64(bitPattern: row["ino"]),
            fingerprint: Array(row["fingerprint"] as Data),
            fingerprintLength: row["fingerprint_length"],
            path: row["path"],
            offset: row["offset"],
            tail: Array(row["tail"] as Data),
            state: row["state"]
        )
        record.updated = row["updated"]
        // A database opened read-only is not migrated: its rows may have no scheme yet.
        record.fingerprintScheme = row["fingerprint_scheme"] ?? 1
        return record
    }

    // MARK: Segments

    /// An output segment as committed.
    public struct SegmentRecord: Sendable, Equatable {
        public var path: String
        public var input: String
        public var windowStart: Int64
        public var part: Int
        public var length: Int64
        public var lines: Int64
        public var open: Bool

        public init(
            path: String,
            input: String,
            windowStart: Int64,
            part: Int,
            length: Int64,
            lines: Int64,
            open: Bool
        ) {
            self.path = path
            self.input = input
            self.windowStart = windowStart
            self.part = part
            self.length = length
            self.lines = lines
            self.open = open
        }
    }

    /// Every segment, oldest window first.
    public func segments(input: String? = nil) throws -> [SegmentRecord] {
        try pool.read { db in
            let rows =
                input == nil
                ? try Row.fetchAll(db, sql: "SELECT * FROM segments ORDER BY input, window_start, part")
                : try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM segments WHERE input = ? ORDER BY window_start, part",
                    arguments: [input]
                )
            return rows.map(Self.segment)
        }
    }

    static func segment(_ row: Row) -> SegmentRecord {
        SegmentRecord(
            path: row["path"],
            input: row["input"],
            windowStart: row["window_start"],
            part: row["part"],
            length: row["length"],
            lines: row["lines"],
            open: (row["open"] as Int) != 0
        )
    }

    // MARK: Commit

    /// Everything one commit cycle records, in one transaction.
    public struct Commit: Sendable {
        public var files: [FileRecord] = []
        public var segments: [SegmentRecord] = []
        public var losses: [(input: String, path: String, from: Int64, to: Int64?, reason: String)] = []
        /// Counter deltas per input and window, added to what is stored.
        public var stats: [(input: String, windowStart: Int64, counters: RunCounters)] = []
        /// Client sketches per input and window, merged into what is stored.
        public var sketches: [(input: String, windowStart: Int64, clients: HyperLogLog)] = []
        /// Geo buckets per input and window: lines added, clients merged into small sketches.
        public var geo: [(input: String, windowStart: Int64, counts: GeoCounts)] = []
        /// Batch input files: how far their lines are in the segments of this commit.
        public var batchFiles: [BatchFileRecord] = []

        public init() {}
    }

    /// Records a commit; returns the ids of files inserted (in the order given, `nil` for updates).
    @discardableResult
    public func commit(_ commit: Commit) throws -> [Int64?] {
        let now = Date().timeIntervalSince1970
        return try pool.write { db in
            var ids: [Int64?] = []
            for file in commit.files {
                let arguments: StatementArguments = [
                    file.input, file.chain, file.seq, Int64(bitPattern: file.dev), Int64(bitPattern: file.ino),
                    Data(file.fingerprint), file.fingerprintLength, file.path, file.offset, Data(file.tail), file.state,
                    now, file.fingerprintScheme,
                ]
                if let id = file.id {
                    try db.execute(
                        sql: """
                            UPDATE files SET input = ?, chain = ?, seq = ?, dev = ?, ino = ?, fingerprint = ?,
                            fingerprint_length = ?, path = ?, offset = ?, tail = ?, state = ?, updated = ?,
                            fingerprint_scheme = ? WHERE id = ?
                            """,
                        arguments: arguments + [id]
                    )
                    ids.append(nil)
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO files (input, chain, seq, dev, ino, fingerprint, fingerprint_length, path,
                            offset, tail, state, updated, fingerprint_scheme)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: arguments
                    )
                    ids.append(db.lastInsertedRowID)
                }
            }
            for segment in commit.segments {
                try db.execute(
                    sql: """
                        INSERT INTO segments (path, input, window_start, part, length, lines, open)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(path) DO UPDATE SET length = excluded.length, lines = excluded.lines,
                        open = excluded.open
                        """,
                    arguments: [
                        segment.path, segment.input, segment.windowStart, segment.part, segment.length, segment.lines,
                        segment.open ? 1 : 0,
                    ]
                )
            }
            try Self.record(stats: commit.stats, sketches: commit.sketches, in: db)
            try Self.record(geo: commit.geo, in: db)
            try Self.record(batchFiles: commit.batchFiles, now: now, in: db)
            for loss in commit.losses {
                try db.execute(
                    sql:
                        "INSERT INTO losses (input, path, from_offset, to_offset, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [loss.input, loss.path, loss.from, loss.to, loss.reason, now]
                )
            }
            return ids
        }
    }

    /// The recorded losses (for tests and stats).
    public func lossCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM losses") ?? 0 }
    }
}
