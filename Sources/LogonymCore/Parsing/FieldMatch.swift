import Glibc

/// The byte ranges of a format's variables in one line; allocated once per input and reused for every line.
///
/// The ranges live in raw memory owned by the match, so that the per-line writes cost no exclusivity checks.
public final class FieldMatch {
    /// The most variables a format may have (``LogFormat`` refuses more). Every match has room for them, so that a
    /// W3C log's `#Fields:` directive can bring another format mid-file, and `bounds` never moves: the matcher reads
    /// it once per line.
    public static let maxVariables = 256

    /// `bounds[2k]..<bounds[2k+1]` holds variable `k` (without its quotes or brackets).
    let bounds: UnsafeMutablePointer<Int>

    public init() {
        bounds = .allocate(capacity: Self.maxVariables * 2)
        bounds.initialize(repeating: 0, count: Self.maxVariables * 2)
    }

    deinit {
        bounds.deallocate()
        lastTime.deallocate()
    }

    /// The last `$time_local` text that validated: lines in a log share their second, so most lines compare
    /// 26 bytes instead of parsing.
    let lastTime = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
    var lastTimeLength = 0

    @inline(__always)
    func isKnownGoodTime(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        end - start == lastTimeLength && memcmp(lastTime, bytes.baseAddress! + start, lastTimeLength) == 0
    }

    func rememberGoodTime(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        guard end - start <= 32 else { return }
        lastTime.update(from: bytes.baseAddress! + start, count: end - start)
        lastTimeLength = end - start
    }

    /// The bytes of variable `k` in the last matched line.
    @inline(__always)
    public func range(_ k: Int) -> Range<Int> { bounds[2 * k]..<bounds[2 * k + 1] }

    @inline(__always)
    func start(_ k: Int) -> Int { bounds[2 * k] }

    @inline(__always)
    func end(_ k: Int) -> Int { bounds[2 * k + 1] }

    @inline(__always)
    func set(_ k: Int, _ start: Int, _ end: Int) {
        bounds[2 * k] = start
        bounds[2 * k + 1] = end
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
    public func match(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        into match: FieldMatch
    )
        -> Bool
    {
        var lineEnd = end
        while lineEnd > start && Self.isTrailingBlank(bytes[lineEnd - 1]) { lineEnd -= 1 }
        return literalBytes.withUnsafeBufferPointer { literal in
            literalOffsets.withUnsafeBufferPointer { offsets in
                delimiters.withUnsafeBufferPointer { delimiters in
                    fields.withUnsafeBufferPointer { fields in
                        // Most lines match at once; a line whose free-text token holds the first byte of the literal
                        // after it is matched again, extending such tokens.
                        if matchFields(bytes, start, lineEnd, match, literal, offsets, delimiters, fields, false) {
                            return true
                        }
                        return extendsTokens
                            && matchFields(bytes, start, lineEnd, match, literal, offsets, delimiters, fields, true)
                    }
                }
            }
        }
    }

    @inline(__always)
    private func matchFields(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ lineEnd: Int,
        _ match: FieldMatch,
        _ literal: UnsafeBufferPointer<UInt8>,
        _ offsets: UnsafeBufferPointer<Int>,
        _ delimiters: UnsafeBufferPointer<Delimiter>,
        _ fields: UnsafeBufferPointer<Field>,
        _ extending: Bool
    ) -> Bool {
        var p = start
        let count = delimiters.count
        var k = 0
        // Where the token variable just matched starts (-1 after any other): its literal may stand further on.
        var tokenStart = -1
        while true {
            let literalStart = offsets[k]
            let literalEnd = offsets[k &+ 1]
            guard lineEnd &- p >= literalEnd &- literalStart else { return false }
            var l = literalStart
            while l < literalEnd {
                guard bytes[p] == literal[l] else {
                    // A free-text token ends where the whole literal after it stands (`Nov 27 10:00:00 lb1
                    // haproxy[1]: ` ends at `: `, not at the first `:`): it is extended to the next place the
                    // literal's first byte stands.
                    guard extending, tokenStart >= 0,
                        let next = extendToken(k &- 1, tokenStart, p &- (l &- literalStart), bytes, lineEnd, match)
                    else { return false }
                    p = next
                    l = literalStart
                    continue
                }
                p &+= 1
                l &+= 1
            }
            if extending { tokenStart = -1 }
            if k == count { break }
            let fieldStart = p
            let fieldEnd: Int
            let nextStart = literalEnd
            let nextEnd = offsets[k &+ 2]
            switch delimiters[k] {
            case .quoted:
                // Escape-aware: a quote inside a field must be escaped (nginx writes \x22, Apache \"). A line with
                // a bare quote inside a field does not match, and goes through the fallback scanner: taking the
                // last quote instead would let an extra quoted field (a forwarded-for list) pass as a user agent.
                guard let close = Self.closingQuote(bytes, from: p, to: lineEnd) else { return false }
                fieldEnd = close
            case .bracketed:
                guard let q = Self.find(UInt8(ascii: "]"), bytes, from: p, to: lineEnd) else { return false }
                fieldEnd = q
            case .token:
                if nextEnd > nextStart {
                    guard let q = Self.find(literal[nextStart], bytes, from: p, to: lineEnd) else { return false }
                    fieldEnd = q
                    if extending && fields[k].isFreeText && nextEnd &- nextStart > 1 { tokenStart = fieldStart }
                } else {
                    fieldEnd = lineEnd
                }
            }
            guard validate(fields[k], bytes, fieldStart, fieldEnd, match) else { return false }
            match.set(k, fieldStart, fieldEnd)
            p = fieldEnd
            k &+= 1
        }
        return p == lineEnd
    }

    /// Where the free-text token variable `k` (from `tokenStart`) ends when the literal after it did not stand at
    /// `tried`: the next place its first byte stands, with room for the literal; `nil` when there is none.
    @inline(never)
    private func extendToken(
        _ k: Int,
        _ tokenStart: Int,
        _ tried: Int,
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ lineEnd: Int,
        _ match: FieldMatch
    ) -> Int? {
        let literal = literals[k + 1]
        guard tried < lineEnd, let next = Self.find(literal[0], bytes, from: tried + 1, to: lineEnd),
            lineEnd - next >= literal.count
        else { return nil }
        match.set(k, tokenStart, next)
        return next
    }

    @inlinable
    static func isTrailingBlank(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r")
    }

    /// The index of the first `"` at or after `start` that is not escaped by a backslash.
    @inline(__always)
    static func closingQuote(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var q = start
        while let quote = find(UInt8(ascii: "\""), bytes, from: q, to: end) {
            // The quote is escaped when an odd number of backslashes stands right before it.
            var backslashes = 0
            var b = quote
            while b > start && bytes[b - 1] == UInt8(ascii: "\\") {
                backslashes &+= 1
                b &-= 1
            }
            if backslashes & 1 == 0 { return quote }
            q = quote &+ 1
        }
        return nil
    }

    /// The index of the first `byte` in `start..<end` (memchr).
    @inline(__always)
    static func find(_ byte: UInt8, _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = bytes.baseAddress,
            let hit = memchr(base + start, Int32(byte), end - start)
        else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always)
    private func validate(
        _ field: Field,
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ match: FieldMatch
    ) -> Bool {
        switch field {
        case .clientAddress:
            return end > start
        case .status, .bytes, .serverPort:
            guard end > start else { return false }
            if end - start == 1 && bytes[start] == UInt8(ascii: "-") { return true }
            // HAProxy writes -1 for a status it never got.
            let first = field == .status && end - start == 2 && bytes[start] == UInt8(ascii: "-") ? start + 1 : start
            for i in first..<end where bytes[i] < 0x30 || bytes[i] > 0x39 { return false }
            return true
        case .timeLocal:
            if match.isKnownGoodTime(bytes, start, end) { return true }
            guard LogTimestamp.parseLocal(bytes, from: start, to: end) != nil else { return false }
            match.rememberGoodTime(bytes, start, end)
            return true
        case .timeISO8601:
            return LogTimestamp.parseISO8601(bytes, from: start, to: end) != nil
        case .date, .clock, .number, .word:
            return Self.validateAddressFree(field, bytes, start, end)
        default:
            return true
        }
    }

    /// The address-free fields of custom formats, W3C and HAProxy (kept out of the combined format's path).
    @inline(never)
    static func validateAddressFree(
        _ field: Field,
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int
    ) -> Bool {
        switch field {
        case .date:
            return end - start == 10 && bytes[start + 4] == UInt8(ascii: "-") && bytes[start + 7] == UInt8(ascii: "-")
                && isNumber(bytes, start, start + 4) && isNumber(bytes, start + 5, start + 7)
                && isNumber(bytes, start + 8, end)
        case .clock:
            return end - start >= 8 && bytes[start + 2] == UInt8(ascii: ":") && bytes[start + 5] == UInt8(ascii: ":")
                && isNumber(bytes, start, start + 2) && isNumber(bytes, start + 3, start + 5)
                && isNumber(bytes, start + 6, end)
        case .number:
            return isNumber(bytes, start, end)
        case .word:
            return isWord(bytes, start, end)
        default:
            return true
        }
    }

    /// Digits with at most one `.`, or `-`: a duration, size or count (never an address).
    static func isNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end > start else { return false }
        if end - start == 1 && bytes[start] == UInt8(ascii: "-") { return true }
        var dots = 0
        for i in start..<end {
            let c = bytes[i]
            if c == UInt8(ascii: ".") {
                dots &+= 1
            } else if c < 0x30 || c > 0x39 {
                return false
            }
        }
        return dots <= 1
    }

    /// Letters, digits and `/._-` with at most two dots and no colon: a method, scheme or protocol (never an
    /// address).
    static func isWord(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var dots = 0
        for i in start..<end {
            let c = bytes[i]
            if c == UInt8(ascii: ".") {
                dots &+= 1
            } else if !(ValueDetectors.isAlnum(c) || c == UInt8(ascii: "/") || c == UInt8(ascii: "_")
                || c == UInt8(ascii: "-"))
            {
                return false
            }
        }
        return dots <= 2
    }
}
