/// A line format compiled from nginx `log_format` syntax: literals and `$variables`, alternating.
///
/// Every variable is one of three kinds. Address variables (``AddressVocabulary``) are parsed and pseudonymized.
/// Variables known to be address-free (status, byte counts, port, times, durations and sizes, method and protocol)
/// are validated by the matcher, so that a line whose value there is anything else does not match, and copied.
/// Everything else, known or not (the request, referrer, user agent, virtual host, remote user, and any `$name`
/// logonym does not know), may hold an address: it goes through the address scanner before it is written.
public struct LogFormat: Sendable, Equatable {
    /// What a variable holds.
    public enum Field: Sendable, Equatable {
        case clientAddress
        case forwardedFor
        case timeLocal
        case timeISO8601
        /// A W3C extended log's `date` (`2026-11-27`, UTC); the line's time with ``clock``.
        case date
        /// A W3C extended log's `time` (`10:00:00`, UTC).
        case clock
        case request
        case referrer
        case userAgent
        case status
        case bytes
        case vhost
        case serverPort
        case remoteUser
        /// A URL other than the request line and the referrer (`$request_uri`, `$uri`): scrubbed like the referrer.
        case url
        /// A query string without its path (`$args`, `$query_string`, Apache `%q`): scrubbed pair by pair.
        case query
        /// An RFC 7239 `Forwarded` header (`$http_forwarded`, Apache `%{Forwarded}i`): its `for=` and `by=` nodes
        /// are addresses, its other parameters are scanned.
        case forwardedHeader
        /// A duration, size or count (`$request_time`, `$request_length`, `$msec`, Apache `%D`): digits with at
        /// most one `.`, or `-`.
        case number
        /// A method, scheme or protocol (`$request_method`, `$scheme`, `$server_protocol`): letters, digits and
        /// `/._-`, too few dots to hold an address.
        case word
        /// Any other variable: copied after the address scanner replaced whatever looks like an address in it.
        case opaque

        /// Whether the matcher validates nothing of the field's bytes (anything but status, byte counts, port,
        /// times, numbers and words), so that it may hold a blank or a separator.
        var isFreeText: Bool {
            switch self {
            case .status, .bytes, .serverPort, .timeLocal, .timeISO8601, .date, .clock, .number, .word: false
            default: true
            }
        }
    }

    /// How a variable's extent is found.
    enum Delimiter: Sendable, Equatable {
        /// Between double quotes, with backslash escapes.
        case quoted
        /// Between `[` and `]`.
        case bracketed
        /// Up to the first byte of the literal that follows (or the end of the line).
        case token
    }

    struct Variable: Sendable, Equatable {
        var name: String
        var field: Field
        var delimiter: Delimiter
    }

    /// The name shown in reports (`combined`, `custom`, ...).
    public let name: String
    /// `literals[k]` stands before `variables[k]`; the last literal ends the line.
    let literals: [[UInt8]]
    let variables: [Variable]
    /// The same, laid out flat for the matcher: literal `k` is `literalBytes[literalOffsets[k]..<literalOffsets[k+1]]`.
    let literalBytes: [UInt8]
    let literalOffsets: [Int]
    let delimiters: [Delimiter]
    let fields: [Field]
    /// Whether a free-text token variable stands before a literal of more than one byte (then a line that does not
    /// match at once is tried again, such tokens extended to where their whole literal stands: Traefik writes a
    /// forwarded list with blanks as its client, `216.160.83.56, 10.0.3.15 - - [...]`).
    let extendsTokens: Bool

    /// The number of variables, which is the size a ``FieldMatch`` needs.
    public var variableCount: Int { variables.count }

    /// The positions of the variables holding `field`.
    public func indices(of field: Field) -> [Int] {
        variables.indices.filter { variables[$0].field == field }
    }

    /// The variable names, in order.
    public var variableNames: [String] { variables.map(\.name) }

    /// Compiles a format in nginx `log_format` syntax (`$name` or `${name}`).
    ///
    /// - Throws: ``LogFormatError`` when the format has no `$remote_addr`-like variable, when two variables touch
    ///   with no literal between them, or when a `$` is not followed by a name.
    public init(nginx format: String, name: String = "custom") throws(LogFormatError) {
        let bytes = Array(format.utf8)
        var literals: [[UInt8]] = []
        var names: [String] = []
        var current: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            guard c == UInt8(ascii: "$") else {
                current.append(c)
                i += 1
                continue
            }
            var j = i + 1
            var braced = false
            if j < bytes.count && bytes[j] == UInt8(ascii: "{") {
                braced = true
                j += 1
            }
            let nameStart = j
            while j < bytes.count && Self.isNameByte(bytes[j]) { j += 1 }
            guard j > nameStart else { throw LogFormatError("'$' at byte \(i) is not followed by a variable name") }
            let variable = String(decoding: bytes[nameStart..<j], as: UTF8.self)
            if braced {
                guard j < bytes.count && bytes[j] == UInt8(ascii: "}") else {
                    throw LogFormatError("'${\(variable)' is not closed with '}'")
                }
                j += 1
            }
            if !names.isEmpty && current.isEmpty {
                throw LogFormatError("'$\(names.last!)' and '$\(variable)' touch; put a literal between them")
            }
            literals.append(current)
            names.append(variable)
            current = []
            i = j
        }
        literals.append(current)
        var variables: [Variable] = []
        for (k, variableName) in names.enumerated() {
            let before = literals[k].last
            let after = literals[k + 1].first
            let delimiter: Delimiter
            if before == UInt8(ascii: "\"") && after == UInt8(ascii: "\"") {
                delimiter = .quoted
            } else if before == UInt8(ascii: "[") && after == UInt8(ascii: "]") {
                delimiter = .bracketed
            } else {
                delimiter = .token
            }
            variables.append(Variable(name: variableName, field: Self.field(for: variableName), delimiter: delimiter))
        }
        guard variables.count <= FieldMatch.maxVariables else {
            let limit = FieldMatch.maxVariables
            throw LogFormatError("the format has \(variables.count) variables; at most \(limit) are read")
        }
        let addressFields: [Field] = [.clientAddress, .forwardedFor, .forwardedHeader]
        guard variables.contains(where: { addressFields.contains($0.field) }) else {
            throw LogFormatError("the format has no client address variable ($remote_addr or $http_x_forwarded_for)")
        }
        self.name = name
        self.literals = literals
        self.variables = variables
        literalBytes = literals.flatMap { $0 }
        literalOffsets = literals.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        delimiters = variables.map(\.delimiter)
        fields = variables.map(\.field)
        extendsTokens = variables.indices.contains {
            variables[$0].field.isFreeText && variables[$0].delimiter == .token && literals[$0 + 1].count > 1
        }
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_")
    }

    static func field(for variable: String) -> Field {
        switch variable {
        case "time_local": .timeLocal
        case "time_iso8601": .timeISO8601
        case "w3c_date": .date
        case "w3c_time": .clock
        case "request": .request
        case "http_referer": .referrer
        case "http_user_agent": .userAgent
        case "status": .status
        case "body_bytes_sent", "bytes_sent": .bytes
        case "host", "server_name", "http_host": .vhost
        case "server_port": .serverPort
        case "remote_user": .remoteUser
        case "request_uri", "uri", "document_uri": .url
        case "args", "query_string": .query
        case "request_time", "request_length", "msec", "connection", "connection_requests", "bytes_received",
            "request_time_us", "upstream_connect_time", "upstream_header_time", "gzip_ratio", "content_length",
            "http_content_length", "sent_http_content_length", "w3c_substatus",
            "w3c_win32_status", "traefik_duration_ms", "traefik_requests":
            .number
        case "request_method", "scheme", "server_protocol", "pipe", "connection_status", "ssl_protocol",
            "ssl_cipher", "upstream_cache_status", "remote_ident":
            .word
        default:
            switch AddressVocabulary.role(of: variable) {
            case .client: .clientAddress
            case .list: .forwardedFor
            case .forwarded: .forwardedHeader
            case nil: .opaque
            }
        }
    }
}

/// A format string that cannot be compiled.
public struct LogFormatError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, as a sentence.
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
