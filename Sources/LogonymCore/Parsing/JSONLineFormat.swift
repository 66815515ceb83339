/// One JSON object per line (nginx `escape=json`, Caddy, Traefik): which keys hold addresses, and where the fields
/// that the JSON output and the time windows need are found.
///
/// Keys are matched at any depth, case-insensitively and with `-` and `_` alike, so Caddy's header map
/// (`"headers": {"X-Forwarded-For": ["a, b"]}`) and Traefik's `request_X-Forwarded-For` are addresses like nginx's
/// `http_x_forwarded_for` (``AddressVocabulary``). Every other string, and every object key, that could hold an
/// address is a *suspect*: the address scanner goes over it before it is written.
public struct JSONLineFormat: Sendable, Equatable {
    /// Keys added by `--json-address-key`, normalized (besides the vocabulary's).
    public private(set) var extraAddressKeys: [[UInt8]]
    /// The name shown in reports: `json`, or the server whose log it is (`caddy`, `traefik`).
    public private(set) var name = "json"

    /// The same format under another name.
    public func named(_ name: String) -> JSONLineFormat {
        var copy = self
        copy.name = name
        return copy
    }

    /// - Parameter extraAddressKeys: keys added by `--json-address-key` (a comma-separated list of addresses each).
    public init(extraAddressKeys: [String] = []) {
        self.extraAddressKeys = extraAddressKeys.map { AddressVocabulary.normalized(Array($0.utf8)) }
    }

    /// Fields the JSON output reads, by the keys nginx, Caddy and Traefik use for them.
    public enum KnownField: Int, CaseIterable, Sendable {
        case timeLocal, timeISO8601, epochSeconds, request, method, path, protocolName, status, bytes, referrer,
            userAgent, vhost, remoteUser, query
    }

    /// Known keys, normalized (lower case, `-` as `_`).
    static let knownKeys: NormalizedNames<KnownField> = {
        let names: [(String, KnownField)] = [
            ("time_local", .timeLocal), ("time_iso8601", .timeISO8601), ("time", .timeISO8601),
            ("timestamp", .timeISO8601), ("@timestamp", .timeISO8601), ("startutc", .timeISO8601),
            ("ts", .epochSeconds), ("request", .request), ("request_method", .method), ("method", .method),
            ("requestmethod", .method), ("request_uri", .path), ("uri", .path), ("requestpath", .path),
            ("server_protocol", .protocolName), ("proto", .protocolName), ("requestprotocol", .protocolName),
            ("status", .status), ("downstreamstatus", .status), ("body_bytes_sent", .bytes), ("bytes_sent", .bytes),
            ("size", .bytes), ("downstreamcontentsize", .bytes), ("http_referer", .referrer), ("referer", .referrer),
            ("request_referer", .referrer), ("http_user_agent", .userAgent), ("user_agent", .userAgent),
            ("request_user_agent", .userAgent), ("host", .vhost), ("server_name", .vhost), ("http_host", .vhost),
            ("requesthost", .vhost), ("remote_user", .remoteUser), ("user_id", .remoteUser),
            ("clientusername", .remoteUser), ("args", .query), ("query_string", .query),
        ]
        return NormalizedNames(names)
    }()

    /// The known field a key names, if any.
    static func knownField(_ b: UnsafeBufferPointer<UInt8>, _ key: Range<Int>) -> KnownField? {
        knownKeys.value(b, key)
    }

    /// The address role of a key: the vocabulary's, or a `--json-address-key` (a list).
    func addressRole(_ b: UnsafeBufferPointer<UInt8>, _ key: Range<Int>) -> AddressVocabulary.Role? {
        // Most keys are short words with no chance: a name of the vocabulary has at least 5 bytes.
        guard key.count >= 5 else { return nil }
        if let role = AddressVocabulary.role(b, key) { return role }
        guard !extraAddressKeys.isEmpty else { return nil }
        let normalized = AddressVocabulary.normalized(UnsafeBufferPointer(rebasing: b[key]))
        return extraAddressKeys.contains(normalized) ? .list : nil
    }
}

/// What ``JSONLineFormat/scan(_:from:to:into:)`` found in one line; reused for every line.
public final class JSONMatch {
    /// String contents (between the quotes) of values under address keys, in line order.
    public private(set) var addressValues: [Range<Int>] = []
    /// For each of `addressValues`: whether its key names a forwarded-for list rather than the client.
    public private(set) var addressIsForwarded: [Bool] = []
    /// String contents of RFC 7239 `Forwarded` headers, in line order.
    public private(set) var forwardedHeaders: [Range<Int>] = []
    /// Strings and object keys (contents) that may hold an address and are not address values: the address scanner
    /// goes over them.
    public private(set) var suspects: [Range<Int>] = []
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
        forwardedHeaders.removeAll(keepingCapacity: true)
        suspects.removeAll(keepingCapacity: true)
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

    func addForwardedHeader(_ range: Range<Int>) {
        forwardedHeaders.append(range)
    }

    func addSuspect(_ range: Range<Int>) {
        suspects.append(range)
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
                    if Self.isSuspect(b, key) { match.addSuspect(key) }
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
        if isString, let role = addressRole(b, key) {
            switch role {
            case .client: match.addAddress(value, isForwarded: false)
            case .list: match.addAddress(value, isForwarded: true)
            case .forwarded: match.addForwardedHeader(value)
            }
            return
        }
        if let field = Self.knownField(b, key) { match.setKnown(field, value, isString: isString) }
        // A known field is no exception: the scanner goes over its string too (the scrub stage's fields are scanned
        // with their scrubbing).
        if isString && Self.isSuspect(b, value) { match.addSuspect(value) }
    }

    /// Whether a string's contents may hold an address (escapes count as dots and colons).
    @inline(__always)
    static func isSuspect(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        range.count >= 3
            && AddressScreen.mayHoldAddress(b.baseAddress!, range.lowerBound, range.upperBound, limit: b.count)
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

    /// Whether `start..<end` is a number (JSON's grammar: `81.2.69.7` is none, and the line goes to the fallback
    /// scanner), `true`, `false` or `null`.
    private func isLiteral(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let c = b[start]
        if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
            var i = c == UInt8(ascii: "-") ? start + 1 : start
            func digits() -> Bool {
                let first = i
                while i < end && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
                return i > first
            }
            guard digits() else { return false }
            if i < end && b[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() else { return false }
            }
            if i < end && (b[i] | 0x20) == UInt8(ascii: "e") {
                i += 1
                if i < end && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
                guard digits() else { return false }
            }
            return i == end
        }
        return Self.equals(b, start..<end, Array("true".utf8)) || Self.equals(b, start..<end, Array("false".utf8))
            || Self.equals(b, start..<end, Array("null".utf8))
    }
}
