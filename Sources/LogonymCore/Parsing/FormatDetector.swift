/// Picks an input's format from its first lines.
public enum FormatDetector: Sendable {
    /// The outcome of detection.
    public struct Result: Sendable {
        /// The format chosen.
        public var format: InputFormat
        /// Lines looked at (blank lines are skipped).
        public var sampled: Int
        /// How many of them the chosen format matched.
        public var matched: Int
    }

    /// Tries JSON lines and every built-in text format (or only `candidates`) on up to `limit` non-blank lines and
    /// keeps the one that matches the most; a tie goes to the more specific format. A `#Fields:` directive makes
    /// it W3C with those fields. When nothing matches, `combined` (or the first candidate) is returned with
    /// `matched == 0` (every line then goes through the fallback scanner).
    public static func detect(
        _ b: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        json: JSONLineFormat,
        candidates: [InputFormat] = [],
        limit: Int = 100
    ) -> Result {
        var lines: [Range<Int>] = []
        var p = start
        while p < end && lines.count < limit {
            var q = p
            while q < end && b[q] != 0x0A { q += 1 }
            var e = q
            while e > p && LogFormat.isTrailingBlank(b[e - 1]) { e -= 1 }
            if e > p { lines.append(p..<q) }
            p = q + 1
        }
        let formats: [InputFormat] =
            candidates.isEmpty ? [.json(json)] + LogFormat.builtins.map { .text($0) } : candidates
        // One match buffer for every text format tried.
        let match = FieldMatch()
        var best = Result(format: candidates.first ?? .text(.combined), sampled: lines.count, matched: 0)
        for format in formats {
            let count: Int
            switch format {
            case .json(let jsonFormat):
                let jsonMatch = JSONMatch()
                let matching = lines.filter {
                    jsonFormat.scan(b, from: $0.lowerBound, to: $0.upperBound, into: jsonMatch)
                }
                count = matching.count
                if count > best.matched {
                    let named = jsonFormat.named(jsonFormat.name == "json" ? preset(b, matching) : jsonFormat.name)
                    best = Result(format: .json(named), sampled: lines.count, matched: count)
                }
                continue
            case .text(var logFormat):
                if logFormat.name == "w3c", let fields = lines.lazy.compactMap({ w3cFields(b, $0) }).first {
                    logFormat = fields
                }
                count =
                    lines.filter {
                        logFormat.match(b, from: $0.lowerBound, to: $0.upperBound, into: match)
                            || (logFormat.name == "w3c" && b[$0.lowerBound] == UInt8(ascii: "#"))
                    }.count
                if count > best.matched {
                    best = Result(format: .text(logFormat), sampled: lines.count, matched: count)
                }
            }
        }
        return best
    }

    /// The W3C format of a `#Fields:` directive line, if it is one.
    public static func w3cFields(_ b: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> LogFormat? {
        guard isFieldsDirective(b, line) else { return nil }
        var e = line.upperBound
        while e > line.lowerBound && LogFormat.isTrailingBlank(b[e - 1]) { e -= 1 }
        return LogFormat.w3c(
            fields: String(decoding: UnsafeBufferPointer(rebasing: b[(line.lowerBound + 8)..<e]), as: UTF8.self)
        )
    }

    /// Whether the line is a W3C `#Fields:` directive (usable or not).
    public static func isFieldsDirective(_ b: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Bool {
        line.count > fieldsDirective.count
            && JSONLineFormat.equals(b, line.lowerBound..<(line.lowerBound + 8), fieldsDirective)
    }

    private static let fieldsDirective = Array("#Fields:".utf8)

    /// `caddy` or `traefik` when the JSON lines carry their keys, else `json`.
    private static func preset(_ b: UnsafeBufferPointer<UInt8>, _ lines: [Range<Int>]) -> String {
        func contains(_ line: Range<Int>, _ text: String) -> Bool {
            let needle = Array(text.utf8)
            guard line.count >= needle.count else { return false }
            return (line.lowerBound...(line.upperBound - needle.count)).contains {
                JSONLineFormat.equals(b, $0..<($0 + needle.count), needle)
            }
        }
        guard let line = lines.first else { return "json" }
        if contains(line, #""ClientAddr""#) || contains(line, #""StartUTC""#) { return "traefik" }
        if contains(line, #""http.log.access"#) || (contains(line, #""remote_ip""#) && contains(line, #""ts""#)) {
            return "caddy"
        }
        return "json"
    }
}
