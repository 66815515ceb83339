import Foundation
import GRDB
import LogonymCore

/// `logonym audit --verify`: checks the audit log's chain in the state database and in the month files, and that
/// both hold the same entries.
///
/// Each entry carries the SHA-256 of the line before it (`prev`), and the database keeps each entry's own hash:
/// an entry edited, deleted or moved breaks the link of the entry after it, in the files and in the database,
/// and a change to one copy only makes the two differ. What the chain cannot show by itself is the newest
/// entries removed from both copies, or the whole log rewritten with new hashes: the head it reports (the last
/// entry's id and hash) is what to keep elsewhere to catch that.
public struct AuditVerification: Sendable, Encodable {
    /// Entries checked in the database, and lines in the files.
    public var entries = 0
    public var lines = 0
    /// Entries written before the chain began (an older logonym), which only their order protects.
    public var unchained = 0
    /// Entries in the database not written to the files yet (the next command or the daemon writes them).
    public var pending = 0
    /// The newest entry and its hash.
    public var headID: Int64?
    public var headHash: String?
    /// What is broken, first entry first.
    public var problems: [Problem] = []

    public struct Problem: Sendable, Encodable, Equatable {
        public var id: Int64?
        /// `2026-11.jsonl:12`, or `state.db`.
        public var place: String
        public var message: String
    }

    public var intact: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey {
        case entries, lines, unchained, pending, problems, intact
        case headID = "head_id"
        case headHash = "head_hash"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
        try container.encode(lines, forKey: .lines)
        try container.encode(unchained, forKey: .unchained)
        try container.encode(pending, forKey: .pending)
        try container.encodeIfPresent(headID, forKey: .headID)
        try container.encodeIfPresent(headHash, forKey: .headHash)
        try container.encode(problems, forKey: .problems)
        try container.encode(intact, forKey: .intact)
    }

    /// Checks the audit log of the state directory whose database is `store`.
    public static func check(store: StateStore, stateDirectory: String) throws -> AuditVerification {
        var report = AuditVerification()
        let stored = try report.checkDatabase(store)
        let written = try report.checkFiles(stateDirectory + "/audit")
        report.compare(stored: stored, written: written)
        report.problems.sort { ($0.id ?? .max, $0.place) < ($1.id ?? .max, $1.place) }
        return report
    }

    /// A line of an audit file: where it is and its hash.
    private struct Written {
        var place: String
        var hash: String
    }

    /// The database's entries in id order: each chained entry follows the one before it (the first, the anchor
    /// left by audit retention) and hashes to what is stored. Returns every entry's id and stored hash (`nil`
    /// unchained).
    private mutating func checkDatabase(_ store: StateStore) throws -> [(id: Int64, hash: String?)] {
        let (rows, anchor, legacyMax) = try store.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT id, at, detail, prev, hash FROM audit ORDER BY id"),
                try AuditLog.meta("audit_anchor", in: db),
                Int64(try AuditLog.meta("audit_legacy_max_id", in: db) ?? "0") ?? 0
            )
        }
        let decoder = JSONDecoder()
        var stored: [(id: Int64, hash: String?)] = []
        var previous: (id: Int64, hash: String?)?
        var lastPruneAnchor: String?
        for row in rows {
            entries += 1
            let id: Int64 = row["id"]
            let prev: String? = row["prev"]
            var hash: String? = row["hash"]
            defer { previous = (id, hash) }
            let detail: String = row["detail"]
            let event = try? decoder.decode(AuditEvent.self, from: Data(detail.utf8))
            if event?.event == "audit_pruned" { lastPruneAnchor = event?.anchor }
            guard let prev else {
                // Only the entries of an older logonym, there when the chain began, are unchained. What they say is
                // still compared with the files.
                if id < 1 || id > legacyMax || (previous != nil && previous?.hash != nil) {
                    problem(id, "state.db", "has no link to the entry before it (written outside logonym)")
                } else {
                    unchained += 1
                    hash = try event.map {
                        SHA256Digest.hex(try AuditLog.line(AuditEntry(id: id, at: row["at"], event: $0)))
                    }
                }
                stored.append((id, hash))
                continue
            }
            stored.append((id, hash))
            if let previous {
                let expected = previous.hash ?? SHA256Digest.genesis
                if prev != expected {
                    problem(
                        id,
                        "state.db",
                        "does not follow entry \(previous.id): that entry was changed, or entries between them were removed"
                    )
                }
            } else if prev != (anchor ?? SHA256Digest.genesis) {
                problem(
                    id,
                    "state.db",
                    "is the first entry but does not follow what audit retention deleted: entries before it were removed"
                )
            }
            guard let hash, let event else {
                problem(id, "state.db", "cannot be read as an audit entry")
                continue
            }
            let line = try AuditLog.line(AuditEntry(id: id, at: row["at"], event: event, prev: prev))
            if SHA256Digest.hex(line) != hash { problem(id, "state.db", "was changed after it was written") }
        }
        if let last = rows.last {
            headID = last["id"]
            headHash = last["hash"]
        }
        if let anchor, anchor != lastPruneAnchor {
            problem(
                rows.first?["id"],
                "state.db",
                "the anchor the first entry follows was not set by audit retention (no audit_pruned entry names it): entries were removed"
            )
        }
        return stored
    }

    /// The month files in order: ids increase, and each chained line follows the line before it.
    private mutating func checkFiles(_ directory: String) throws -> [Int64: Written] {
        guard access(directory, R_OK | X_OK) == 0 else {
            problem(
                nil,
                "audit",
                "the audit files cannot be read (\(String(cString: strerror(errno)))): only state.db was checked"
            )
            return [:]
        }
        let names = AuditLog.monthFiles(in: directory)
        struct Head: Decodable {
            var id: Int64
            var prev: String?
        }
        let decoder = JSONDecoder()
        var written: [Int64: Written] = [:]
        var previous: (id: Int64, hash: String, chained: Bool, place: String)?
        for name in names {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                problem(nil, name, "cannot be read")
                continue
            }
            let bytes = [UInt8](data)
            var start = 0
            var number = 0
            while start < bytes.count {
                number += 1
                let place = "\(name):\(number)"
                guard let end = bytes[start...].firstIndex(of: 0x0A) else {
                    // A line cut short by a crash; the next writer removes it.
                    break
                }
                let line = bytes[start..<end]
                start = end + 1
                lines += 1
                guard let head = try? decoder.decode(Head.self, from: Data(line)) else {
                    problem(nil, place, "is not an audit entry")
                    continue
                }
                let hash = SHA256Digest.hex(line)
                defer { previous = (head.id, hash, head.prev != nil, place) }
                written[head.id] = Written(place: place, hash: hash)
                guard let previous else { continue }
                if head.id <= previous.id {
                    problem(head.id, place, "is out of order: it comes after entry \(previous.id) (\(previous.place))")
                } else if let prev = head.prev, prev != previous.hash, previous.chained || prev != SHA256Digest.genesis
                {
                    problem(
                        head.id,
                        place,
                        "does not follow the line before it (entry \(previous.id), \(previous.place)): that line was changed, or lines between them were removed or moved"
                    )
                } else if head.prev == nil && previous.chained {
                    problem(head.id, place, "has no link to the line before it (written outside logonym)")
                }
            }
        }
        return written
    }

    /// Both copies hold the same entries: every entry of the database is in the files with the same hash (unless
    /// newer than their last line: not written yet), and every line from the database's first entry on is in the
    /// database.
    private mutating func compare(stored: [(id: Int64, hash: String?)], written: [Int64: Written]) {
        guard let firstWritten = written.keys.min() else {
            pending = stored.count
            return
        }
        let lastWritten = written.keys.max() ?? firstWritten
        // The files keep at least what the database keeps (audit retention removes whole months from them).
        for (id, hash) in stored {
            if let line = written[id] {
                if let hash, line.hash != hash { problem(id, line.place, "differs from the entry in state.db") }
            } else if id > lastWritten {
                pending += 1
            } else {
                problem(id, "state.db", "is missing from the audit files")
            }
        }
        let storedIDs = Set(stored.map(\.id))
        guard let firstStored = stored.first?.id else { return }
        for (id, line) in written where id >= firstStored && !storedIDs.contains(id) {
            problem(id, line.place, "is not in state.db (deleted from the database)")
        }
    }

    private mutating func problem(_ id: Int64?, _ place: String, _ message: String) {
        problems.append(Problem(id: id, place: place, message: message))
    }
}
