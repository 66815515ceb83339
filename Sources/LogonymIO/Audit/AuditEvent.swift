import Foundation

/// One entry of the audit log: what was created, destroyed, deleted or erased, and when the configuration was
/// loaded. Entries name keys by id, files by path and windows by name; never a key, never an address.
public struct AuditEvent: Codable, Sendable, Equatable {
    /// `key_created`, `key_destroyed`, `segment_deleted`, `segment_rewritten`, `raw_input_deleted`,
    /// `erasure_started`, `erasure_done`, `config_loaded`, `config_reloaded`, `sweep`.
    public var event: String
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

    enum CodingKeys: String, CodingKey {
        case event, input, path, window, lines, bytes, segments, keys, windows, unlinkable, note
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
}

/// An audit event as stored: its sequence number and time.
public struct AuditEntry: Sendable, Equatable, Encodable {
    public var id: Int64
    /// Seconds since the epoch.
    public var at: Double
    public var event: AuditEvent

    enum Keys: String, CodingKey {
        case id, time
    }

    /// `{"id":…,"time":"…Z",` followed by the event's fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode(Self.timestamp(at), forKey: .time)
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
