import Foundation
import GRDB

extension StateStore {
    /// An input file of windowed batch runs, as committed with the segments that hold its lines.
    ///
    /// A file is known by what it holds, never by its path or inode: keyed hashes of its first decoded bytes and
    /// of the bytes just before ``offset`` (see ``BatchFileIdentity``). The path is kept only to name the file in
    /// messages.
    public struct BatchFileRecord: Sendable, Equatable {
        /// The `--source` of the runs that read it.
        public var source: String
        /// Unique per source.
        public var id: Int64
        /// A keyed hash of the first ``headLength`` decoded bytes.
        public var head: [UInt8]
        /// 1 to ``BatchFileIdentity/headLength`` bytes (fewer only for a file that was that short).
        public var headLength: Int
        /// The decoded byte offset just after the last line whose output is in committed segments.
        public var offset: Int64
        /// A keyed hash of the (up to ``BatchFileIdentity/tailLength``) decoded bytes before ``offset``.
        public var tail: [UInt8]
        /// How far the run had read when it committed ``offset`` (a resumed run's first read ends there, so that it
        /// cuts overlong lines where that run did).
        public var readTo: Int64
        /// The window of the line before ``offset``, for a line without a time of its own right after it.
        public var lastWindow: Int64?
        /// Whether the file was read to its end.
        public var finished: Bool
        /// For a finished file: its size on disk (compressed for gzip) and a keyed hash of its last bytes on
        /// disk, which tell a file that did not change without reading it again.
        public var rawSize: Int64
        public var rawTail: [UInt8]
        /// Where it was last read.
        public var path: String
        /// How its hashes were made (``Fingerprints/scheme``).
        public var scheme = Fingerprints.scheme

        public init(
            source: String,
            id: Int64,
            head: [UInt8],
            headLength: Int,
            offset: Int64,
            tail: [UInt8],
            readTo: Int64,
            lastWindow: Int64?,
            finished: Bool,
            rawSize: Int64,
            rawTail: [UInt8],
            path: String
        ) {
            self.source = source
            self.id = id
            self.head = head
            self.headLength = headLength
            self.offset = offset
            self.tail = tail
            self.readTo = readTo
            self.lastWindow = lastWindow
            self.finished = finished
            self.rawSize = rawSize
            self.rawTail = rawTail
            self.path = path
        }
    }

    /// Version 4: the input files of windowed batch runs (`anonymize --window`), so that a rerun skips what is
    /// done and resumes what was interrupted.
    static func registerBatchTables(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-batch-files") { db in
            try db.execute(
                sql: """
                    CREATE TABLE batch_files (
                        source TEXT NOT NULL,
                        id INTEGER NOT NULL,
                        head BLOB NOT NULL,
                        head_length INTEGER NOT NULL,
                        offset INTEGER NOT NULL,
                        tail BLOB NOT NULL,
                        read_to INTEGER NOT NULL,
                        last_window INTEGER,
                        finished INTEGER NOT NULL,
                        raw_size INTEGER NOT NULL,
                        raw_tail BLOB NOT NULL,
                        path TEXT NOT NULL,
                        updated REAL NOT NULL,
                        PRIMARY KEY (source, id)
                    );
                    """
            )
        }
    }

    /// The batch input files recorded for a source.
    public func batchFiles(source: String) throws -> [BatchFileRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM batch_files WHERE source = ? ORDER BY id", arguments: [source])
                .map { row in
                    var record = BatchFileRecord(
                        source: row["source"],
                        id: row["id"],
                        head: Array(row["head"] as Data),
                        headLength: row["head_length"],
                        offset: row["offset"],
                        tail: Array(row["tail"] as Data),
                        readTo: row["read_to"],
                        lastWindow: row["last_window"],
                        finished: (row["finished"] as Int) != 0,
                        rawSize: row["raw_size"],
                        rawTail: Array(row["raw_tail"] as Data),
                        path: row["path"]
                    )
                    // A database opened read-only is not migrated: its rows may have no scheme yet.
                    record.scheme = row["scheme"] ?? 1
                    return record
                }
        }
    }

    /// Inserts or replaces batch file records (inside a commit's transaction).
    static func record(batchFiles: [BatchFileRecord], now: Double, in db: Database) throws {
        for file in batchFiles {
            try db.execute(
                sql: """
                    INSERT INTO batch_files (source, id, head, head_length, offset, tail, read_to, last_window,
                    finished, raw_size, raw_tail, path, updated, scheme)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(source, id) DO UPDATE SET head = excluded.head, head_length = excluded.head_length,
                    offset = excluded.offset, tail = excluded.tail, read_to = excluded.read_to,
                    last_window = excluded.last_window,
                    finished = excluded.finished, raw_size = excluded.raw_size, raw_tail = excluded.raw_tail,
                    path = excluded.path, updated = excluded.updated, scheme = excluded.scheme
                    """,
                arguments: [
                    file.source, file.id, Data(file.head), file.headLength, file.offset, Data(file.tail), file.readTo,
                    file.lastWindow, file.finished ? 1 : 0, file.rawSize, Data(file.rawTail), file.path, now,
                    file.scheme,
                ]
            )
        }
    }
}
