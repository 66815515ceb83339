/// Which tenant (hosting customer) a line belongs to, by its virtual host: each tenant owns exact host names and
/// `*.` wildcards (`*.example.com` is every name below `example.com`, not `example.com` itself). An exact name
/// wins over a wildcard, and a longer wildcard over a shorter one; two tenants may not claim the same pattern.
///
/// Host values are compared without case, without a trailing dot and without a `:port`; a value that is not a
/// host name (empty, an IPv6 literal, bytes outside the DNS alphabet) matches no tenant. The value is never
/// kept or shown: it may be anything a client sent as `Host`, an address included.
public struct TenantHosts: Sendable {
    /// A tenant's index for each exact name, and for each wildcard's suffix (with its leading dot).
    private var exact: [[UInt8]: Int] = [:]
    private var suffixes: [(suffix: [UInt8], tenant: Int)] = []

    /// A pattern two tenants claim, or one that is not a host name.
    public struct Problem: Error, Sendable, Equatable {
        public var pattern: String
        public var message: String
    }

    /// - Parameter tenants: each tenant's patterns, in tenant order (the index is the tenant's).
    public init(_ tenants: [[String]]) throws(Problem) {
        for (index, patterns) in tenants.enumerated() {
            for pattern in patterns {
                guard !pattern.contains(":") else {
                    throw Problem(
                        pattern: pattern,
                        message: "'\(pattern)' has a port: a tenant owns a host on every port"
                    )
                }
                var bytes = Array(pattern.utf8)
                let isWildcard = bytes.starts(with: Array("*.".utf8))
                if isWildcard { bytes.removeFirst() }
                guard let name = Self.normalized(bytes[...], keepsLeadingDot: isWildcard), name.count > 1 else {
                    throw Problem(pattern: pattern, message: "'\(pattern)' is not a host name or a '*.' wildcard")
                }
                if isWildcard {
                    if suffixes.contains(where: { $0.suffix == name }) {
                        throw Problem(pattern: pattern, message: "'\(pattern)' is claimed by two tenants")
                    }
                    suffixes.append((name, index))
                } else {
                    if exact[name] != nil {
                        throw Problem(pattern: pattern, message: "'\(pattern)' is claimed by two tenants")
                    }
                    exact[name] = index
                }
            }
        }
        suffixes.sort { $0.suffix.count > $1.suffix.count }
    }

    /// The tenant of a host value (`nil`: none).
    public func tenant(of b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard range.count <= 260, let host = Self.normalized(ArraySlice(b[range]), keepsLeadingDot: false) else {
            return nil
        }
        if let index = exact[host] { return index }
        for (suffix, index) in suffixes
        where host.count > suffix.count && host.suffix(suffix.count).elementsEqual(suffix) {
            return index
        }
        return nil
    }

    /// A host value in lower case without a trailing dot or a `:port`; `nil` unless it is made of letters, digits,
    /// `-`, `_` and dots (an IPv6 literal, a quoted `-` or anything stranger matches no tenant).
    static func normalized(_ bytes: ArraySlice<UInt8>, keepsLeadingDot: Bool) -> [UInt8]? {
        var value = bytes
        if let colon = value.firstIndex(of: UInt8(ascii: ":")) {
            let port = value[(colon + 1)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            value = value[..<colon]
        }
        if value.last == UInt8(ascii: ".") { value = value.dropLast() }
        guard !value.isEmpty, value.count <= 253 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        for (offset, byte) in value.enumerated() {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): out.append(byte | 0x20)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "_"):
                out.append(byte)
            case UInt8(ascii: "."):
                // No empty label, and a leading dot only on a wildcard's suffix.
                guard offset > 0 || keepsLeadingDot, out.last != UInt8(ascii: ".") else { return nil }
                out.append(byte)
            default: return nil
            }
        }
        return out
    }
}

/// Finds a line's virtual host with its input's format: the `$host`, `$server_name`, `$http_host` or `%v`
/// field of a text format (`vhost_combined`'s first field), or a JSON line's `host`, `server_name`,
/// `http_host` or `RequestHost` (at any depth, as Caddy nests it under `request`).
public final class VirtualHostReader {
    let format: InputFormat
    private let fieldMatch = FieldMatch()
    private let jsonMatch = JSONMatch()
    private let variable: Int?

    public init(format: InputFormat) {
        self.format = format
        if case .text(let logFormat) = format {
            variable = logFormat.variables.firstIndex { $0.field == .vhost }
        } else {
            variable = nil
        }
    }

    /// Whether lines of this format can name their host.
    public var findsHosts: Bool {
        if case .json = format { return true }
        return variable != nil
    }

    /// The host at the very start of a line too long to parse (the first piece of it): where the format begins with
    /// its host field (`vhost_combined`, `$host $remote_addr ...`), the bytes up to the literal after it; `nil`
    /// otherwise (such a line is not routed by guess).
    public func leadingHost(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Range<Int>? {
        guard case .text(let logFormat) = format, variable == 0, logFormat.literals[0].isEmpty,
            let stop = logFormat.literals.count > 1 ? logFormat.literals[1].first : nil
        else { return nil }
        var i = start
        while i < end && b[i] != stop && b[i] != 0x20 { i += 1 }
        return i < end && i > start ? start..<i : nil
    }

    /// The host value's bytes in `b[start..<end]` (one line), if the line parses and has one.
    public func host(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Range<Int>? {
        switch format {
        case .text(let logFormat):
            guard let variable, logFormat.match(b, from: start, to: end, into: fieldMatch) else { return nil }
            return fieldMatch.range(variable)
        case .json(let jsonFormat):
            guard jsonFormat.scan(b, from: start, to: end, into: jsonMatch),
                let (range, isString) = jsonMatch.known[JSONLineFormat.KnownField.vhost.rawValue], isString
            else { return nil }
            return range
        }
    }
}

@available(*, unavailable)
extension VirtualHostReader: Sendable {}
