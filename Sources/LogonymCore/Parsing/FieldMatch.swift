#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte ranges of a format's variables in one line; allocated once per input and reused for every line.
///
/// The ranges live in raw memory owned by the match, so that the per-line writes cost no exclusivity checks.
public final class FieldMatch {
    /// `bounds[2k]..<bounds[2k+1]` holds variable `k` (without its quotes or brackets).
    let bounds: UnsafeMutablePointer<Int>
    let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
        bounds = .allocate(capacity: max(1, capacity * 2))
        bounds.initialize(repeating: 0, count: max(1, capacity * 2))
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
                        matchFields(bytes, start, lineEnd, match, literal, offsets, delimiters, fields)
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
        _ fields: UnsafeBufferPointer<Field>
    ) -> Bool {
        var p = start
        let count = delimiters.count
        var k = 0
        while true {
            let literalStart = offsets[k]
            let literalEnd = offsets[k &+ 1]
            guard lineEnd &- p >= literalEnd &- literalStart else { return false }
            var l = literalStart
            while l < literalEnd {
                guard bytes[p] == literal[l] else { return false }
                p &+= 1
                l &+= 1
            }
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
            for i in start..<end where bytes[i] < 0x30 || bytes[i] > 0x39 { return false }
            return true
        case .timeLocal:
            if match.isKnownGoodTime(bytes, start, end) { return true }
            guard LogTimestamp.parseLocal(bytes, from: start, to: end) != nil else { return false }
            match.rememberGoodTime(bytes, start, end)
            return true
        case .timeISO8601:
            return LogTimestamp.parseISO8601(bytes, from: start, to: end) != nil
        default:
            return true
        }
    }
}
