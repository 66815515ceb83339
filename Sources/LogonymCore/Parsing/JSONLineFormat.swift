/// One JSON object per line (nginx `escape=json`, Caddy): which keys hold addresses, and where the fields that
/// the JSON output needs are found.
public struct JSONLineFormat: Sendable, Equatable {
    /// Keys whose string values (or arrays of strings) hold an address or a comma-separated list of addresses,
    /// at any depth.
    public private(set) var addressKeys: [[UInt8]]

    /// The keys logonym reads by default: `remote_addr`, `client_ip`, `remote_ip` (Caddy),
    /// `http_x_forwarded_for`.
    public static let defaultAddressKeys = ["remote_addr", "client_ip", "remote_ip", "http_x_forwarded_for"]

    /// - Parameter extraAddressKeys: keys added by `--json-address-key`.
    public init(extraAddressKeys: [String] = []) {
        let keys = Self.defaultAddressKeys + extraAddressKeys
        addressKeys = keys.map { Array($0.utf8) }
        forwardedKeys = keys.map { $0.lowercased().contains("forwarded") }
    }

    /// For each address key: whether it names a forwarded-for list.
    let forwardedKeys: [Bool]

    /// Fields the JSON output reads, by the keys nginx and Caddy use for them.
    public enum KnownField: Int, CaseIterable, Sendable {
        case timeLocal, timeISO8601, epochSeconds, request, method, path, protocolName, status, bytes, referrer,
            userAgent, vhost, remoteUser, query
    }

    static let knownKeys: [([UInt8], KnownField)] =
        ([
            ("time_local", .timeLocal), ("time_iso8601", .timeISO8601), ("time", .timeISO8601),
            ("timestamp", .timeISO8601), ("@timestamp", .timeISO8601), ("ts", .epochSeconds),
            ("request", .request), ("request_method", .method), ("method", .method), ("request_uri", .path),
            ("uri", .path), ("server_protocol", .protocolName), ("proto", .protocolName), ("status", .status),
            ("body_bytes_sent", .bytes), ("bytes_sent", .bytes), ("size", .bytes), ("http_referer", .referrer),
            ("referer", .referrer), ("http_user_agent", .userAgent), ("user_agent", .userAgent), ("host", .vhost),
            ("server_name", .vhost), ("http_host", .vhost), ("remote_user", .remoteUser), ("user_id", .remoteUser),
            ("args", .query), ("query_string", .query),
        ] as [(String, KnownField)]).map { (Array($0.0.utf8), $0.1) }
}

/// What ``JSONLineFormat/scan(_:from:to:into:)`` found in one line; reused for every line.
public final class JSONMatch {
    /// String contents (between the quotes) of values under address keys, in line order.
    public private(set) var addressValues: [Range<Int>] = []
    /// For each of `addressValues`: whether its key names a forwarded-for list rather than the client.
    public private(set) var addressIsForwarded: [Bool] = []
    /// For each ``JSONLineFormat/KnownField``: the value's range (string contents, or the literal) and whether it
    /// was a string; the first occurrence wins.
    public private(set) var known: [(range: Range<Int>, isString: Bool)?]

    public init() {
        known = Array(repeating: nil, count: JSONLineFormat.KnownField.allCases.count)
        addressValues.reserveCapacity(8)
    }

    private var stackIsObject: [Bool] = []
    private var stackKey: [Range<Int>] = []

    func reset() {
        addressValues.removeAll(keepingCapacity: true)
        addressIsForwarded.removeAll(keepingCapacity: true)
        for i in known.indices { known[i] = nil }
        stackIsObject.removeAll(keepingCapacity: true)
        stackKey.removeAll(keepingCapacity: true)
    }

    var depth: Int { stackIsObject.count }

    var top: (isObject: Bool, key: Range<Int>)? {
        guard let isObject = stackIsObject.last, let key = stackKey.last else { return nil }
        return (isObject, key)
    }

    func push(isObject: Bool, key: Range<Int>) {
        stackIsObject.append(isObject)
        stackKey.append(key)
    }

    func pop() {
        stackIsObject.removeLast()
        stackKey.removeLast()
    }

    func addAddress(_ range: Range<Int>, isForwarded: Bool) {
        addressValues.append(range)
        addressIsForwarded.append(isForwarded)
    }

    func setKnown(_ field: JSONLineFormat.KnownField, _ range: Range<Int>, isString: Bool) {
        if known[field.rawValue] == nil { known[field.rawValue] = (range, isString) }
    }
}

@available(*, unavailable)
extension JSONMatch: Sendable {}

extension JSONLineFormat {
    /// Scans one line as a JSON object (blanks and `\r` may follow it).
    ///
    /// - Returns: whether the line is one well-formed object; nesting deeper than 64 levels counts as malformed.
    public func scan(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into match: JSONMatch) -> Bool {
        match.reset()
        var p = skipBlanks(b, start, end)
        guard p < end, b[p] == UInt8(ascii: "{") else { return false }
        // Per open container: whether it is an object, and the key it stands under (for arrays of addresses).
        match.push(isObject: true, key: 0..<0)
        p += 1
        var justOpened = true
        while true {
            p = skipBlanks(b, p, end)
            guard p < end, let top = match.top else { return false }
            if justOpened && b[p] == (top.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                // an empty container: fall through to the closing logic below
            } else {
                var key = top.key
                if top.isObject {
                    guard b[p] == UInt8(ascii: "\""), let keyEnd = stringEnd(b, p + 1, end) else { return false }
                    key = (p + 1)..<keyEnd
                    p = skipBlanks(b, keyEnd + 1, end)
                    guard p < end, b[p] == UInt8(ascii: ":") else { return false }
                    p = skipBlanks(b, p + 1, end)
                    guard p < end else { return false }
                }
                let c = b[p]
                if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                    guard match.depth < 64 else { return false }
                    match.push(isObject: c == UInt8(ascii: "{"), key: key)
                    p += 1
                    justOpened = true
                    continue
                }
                if c == UInt8(ascii: "\"") {
                    guard let valueEnd = stringEnd(b, p + 1, end) else { return false }
                    classify(b, key: key, value: (p + 1)..<valueEnd, isString: true, into: match)
                    p = valueEnd + 1
                } else {
                    var q = p
                    while q < end {
                        let d = b[q]
                        if d == UInt8(ascii: ",") || d == UInt8(ascii: "}") || d == UInt8(ascii: "]") || d == 0x20
                            || d == 0x09 || d == 0x0D
                        {
                            break
                        }
                        q += 1
                    }
                    guard q > p, isLiteral(b, p, q) else { return false }
                    classify(b, key: key, value: p..<q, isString: false, into: match)
                    p = q
                }
            }
            // After a value (or at an empty container's close): a comma, or closing brackets.
            justOpened = false
            while true {
                p = skipBlanks(b, p, end)
                guard let open = match.top else { return p == end }
                guard p < end else { return false }
                if b[p] == UInt8(ascii: ",") {
                    p += 1
                    break
                }
                guard b[p] == (open.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
                p += 1
                match.pop()
            }
        }
    }

    private func classify(
        _ b: UnsafeBufferPointer<UInt8>,
        key: Range<Int>,
        value: Range<Int>,
        isString: Bool,
        into match: JSONMatch
    ) {
        if isString, let index = addressKeys.firstIndex(where: { Self.equals(b, key, $0) }) {
            match.addAddress(value, isForwarded: forwardedKeys[index])
            return
        }
        for (name, field) in Self.knownKeys where Self.equals(b, key, name) {
            match.setKnown(field, value, isString: isString)
            return
        }
    }

    static func equals(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ name: [UInt8]) -> Bool {
        guard range.count == name.count else { return false }
        var i = range.lowerBound
        for c in name {
            if b[i] != c { return false }
            i += 1
        }
        return true
    }

    private func skipBlanks(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var p = start
        while p < end && (b[p] == 0x20 || b[p] == 0x09 || b[p] == 0x0D) { p += 1 }
        return p
    }

    /// The index of the closing quote of a string whose contents start at `start`.
    private func stringEnd(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        LogFormat.closingQuote(b, from: start, to: end)
    }

    /// Whether `start..<end` is a number, `true`, `false` or `null`.
    private func isLiteral(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let c = b[start]
        if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
            for i in start..<end {
                let d = b[i]
                let ok =
                    (d >= 0x30 && d <= 0x39) || d == UInt8(ascii: ".") || d == UInt8(ascii: "-")
                    || d == UInt8(ascii: "+") || d == UInt8(ascii: "e") || d == UInt8(ascii: "E")
                if !ok { return false }
            }
            return true
        }
        return Self.equals(b, start..<end, Array("true".utf8)) || Self.equals(b, start..<end, Array("false".utf8))
            || Self.equals(b, start..<end, Array("null".utf8))
    }
}
