import Foundation
import GRDB
public import LogonymCore

extension StateStore {
    /// Version 3: counters per input and window, and client sketches (HyperLogLog registers over keyed hashes).
    static func registerStatsTables(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    CREATE TABLE stats (
                        input TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        value INTEGER NOT NULL,
                        PRIMARY KEY (input, window_start, name)
                    );
                    CREATE TABLE sketches (
                        input TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        registers BLOB NOT NULL,
                        PRIMARY KEY (input, window_start)
                    );
                    CREATE TABLE geo_stats (
                        input TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        bucket TEXT NOT NULL,
                        lines INTEGER NOT NULL,
                        clients BLOB NOT NULL,
                        PRIMARY KEY (input, window_start, bucket)
                    );
                    """
            )
            let key = SecureRandom.bytes(16)
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('client_hash_key', ?)", arguments: [Data(key)])
        }
    }

    /// Deletes the client sketches, and the geo buckets' client hashes, of the windows `chosen` picks (past output
    /// retention, or rewritten by an erasure); their counters stay.
    public func forgetClientSketches(
        ofSources sources: (String) -> Bool = { _ in true },
        where chosen: (Int64) -> Bool
    ) throws {
        try pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT input, window_start FROM sketches
                    UNION SELECT input, window_start FROM geo_stats WHERE clients != ?
                    """,
                arguments: [Data(BucketClients().encoded)]
            )
            for row in rows {
                let input: String = row["input"]
                let start: Int64 = row["window_start"]
                guard sources(input), chosen(start) else { continue }
                try db.execute(
                    sql: "DELETE FROM sketches WHERE input = ? AND window_start = ?",
                    arguments: [input, start]
                )
                try db.execute(
                    sql: "UPDATE geo_stats SET clients = ? WHERE input = ? AND window_start = ?",
                    arguments: [Data(BucketClients().encoded), input, start]
                )
            }
        }
    }

    /// Adds counter deltas and merges sketches (inside the commit's transaction).
    static func record(
        stats: [(input: String, windowStart: Int64, counters: RunCounters)],
        sketches: [(input: String, windowStart: Int64, clients: HyperLogLog)],
        in db: Database
    ) throws {
        for (input, windowStart, counters) in stats {
            for (name, value) in counters.named {
                try db.execute(
                    sql: """
                        INSERT INTO stats (input, window_start, name, value) VALUES (?, ?, ?, ?)
                        ON CONFLICT(input, window_start, name) DO UPDATE SET value = value + excluded.value
                        """,
                    arguments: [input, windowStart, name, value]
                )
            }
        }
        for (input, windowStart, clients) in sketches {
            var merged = clients
            if let stored = try Data.fetchOne(
                db,
                sql: "SELECT registers FROM sketches WHERE input = ? AND window_start = ?",
                arguments: [input, windowStart]
            ), let previous = HyperLogLog(registers: Array(stored)) {
                merged.merge(previous)
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO sketches (input, window_start, registers) VALUES (?, ?, ?)",
                arguments: [input, windowStart, Data(merged.registers)]
            )
        }
    }

    /// Adds geo lines and merges bucket sketches (inside the commit's transaction).
    static func record(geo: [(input: String, windowStart: Int64, counts: GeoCounts)], in db: Database) throws {
        for (input, windowStart, counts) in geo {
            for (slot, bucket) in counts.buckets.enumerated() {
                var clients = BucketClients(counts.clients[slot])
                var lines = counts.lines[slot]
                if let row = try Row.fetchOne(
                    db,
                    sql: "SELECT lines, clients FROM geo_stats WHERE input = ? AND window_start = ? AND bucket = ?",
                    arguments: [input, windowStart, bucket.storageKey]
                ) {
                    lines += row["lines"] as Int
                    if let stored = BucketClients(encoded: Array(row["clients"] as Data)) {
                        clients.formUnion(with: stored)
                    }
                }
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO geo_stats (input, window_start, bucket, lines, clients)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [input, windowStart, bucket.storageKey, lines, Data(clients.encoded)]
                )
            }
        }
    }

    /// Geo buckets in `[since, until)`, optionally of one input: lines and a client sketch each.
    public func geoRows(
        since: Int64? = nil,
        until: Int64? = nil,
        input: String? = nil
    ) throws
        -> [(input: String, windowStart: Int64, bucket: GeoBucket, lines: Int, clients: BucketClients)]
    {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM geo_stats WHERE window_start >= ? AND window_start < ? AND (? IS NULL OR input = ?)
                    """,
                arguments: [since ?? Int64.min, until ?? Int64.max, input, input]
            ).compactMap { row in
                guard let bucket = GeoBucket(storageKey: row["bucket"]),
                    let clients = BucketClients(encoded: Array(row["clients"] as Data))
                else { return nil }
                return (row["input"], row["window_start"], bucket, row["lines"], clients)
            }
        }
    }

    /// One input's counters in one window, as stored.
    public struct StatsRow: Sendable {
        public var input: String
        public var windowStart: Int64
        public var counters: RunCounters
        public var clients: HyperLogLog?
    }

    /// Every stored row in `[since, until)` (window starts), optionally of one input.
    public func statsRows(since: Int64? = nil, until: Int64? = nil, input: String? = nil) throws -> [StatsRow] {
        try pool.read { db in
            var rows: [String: StatsRow] = [:]
            let filter = "window_start >= ? AND window_start < ? AND (? IS NULL OR input = ?)"
            let arguments: StatementArguments = [since ?? Int64.min, until ?? Int64.max, input, input]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM stats WHERE \(filter)", arguments: arguments) {
                let key = "\(row["input"] as String)\u{0}\(row["window_start"] as Int64)"
                var entry =
                    rows[key]
                    ?? StatsRow(input: row["input"], windowStart: row["window_start"], counters: RunCounters())
                entry.counters.set(row["name"], row["value"])
                rows[key] = entry
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM sketches WHERE \(filter)", arguments: arguments) {
                let key = "\(row["input"] as String)\u{0}\(row["window_start"] as Int64)"
                var entry =
                    rows[key]
                    ?? StatsRow(input: row["input"], windowStart: row["window_start"], counters: RunCounters())
                entry.clients = HyperLogLog(registers: Array(row["registers"] as Data))
                rows[key] = entry
            }
            return rows.values.sorted { ($0.windowStart, $0.input) < ($1.windowStart, $1.input) }
        }
    }
}
