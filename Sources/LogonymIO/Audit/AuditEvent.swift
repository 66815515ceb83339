import Foundation

/// One entry of the audit log: what was created, destroyed, deleted or erased, when the configuration was
/// loaded, and who read pseudonymized data or state. Every entry names the operating-system user and the command
/// that made it. Entries name keys by id, files by path and windows by name; never a key, never an address.
public struct AuditEvent: Codable, Sendable, Equatable {
    /// `key_created`, `key_destroyed`, `identity_created`, `identity_destroyed`, `identity_exported` (the window
    /// identities of encrypted segments), `segment_deleted`, `segment_rewritten`, `raw_input_deleted`,
    /// `erasure_started`, `erasure_done`, `config_loaded`, `config_reloaded`, `sweep`, `read`, `objection_added`,
    /// `objection_changed`, `objection_withdrawn`, `tenant_removal_started`, `tenant_removed`, `segments_exported`
    /// (an encrypted export for a third party).
    public var event: String
    /// Who: the real user id of the process and its name (filled in when the entry is recorded).
    public var uid: UInt32?
    public var user: String?
    /// The command (`run`, `stats`, `audit --verify`, `GET /stats`...).
    public var command: String?
    /// A read's scope: its tenant and time range (ISO 8601), and how many rows, entries or lines it returned.
    public var tenant: String?
    public var since: String?
    public var until: String?
    public var returned: Int64?
    /// `audit_pruned`: the hash of the last entry deleted, which the first one left follows.
    public var anchor: String?
    public var keyID: String?
    public var input: String?
    public var path: String?
    public var window: String?
    /// Lines in a deleted segment, or lines removed from a rewritten one.
    public var lines: Int64?
    public var bytes: Int64?
    /// A sweep's or an erasure's counts.
    public var segments: Int?
    public var keys: Int?
    public var rawInputs: Int?
    /// Windows an erasure changed, and windows it could not link because their key was gone.
    public var windows: [String]?
    public var unlinkable: [String]?
    /// A short remark (`completed after a restart`, the configuration file's path, a time range).
    public var note: String?
    /// An export's recipients (age public keys) and the SHA-256 (hex) of the file written for them.
    public var recipients: [String]?
    public var sha256: String?

    enum CodingKeys: String, CodingKey {
        case event, input, path, window, lines, bytes, segments, keys, windows, unlinkable, note
        case uid, user, command, tenant, since, until, returned, anchor, recipients, sha256
        case keyID = "key_id"
        case rawInputs = "raw_inputs"
    }

    public init(
        _ event: String,
        keyID: String? = nil,
        input: String? = nil,
        path: String? = nil,
        window: String? = nil,
        lines: Int64? = nil,
        bytes: Int64? = nil,
        note: String? = nil
    ) {
        self.event = event
        self.keyID = keyID
        self.input = input
        self.path = path
        self.window = window
        self.lines = lines
        self.bytes = bytes
        self.note = note
    }

    /// A read of pseudonymized data or state by `command`.
    public static func read(
        _ command: String,
        tenant: String? = nil,
        since: Double? = nil,
        until: Double? = nil,
        returned: Int64? = nil,
        lines: Int64? = nil,
        note: String? = nil
    ) -> AuditEvent {
        var event = AuditEvent("read", lines: lines, note: note)
        event.command = command
        event.tenant = tenant
        event.since = since.map(AuditEntry.timestamp)
        event.until = until.map(AuditEntry.timestamp)
        event.returned = returned
        return event
    }

    /// Whether an entry concerns a tenant (`audit --tenant`, the controller's report): one about that tenant, or
    /// one about every tenant (no tenant named: a sweep, a configuration loaded, a read of all counters); never
    /// one about another tenant.
    public func concerns(tenant: String) -> Bool {
        self.tenant == nil || self.tenant == tenant
    }

    /// What an entry is about, for `audit --kind`.
    public enum Kind: String, CaseIterable, Sendable {
        case read, delete, key, config, request, other
    }

    public var kind: Kind {
        switch event {
        case "read", "segments_exported": .read
        case "key_created", "key_destroyed", "identity_created", "identity_destroyed", "identity_exported": .key
        case "segment_deleted", "segment_rewritten", "raw_input_deleted", "erasure_started", "erasure_done", "sweep",
            "audit_pruned", "tenant_removal_started", "tenant_removed":
            .delete
        case "config_loaded", "config_reloaded": .config
        case "objection_added", "objection_changed", "objection_withdrawn": .request
        default: .other
        }
    }
}

/// An audit event as stored: its sequence number, its time, and the link to the entry before it.
public struct AuditEntry: Sendable, Equatable, Encodable {
    public var id: Int64
    /// Seconds since the epoch.
    public var at: Double
    public var event: AuditEvent
    /// The SHA-256 (hex) of the previous entry's line, as in the audit file; 64 zeros for the first entry of the
    /// chain. `nil` for an entry written before the chain began (logonym before version 6 of the state).
    public var prev: String?

    public init(id: Int64, at: Double, event: AuditEvent, prev: String? = nil) {
        self.id = id
        self.at = at
        self.event = event
        self.prev = prev
    }

    enum Keys: String, CodingKey {
        case id, time, prev
    }

    /// `{"id":…,"prev":"…","time":"…Z",` and the event's fields, keys sorted (the encoder's setting).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode(Self.timestamp(at), forKey: .time)
        try container.encodeIfPresent(prev, forKey: .prev)
        try event.encode(to: encoder)
    }

    /// `2026-11-27T10:15:00Z`.
    public static func timestamp(_ seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec)
        )
    }
}
