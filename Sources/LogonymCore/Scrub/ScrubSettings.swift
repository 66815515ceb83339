/// What the scrub stage removes from request URIs, referrers, remote users and user agents.
public struct ScrubSettings: Sendable, Equatable {
    /// `denylist`: values of listed parameter names are replaced, detectors run on the rest; `allowlist`: only
    /// listed names keep their values.
    public enum Mode: String, CaseIterable, Sendable {
        case denylist, allowlist
    }

    /// The remote user field (`$remote_user`, `%u`).
    public enum RemoteUser: String, CaseIterable, Sendable {
        case keep, hash, drop
    }

    /// The user agent field.
    public enum UserAgent: String, CaseIterable, Sendable {
        case keep, family
    }

    public var mode: Mode = .denylist
    /// Parameter names (patterns: `*token`, `utm_*`, `*email*`) whose values are always replaced; matched as
    /// ``NameRules`` folds them (case, `-`, `_` and camelCase alike).
    public var denyNames: [String] = Self.defaultDenyNames
    /// Names whose values are replaced when they look like a token (`state`, `nonce`).
    public var tokenNames: [String] = Self.defaultTokenNames
    /// Names (patterns) taken off `denyNames` and `tokenNames` (`[scrub] keep` adds to these).
    public var keepNames: [String] = Self.defaultKeepNames
    /// With `allowlist`: the names that keep their values (`utm_*` matches a prefix).
    public var allowNames: [String] = ["utm_*", "ref", "source", "page"]
    /// What replaces a value.
    public var marker: String = "[Filtered]"

    /// Whether a marker keeps the line parseable: not empty, printable ASCII without blanks or quotes (a tab or a
    /// newline would split the line it is written into; a backslash would escape what follows it in JSON output).
    public static func isUsableMarker(_ marker: String) -> Bool {
        !marker.isEmpty
            && marker.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    /// Why ``isUsableMarker(_:)`` refuses a marker, for error messages.
    public static let markerRule = "must be non-empty printable ASCII, without blanks, quotes or backslashes"
    public var remoteUser: RemoteUser = .keep
    public var userAgent: UserAgent = .keep

    public init() {}
}
