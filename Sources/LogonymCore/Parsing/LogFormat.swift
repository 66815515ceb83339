/// A line format compiled from nginx `log_format` syntax: literals and `$variables`, alternating.
///
/// Only the fields logonym needs are named (client address, forwarded-for list, time, request, referrer, user
/// agent, status, bytes, virtual host); any other variable is an opaque field that is matched but never changed.
public struct LogFormat: Sendable, Equatable {
    /// What a variable holds.
    public enum Field: Sendable, Equatable {
        case clientAddress
        case forwardedFor
        case timeLocal
        case timeISO8601
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
        case opaque
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
        guard variables.contains(where: { $0.field == .clientAddress || $0.field == .forwardedFor }) else {
            throw LogFormatError("the format has no client address variable ($remote_addr or $http_x_forwarded_for)")
        }
        self.name = name
        self.literals = literals
        self.variables = variables
        literalBytes = literals.flatMap { $0 }
        literalOffsets = literals.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        delimiters = variables.map(\.delimiter)
        fields = variables.map(\.field)
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_")
    }

    static func field(for variable: String) -> Field {
        switch variable {
        case "remote_addr", "realip_remote_addr", "client_ip": .clientAddress
        case "http_x_forwarded_for", "proxy_add_x_forwarded_for", "http_x_real_ip", "http_true_client_ip",
            "http_cf_connecting_ip":
            .forwardedFor
        case "time_local": .timeLocal
        case "time_iso8601": .timeISO8601
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
        default: .opaque
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
