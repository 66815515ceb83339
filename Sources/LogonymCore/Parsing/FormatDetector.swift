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

    /// Tries JSON lines and every built-in text format on up to `limit` non-blank lines and keeps the one that
    /// matches the most; a tie goes to the more specific format. When nothing matches, `combined` is returned
    /// with `matched == 0` (every line then goes through the fallback scanner).
    public static func detect(
        _ b: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        json: JSONLineFormat,
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
        var best = Result(format: .text(.combined), sampled: lines.count, matched: 0)
        let jsonMatch = JSONMatch()
        let jsonMatches = lines.filter { json.scan(b, from: $0.lowerBound, to: $0.upperBound, into: jsonMatch) }.count
        if jsonMatches > 0 {
            best = Result(format: .json(json), sampled: lines.count, matched: jsonMatches)
        }
        for format in LogFormat.builtins {
            let match = FieldMatch(capacity: format.variableCount)
            let count = lines.filter { format.match(b, from: $0.lowerBound, to: $0.upperBound, into: match) }.count
            if count > best.matched {
                best = Result(format: .text(format), sampled: lines.count, matched: count)
            }
        }
        return best
    }
}
