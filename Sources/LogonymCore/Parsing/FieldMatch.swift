/// The byte ranges of a format's variables in one line; allocated once per input and reused for every line.
public final class FieldMatch {
    /// `starts[k]..<ends[k]` holds variable `k` (without its quotes or brackets).
    public private(set) var starts: [Int]
    public private(set) var ends: [Int]

    public init(capacity: Int) {
        starts = Array(repeating: 0, count: capacity)
        ends = Array(repeating: 0, count: capacity)
    }

    @inlinable
    public func range(_ k: Int) -> Range<Int> { starts[k]..<ends[k] }

    @usableFromInline
    func set(_ k: Int, _ start: Int, _ end: Int) {
        starts[k] = start
        ends[k] = end
    }
}

@available(*, unavailable)
extension FieldMatch: Sendable {}

extension LogFormat {
    /// Matches one line (without its `\n`) against the format.
    ///
    /// Only blanks and a `\r` may follow the format's last literal. Fields are checked where a wrong guess would
    /// otherwise pass: the client field is not empty, status and byte counts are digits or `-`, times parse.
    ///
    /// - Returns: whether the line matches; on success `match` holds every variable's range.
    public func match(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into match: FieldMatch)
        -> Bool
    {
        var lineEnd = end
        while lineEnd > start && Self.isTrailingBlank(bytes[lineEnd - 1]) { lineEnd -= 1 }
        var p = start
        let count = variables.count
        for k in 0...count {
            let literal = literals[k]
            guard lineEnd - p >= literal.count else { return false }
            for byte in literal {
                guard bytes[p] == byte else { return false }
                p &+= 1
            }
            if k == count { break }
            let fieldStart = p
            let fieldEnd: Int
            let isLast = k == count - 1
            switch variables[k].delimiter {
            case .quoted:
                if isLast && literals[k + 1].count == 1 {
                    // The closing quote ends the line: take the last quote, so an unescaped quote inside a
                    // user agent does not break the line.
                    guard lineEnd > p, bytes[lineEnd - 1] == UInt8(ascii: "\"") else { return false }
                    fieldEnd = lineEnd - 1
                } else {
                    guard let close = Self.closingQuote(bytes, from: p, to: lineEnd) else { return false }
                    fieldEnd = close
                }
            case .bracketed:
                var q = p
                while q < lineEnd && bytes[q] != UInt8(ascii: "]") { q &+= 1 }
                guard q < lineEnd else { return false }
                fieldEnd = q
            case .token:
                let next = literals[k + 1]
                if let stop = next.first {
                    var q = p
                    while q < lineEnd && bytes[q] != stop { q &+= 1 }
                    guard q < lineEnd else { return false }
                    fieldEnd = q
                } else {
                    fieldEnd = lineEnd
                }
            }
            guard validate(variables[k].field, bytes, fieldStart, fieldEnd) else { return false }
            match.set(k, fieldStart, fieldEnd)
            p = fieldEnd
        }
        return p == lineEnd
    }

    @inlinable
    static func isTrailingBlank(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r")
    }

    /// The index of the first `"` at or after `start` that is not escaped by a backslash.
    @inlinable
    static func closingQuote(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var q = start
        while q < end {
            let c = bytes[q]
            if c == UInt8(ascii: "\"") { return q }
            q &+= c == UInt8(ascii: "\\") ? 2 : 1
        }
        return nil
    }

    private func validate(_ field: Field, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        switch field {
        case .clientAddress:
            return end > start
        case .status, .bytes, .serverPort:
            guard end > start else { return false }
            if end - start == 1 && bytes[start] == UInt8(ascii: "-") { return true }
            for i in start..<end where bytes[i] < 0x30 || bytes[i] > 0x39 { return false }
            return true
        case .timeLocal:
            return LogTimestamp.parseLocal(bytes, from: start, to: end) != nil
        case .timeISO8601:
            return LogTimestamp.parseISO8601(bytes, from: start, to: end) != nil
        default:
            return true
        }
    }
}
