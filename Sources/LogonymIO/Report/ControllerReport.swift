import Foundation
import GRDB
public import LogonymCore

/// `logonym report`: the evidence for a data controller over a period, from the state database and the audit log:
/// the configuration in force, what was processed, written and dropped, keys against their schedule, deletions,
/// the data subjects' requests, reads by user, losses, and the audit chain's state. Never an address.
///
/// Its numbers are those of `stats` (``StateStore/statsRows(since:until:input:)``, windows starting in the period)
/// and `audit` (entries in the period) for the same range.
public struct ControllerReport: Encodable, Sendable {
    public struct Period: Encodable, Sendable {
        public var since: String?
        public var until: String?
    }

    /// The settings in force, as the configuration file gives them, and the file's SHA-256.
    public struct Configuration: Encodable, Sendable {
        public var path: String
        public var sha256: String
        public var method: String
        public var ipv4Prefix: Int
        public var ipv6Prefix: Int
        public var window: String
        public var keyMode: String
        /// Retention in seconds (`nil`: kept).
        public var outputRetention: Int64?
        public var keyRetention: Int64
        public var rawInputRetention: Int64?
        public var auditRetention: Int64

        enum CodingKeys: String, CodingKey {
            case path, sha256, method, window
            case ipv4Prefix = "ipv4_prefix"
            case ipv6Prefix = "ipv6_prefix"
            case keyMode = "key_mode"
            case outputRetention = "output_retention_seconds"
            case keyRetention = "key_retention_seconds"
            case rawInputRetention = "raw_input_retention_seconds"
            case auditRetention = "audit_retention_seconds"
        }

        public init(
            path: String,
            bytes: [UInt8],
            method: String,
            ipv4Prefix: Int,
            ipv6Prefix: Int,
            window: WindowLength,
            keyMode: String,
            retention: RetentionPolicy
        ) {
            self.path = path
            sha256 = SHA256Digest.hex(bytes)
            self.method = method
            self.ipv4Prefix = ipv4Prefix
            self.ipv6Prefix = ipv6Prefix
            self.window = window.rawValue
            self.keyMode = keyMode
            outputRetention = retention.output
            keyRetention = retention.keySeconds(window)
            rawInputRetention = retention.rawInputs
            auditRetention = retention.audit
        }
    }

    /// Lines per day (UTC) of the windows in the period.
    public struct Day: Encodable, Sendable {
        public var day: String
        public var read: Int
        public var written: Int
        public var dropped: Int
    }

    /// A window key: when it was made and destroyed, and when it was due to be.
    public struct Key: Encodable, Sendable {
        public var id: String
        public var window: String
        public var created: String
        public var destroyed: String?
        public var due: String
        /// Destroyed more than one sweep interval after it was due, or still alive past that.
        public var late: Bool
    }

    /// An access, erasure or objection request, from the audit log.
    public struct Request: Encodable, Sendable {
        public var time: String
        public var kind: String
        public var user: String?
        public var outcome: String
    }

    public struct Reads: Encodable, Sendable {
        public var user: String
        public var uid: UInt32?
        public var reads: Int
        public var commands: [String]
    }

    public struct Loss: Encodable, Sendable {
        public var time: String
        public var input: String
        public var reason: String
        public var bytes: Int64?
    }

    public struct AuditChain: Encodable, Sendable {
        public var intact: Bool
        public var entries: Int
        public var problems: Int
        public var headID: Int64?
        public var headHash: String?

        enum CodingKeys: String, CodingKey {
            case intact, entries, problems
            case headID = "head_id"
            case headHash = "head_hash"
        }
    }

    public var tenant: String?
    public var period: Period
    public var generated: String
    public var configuration: Configuration?
    public var linesRead = 0
    public var linesWritten = 0
    public var linesDropped = 0
    /// Written, then removed by `forget`.
    public var linesErased = 0
    public var dropped: [String: Int] = [:]
    public var days: [Day] = []
    public var keys: [Key] = []
    public var keysCreated = 0
    public var keysDestroyed = 0
    public var keysLate = 0
    public var segmentsDeleted = 0
    public var requests: [Request] = []
    public var reads: [Reads] = []
    public var losses: [Loss] = []
    public var auditEntries = 0
    public var auditChain: AuditChain?

    enum CodingKeys: String, CodingKey {
        case tenant, period, generated, configuration, dropped, days, keys, requests, reads, losses
        case linesRead = "lines_read"
        case linesWritten = "lines_written"
        case linesDropped = "lines_dropped"
        case linesErased = "lines_erased"
        case keysCreated = "keys_created"
        case keysDestroyed = "keys_destroyed"
        case keysLate = "keys_late"
        case segmentsDeleted = "segments_deleted"
        case auditEntries = "audit_entries"
        case auditChain = "audit_chain"
    }

    /// Gathers the report of `[since, until)` (epoch seconds; open ends when `nil`).
    ///
    /// - Parameter sweepInterval: how late a key may be destroyed before it counts as late (sweeps run that often).
    public static func make(
        store: StateStore,
        stateDirectory: String,
        window: WindowLength,
        retention: RetentionPolicy,
        sweepInterval: Int64,
        configuration: Configuration?,
        since: Int64?,
        until: Int64?,
        tenant: String? = nil,
        now: Int64? = nil
    ) throws -> ControllerReport {
        let now = now ?? Int64(Date().timeIntervalSince1970)
        var report = ControllerReport(
            tenant: tenant,
            period: Period(
                since: since.map { AuditEntry.timestamp(Double($0)) },
                until: until.map { AuditEntry.timestamp(Double($0)) }
            ),
            generated: AuditEntry.timestamp(Double(now)),
            configuration: configuration
        )
        // What was processed: the windows starting in the period, as `stats` counts them.
        var byDay: [String: Day] = [:]
        for row in try store.statsRows(since: since, until: until)
        where tenant == nil || TenantSettings.tenant(ofSource: row.input) == tenant {
            let counters = row.counters
            report.linesRead += counters.linesRead
            report.linesWritten += counters.linesWritten
            report.linesDropped += counters.linesDropped
            report.linesErased += counters.linesErased
            for (reason, count) in counters.dropped where count > 0 {
                report.dropped[reason.rawValue, default: 0] += count
            }
            let day = String(AuditEntry.timestamp(Double(row.windowStart)).prefix(10))
            var entry = byDay[day] ?? Day(day: day, read: 0, written: 0, dropped: 0)
            entry.read += counters.linesRead
            entry.written += counters.linesWritten
            entry.dropped += counters.linesDropped
            byDay[day] = entry
        }
        report.days = byDay.values.sorted { $0.day < $1.day }
        // Keys of the windows in the period, against their schedule.
        let keyRows = try store.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, window_start, created, destroyed FROM keys WHERE window_start >= ? AND window_start < ? ORDER BY window_start, id",
                arguments: [since ?? Int64.min, until ?? Int64.max]
            )
        }
        let keySeconds = retention.keySeconds(window)
        let keyPrefix = KeyStore.idPrefix(tenant)
        for row in keyRows where tenant == nil || (row["id"] as String).hasPrefix(keyPrefix) {
            let start: Int64 = row["window_start"]
            let destroyed: Double? = row["destroyed"]
            let due = start + window.seconds + keySeconds
            let late = Double(due + sweepInterval) < (destroyed ?? Double(now))
            report.keys.append(
                Key(
                    id: row["id"],
                    window: window.name(ofWindowStarting: start),
                    created: AuditEntry.timestamp(row["created"]),
                    destroyed: destroyed.map(AuditEntry.timestamp),
                    due: AuditEntry.timestamp(Double(due)),
                    late: late
                )
            )
        }
        report.keysCreated = report.keys.count
        report.keysDestroyed = report.keys.count { $0.destroyed != nil }
        report.keysLate = report.keys.count { $0.late }
        // What the audit log says of the period: as `audit --since --until` lists it.
        let entries = try AuditLog.entries(in: store, since: since.map(Double.init)).filter { entry in
            (until.map { entry.at < Double($0) } ?? true) && (tenant.map { entry.event.concerns(tenant: $0) } ?? true)
        }
        report.auditEntries = entries.count
        var reads: [String: Reads] = [:]
        for entry in entries {
            let event = entry.event
            let time = AuditEntry.timestamp(entry.at)
            switch event.event {
            case "segment_deleted": report.segmentsDeleted += 1
            case "erasure_done":
                report.requests.append(
                    Request(
                        time: time,
                        kind: "erasure",
                        user: event.user,
                        outcome:
                            "\(event.lines ?? 0) lines removed from \(event.segments ?? 0) segments; \(event.unlinkable?.count ?? 0) windows unlinkable"
                    )
                )
            case "objection_added", "objection_changed", "objection_withdrawn":
                let what = event.event.dropFirst("objection_".count)
                report.requests.append(
                    Request(
                        time: time,
                        kind: "objection",
                        user: event.user,
                        outcome: String(what) + (event.until.map { " until \($0)" } ?? "")
                    )
                )
            case "segments_exported":
                report.requests.append(
                    Request(
                        time: time,
                        kind: "export",
                        user: event.user,
                        outcome:
                            "\(event.segments ?? 0) segments (\(event.lines ?? 0) lines, \(event.since ?? "?") to \(event.until ?? "?")) exported to \(event.recipients?.joined(separator: ", ") ?? "?"), sha256 \(event.sha256 ?? "?")"
                    )
                )
            case "read":
                let user = event.user ?? "unknown"
                var entry = reads[user] ?? Reads(user: user, uid: event.uid, reads: 0, commands: [])
                entry.reads += 1
                if let command = event.command, !entry.commands.contains(command) { entry.commands.append(command) }
                reads[user] = entry
                if event.command == "access" {
                    report.requests.append(
                        Request(
                            time: time,
                            kind: "access",
                            user: event.user,
                            outcome: "\(event.lines ?? 0) lines returned"
                        )
                    )
                }
            default: break
            }
        }
        report.reads = reads.values.sorted { $0.user < $1.user }
        // Losses recorded in the period.
        report.losses = try store.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT input, from_offset, to_offset, reason, at FROM losses WHERE at >= ? AND at < ? ORDER BY at",
                arguments: [Double(since ?? Int64.min), Double(until ?? Int64.max)]
            ).map { row in
                let from: Int64 = row["from_offset"]
                let to: Int64? = row["to_offset"]
                return Loss(
                    time: AuditEntry.timestamp(row["at"]),
                    input: row["input"],
                    reason: row["reason"],
                    bytes: to.map { $0 - from }
                )
            }
        }
        let chain = try AuditVerification.check(store: store, stateDirectory: stateDirectory)
        report.auditChain = AuditChain(
            intact: chain.intact,
            entries: chain.entries,
            problems: chain.problems.count,
            headID: chain.headID,
            headHash: chain.headHash
        )
        return report
    }
}
