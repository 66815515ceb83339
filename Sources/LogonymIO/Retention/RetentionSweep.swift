import Foundation
import GRDB
import Glibc
public import LogonymCore

/// What a retention sweep deletes (or, in a dry run, would delete).
public struct RetentionPlan: Sendable, Codable {
    /// One deletion.
    public struct Item: Sendable, Codable, Equatable {
        /// `segment`, `key`, `identity` or `raw_input`.
        public var kind: String
        /// The file (for a key: its key file).
        public var path: String
        public var input: String?
        public var window: String?
        public var keyID: String?
        public var lines: Int64?
        public var bytes: Int64

        enum CodingKeys: String, CodingKey {
            case kind, path, input, window, lines, bytes
            case keyID = "key_id"
        }
    }

    public var items: [Item] = []
    /// Audit entries older than the audit retention.
    public var auditEntries = 0

    public var bytes: Int64 { items.reduce(0) { $0 + $1.bytes } }
    public func count(_ kind: String) -> Int { items.count { $0.kind == kind } }

    enum CodingKeys: String, CodingKey {
        case items
        case auditEntries = "audit_entries"
    }

    public init() {}

    /// Adds another scope's deletions (audit entries are counted once: every scope sees the same audit log).
    public mutating func add(_ other: RetentionPlan) {
        items += other.items
        auditEntries = max(auditEntries, other.auditEntries)
    }
}

/// Deletes what retention no longer allows: closed segments whose window ended more than `output` ago, keys whose
/// window ended more than `keys` ago (unless a segment of that window is still open), fully read raw inputs older
/// than `raw_inputs`, and audit entries older than `audit`. Every deletion is recorded in the audit log in the same
/// transaction that removes it from the state database; a sweep killed half-way finishes at the next one.
public struct RetentionSweep {
    public let store: StateStore
    public let audit: AuditLog
    public let keys: KeyStore?
    public let identities: WindowIdentities?
    public let stateDirectory: String
    public let window: WindowLength
    public let policy: RetentionPolicy
    /// The scope swept: a tenant's segments and keys, or all of them without tenants.
    let scope: EngineSettings
    /// Deletes every segment and key of the scope whatever their time, and leaves the audit log's retention and
    /// the sweep's summary entry alone (``Maintenance/removeTenant(_:dryRun:)``).
    var removesEverything = false
    /// Inputs by name with their path patterns (raw input deletion only touches files recorded for them).
    public let inputs: [String: [String]]

    public init(
        store: StateStore,
        audit: AuditLog,
        keys: KeyStore?,
        identities: WindowIdentities? = nil,
        scope: EngineSettings,
        inputs: [String: [String]]
    ) {
        self.store = store
        self.audit = audit
        self.keys = keys
        self.identities = identities
        self.scope = scope
        stateDirectory = scope.stateDirectory
        window = scope.window
        policy = scope.retention
        self.inputs = inputs
    }

    /// The scope's segments as the state database lists them.
    private func segments() throws -> [StateStore.SegmentRecord] {
        try store.segments().filter { scope.owns(source: $0.input) }
    }

    /// Whether an open segment is done with by the clock: its window ended longer ago than key retention, so
    /// a line for it now is a late line (it goes to a new part, under a new key).
    func isStale(_ segment: StateStore.SegmentRecord, now: Int64) -> Bool {
        segment.open
            && (removesEverything || policy.keyExpired(windowStart: segment.windowStart, window: window, now: now))
    }

    /// What a sweep at `now` (seconds since the epoch) deletes; `mayClose` says whether a stale open segment of
    /// an input may be closed by this process (no other process writes the input).
    public func plan(now: Int64, mayClose: (String) -> Bool) throws -> RetentionPlan {
        var plan = RetentionPlan()
        let segments = try segments().map { segment in
            var segment = segment
            if isStale(segment, now: now) && mayClose(segment.input) { segment.open = false }
            return segment
        }
        if policy.output != nil || removesEverything {
            for segment in segments
            where !segment.open
                && (removesEverything
                    || policy.outputExpired(windowStart: segment.windowStart, window: window, now: now))
            {
                plan.items.append(
                    .init(
                        kind: "segment",
                        path: segment.path,
                        input: segment.input,
                        window: window.name(ofWindowStarting: segment.windowStart),
                        lines: segment.lines,
                        bytes: FileProbe.path(segment.path)?.size ?? 0
                    )
                )
            }
        }
        let openWindows = Set(segments.filter(\.open).map(\.windowStart))
        for key in KeyStore.liveKeys(stateDirectory: stateDirectory, tenant: scope.tenant)
        where removesEverything
            || (policy.keyExpired(windowStart: key.windowStart, window: key.window, now: now)
                && !openWindows.contains(key.windowStart))
        {
            plan.items.append(
                .init(
                    kind: "key",
                    path: key.path,
                    window: key.window.name(ofWindowStarting: key.windowStart),
                    keyID: key.id,
                    bytes: 32
                )
            )
        }
        // A window's identity goes when its output does: every copy of its encrypted segments is unreadable from then.
        if policy.output != nil || removesEverything {
            for identity in WindowIdentities.live(stateDirectory: stateDirectory, tenant: scope.tenant)
            where removesEverything
                || (policy.outputExpired(windowStart: identity.windowStart, window: identity.window, now: now)
                    && !openWindows.contains(identity.windowStart))
            {
                plan.items.append(
                    .init(
                        kind: "identity",
                        path: identity.path,
                        window: identity.window.name(ofWindowStarting: identity.windowStart),
                        keyID: identity.id,
                        bytes: Int64(FileProbe.path(identity.path)?.size ?? 0)
                    )
                )
            }
        }
        if let rawSeconds = policy.rawInputs {
            for (input, patterns) in inputs.sorted(by: { $0.key < $1.key }) {
                let fingerprints = Fingerprints(key: store.fingerprintKey)
                for record in try store.files(input: input) where record.state == "finished" {
                    // The file read to its end: at its path, on its inode, and still holding what it held (an inode
                    // number is handed out again; a fingerprint says the content is the same).
                    guard patterns.contains(where: { Self.matches($0, record.path) }),
                        let probe = FileProbe.path(record.path), probe.isRegular,
                        probe.dev == record.dev, probe.ino == record.ino,
                        probe.mtime / 1_000_000_000 + rawSeconds <= now, record.fingerprintLength > 0,
                        fingerprints.fingerprint(
                            of: record.path,
                            length: record.fingerprintLength,
                            scheme: record.fingerprintScheme
                        ) == record.fingerprint
                    else { continue }
                    plan.items.append(.init(kind: "raw_input", path: record.path, input: input, bytes: probe.size))
                }
            }
        }
        if removesEverything { return plan }
        plan.auditEntries = try store.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM audit WHERE at < ?",
                arguments: [Double(now - policy.audit)]
            )
                ?? 0
        }
        return plan
    }

    /// Closes stale open segments (see ``plan(now:mayClose:)``) and carries out the plan; returns it. The caller
    /// drops cached anonymizers when keys were destroyed.
    @discardableResult
    public func run(now: Int64, mayClose: (String) -> Bool) throws -> RetentionPlan {
        try finishInterruptedDeletions()
        try removePlainCopiesOfSealedSegments()
        for segment in try segments() where isStale(segment, now: now) && mayClose(segment.input) {
            try store.write { db in
                try db.execute(sql: "UPDATE segments SET open = 0 WHERE path = ?", arguments: [segment.path])
            }
        }
        let plan = try plan(now: now, mayClose: { _ in false })
        for item in plan.items {
            switch item.kind {
            case "segment":
                if item.path.hasSuffix(SegmentSealer.suffix) {
                    // A plain copy a crash left beside the encrypted segment goes first: it must not outlive it.
                    try delete(String(item.path.dropLast(SegmentSealer.suffix.count)))
                }
                try delete(item.path)
                CrashPoint.reach("segment-deleted")
                try recordDeletion(
                    path: item.path,
                    input: item.input,
                    window: item.window,
                    lines: item.lines,
                    bytes: item.bytes,
                    note: nil
                )
            case "key":
                guard let keys else { preconditionFailure("a sweep that destroys keys needs the key store") }
                if let key = KeyStore.liveKeys(stateDirectory: stateDirectory, tenant: scope.tenant)
                    .first(where: { $0.id == item.keyID })
                {
                    try keys.destroy(key)
                }
            case "identity":
                guard let identities else { preconditionFailure("a sweep that destroys identities needs them open") }
                if let live = WindowIdentities.live(stateDirectory: stateDirectory, tenant: scope.tenant)
                    .first(where: { $0.id == item.keyID })
                {
                    try identities.destroy(live)
                }
            default:
                try delete(item.path)
                try store.write { db in
                    try db.execute(
                        sql: "UPDATE files SET state = 'deleted' WHERE path = ? AND state = 'finished'",
                        arguments: [item.path]
                    )
                    try AuditLog.insert(
                        AuditEvent("raw_input_deleted", input: item.input, path: item.path, bytes: item.bytes),
                        into: db
                    )
                }
            }
            try audit.sync()
        }
        try store.forgetClientSketches(ofSources: scope.owns(source:)) {
            removesEverything || policy.outputExpired(windowStart: $0, window: window, now: now)
        }
        if removesEverything { return plan }
        if plan.auditEntries > 0 { try audit.prune(before: Double(now - policy.audit)) }
        var summary = AuditEvent("sweep", bytes: plan.bytes, note: "now \(AuditEntry.timestamp(Double(now)))")
        summary.segments = plan.count("segment")
        summary.keys = plan.count("key") + plan.count("identity")
        summary.rawInputs = plan.count("raw_input")
        try audit.record(summary)
        return plan
    }

    /// A segment recorded encrypted whose plain file is still there (a kill after the row moved to the encrypted
    /// name and before the plain file was removed, in a run that is never repeated): the plain copy is removed.
    private func removePlainCopiesOfSealedSegments() throws {
        for segment in try segments() where segment.path.hasSuffix(SegmentSealer.suffix) {
            let plain = String(segment.path.dropLast(SegmentSealer.suffix.count))
            if FileProbe.path(plain) != nil { try delete(plain) }
        }
    }

    /// A closed segment whose file is gone but whose row remains was deleted by a sweep that was killed before
    /// its transaction: record it now.
    private func finishInterruptedDeletions() throws {
        for segment in try segments() where !segment.open && FileProbe.path(segment.path) == nil {
            try recordDeletion(
                path: segment.path,
                input: segment.input,
                window: window.name(ofWindowStarting: segment.windowStart),
                lines: segment.lines,
                bytes: segment.length,
                note: "completed after a restart"
            )
        }
        try audit.sync()
    }

    /// Removes a deleted segment's row and records the deletion, in one transaction.
    private func recordDeletion(
        path: String,
        input: String?,
        window: String?,
        lines: Int64?,
        bytes: Int64,
        note: String?
    ) throws {
        var event = AuditEvent(
            "segment_deleted",
            input: input,
            path: path,
            window: window,
            lines: lines,
            bytes: bytes,
            note: note
        )
        event.tenant = input.flatMap(TenantSettings.tenant(ofSource:))
        try store.write { db in
            try db.execute(sql: "DELETE FROM segments WHERE path = ?", arguments: [path])
            try AuditLog.insert(event, into: db)
        }
    }

    private func delete(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw LogonymIOError.system("unlink", path: path, errno: errno) }
        DirectorySync.sync(parentOf: path)
    }

    /// A file belongs to a pattern when it matches it or is a rotated copy of a match (`access.log.2.gz`).
    static func matches(_ pattern: String, _ path: String) -> Bool {
        fnmatch(pattern, path, FNM_PATHNAME) == 0 || fnmatch(pattern + "*", path, FNM_PATHNAME) == 0
    }
}

@available(*, unavailable)
extension RetentionSweep: Sendable {}
