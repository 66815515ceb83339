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
    /// Parameter names whose values are always replaced (case-insensitive, `-` and `_` alike).
    public var denyNames: [String] = Self.defaultDenyNames
    /// With `allowlist`: the names that keep their values (`utm_*` matches a prefix).
    public var allowNames: [String] = ["utm_*", "ref", "source", "page"]
    /// What replaces a value.
    public var marker: String = "[Filtered]"

    /// Whether a marker keeps the line parseable: not empty, no blanks or quotes.
    public static func isUsableMarker(_ marker: String) -> Bool {
        !marker.isEmpty && !marker.contains(" ") && !marker.contains("\"")
    }

    /// Why ``isUsableMarker(_:)`` refuses a marker, for error messages.
    public static let markerRule = "must be non-empty, without blanks or quotes"
    public var remoteUser: RemoteUser = .keep
    public var userAgent: UserAgent = .keep

    public init() {}

    public static let defaultDenyNames = [
        "password", "passwd", "pwd", "secret", "api_key", "apikey", "auth", "credentials", "privatekey",
        "private_key", "token", "access_token", "refresh_token", "id_token", "code", "code_verifier",
        "client_secret", "assertion", "SAMLRequest", "SAMLResponse", "RelayState", "ticket", "jwt", "sig",
        "signature", "session", "sessionid", "sid", "jsessionid", "PHPSESSID", "csrf", "csrftoken", "csrf_token",
        "_csrf", "xsrf", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "X-Goog-Signature",
        "X-Goog-Credential", "otp", "email", "e-mail", "mail", "phone", "tel", "mobile", "msisdn", "name",
        "first_name", "firstname", "last_name", "lastname", "address", "zip", "postcode", "dob", "birthdate", "iban",
        "ssn", "card", "cc", "cvv",
    ]
}
