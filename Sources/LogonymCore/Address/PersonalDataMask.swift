/// What of a log's bytes may be kept in a keyed hash that must not give anything personal back to whoever holds
/// the hash, its key and the pseudonymized output (logonym's file fingerprints and tail hashes): the bytes with
/// every span that may hold an address or a value the scrub stage could remove replaced by one `0x00` byte.
///
/// The rule is fixed, whatever the configuration says (a changed `[scrub]` must not make a file unrecognisable),
/// and wider than what any configuration removes:
/// - every run of address characters (`[0-9A-Fa-f:.]`) that holds an address-looking token, even one that names no
///   host (``FallbackScanner/forEachAddress(_:from:to:includingNoHost:_:)``), whole;
/// - runs of address characters cut by either end of the bytes (`…3.4 - -`: the end of an address whose start is
///   not there);
/// - the query string and fragment of anything URL-like: from `?` or `#` to the next blank, quote or backslash;
/// - every word (from blank or quote to blank or quote) holding an `@` (e-mail addresses, `user@host`) or an escape
///   (`%XX`, `\x..`, `\u....`, `\`): what an escape hides (`81%2E2%2E69%2E7`, `jane%2540example.com`,
///   `\u0040`) is not looked into, the word goes whole;
/// - with `cutAtStart`, the word the bytes start inside (the rest of a value whose start is not there);
/// - every run of digits and the separators numbers are written with in a word (`-`, `.`, `+`, `(`, `)`) that holds at
///   least nine digits: card, phone and national id numbers, long ids (but not seconds, milliseconds or
///   microseconds since the epoch, `1795773600`, `1764505750.123`: a time).
///
/// What is left (times, methods, paths, statuses, sizes, user agents) is what the output shows anyway, and is
/// enough to tell two files apart.
public enum PersonalDataMask: Sendable {
    /// `bytes` with every span that may be personal replaced by one `0x00` byte; `cutAtStart` when the bytes may
    /// start inside a value.
    public static func masked(_ bytes: UnsafeBufferPointer<UInt8>, cutAtStart: Bool = false) -> [UInt8] {
        let count = bytes.count
        guard count > 0 else { return [] }
        var hidden = [Bool](repeating: false, count: count)
        func hide(_ range: Range<Int>) {
            for i in range { hidden[i] = true }
        }
        if cutAtStart {
            var end = 0
            while end < count && !isWordBoundary(bytes[end]) { end += 1 }
            hide(0..<end)
        }
        // Addresses, each with the whole run of address characters it stands in.
        FallbackScanner.forEachAddress(bytes, from: 0, to: count, includingNoHost: true) { field in
            hide(runAround(bytes, field.range))
        }
        // Address characters cut by the ends.
        hide(runAround(bytes, 0..<0))
        hide(runAround(bytes, count..<count))
        var i = 0
        while i < count {
            let c = bytes[i]
            if hidden[i] {
                i += 1
            } else if c == UInt8(ascii: "?") || c == UInt8(ascii: "#") {
                var j = i + 1
                while j < count && !endsValue(bytes[j]) { j += 1 }
                hide(i + 1..<j)
                i = j
            } else if c == UInt8(ascii: "@") || c == UInt8(ascii: "\\") || isPercentEscape(bytes, i) {
                var start = i
                while start > 0 && !isWordBoundary(bytes[start - 1]) { start -= 1 }
                var end = i + 1
                while end < count && !isWordBoundary(bytes[end]) { end += 1 }
                hide(start..<end)
                i = end
            } else if isDigit(c) {
                var j = i
                var digits = 0
                var last = i
                var separators: [UInt8] = []
                // A run stops at a span masked already: an address after a port (`:443 81.2.69.7`) is not a number.
                while j < count && !hidden[j] && (isDigit(bytes[j]) || isNumberSeparator(bytes[j])) {
                    if isDigit(bytes[j]) {
                        digits += 1
                        last = j
                    } else if separators.count < 2 {
                        separators.append(bytes[j])
                    }
                    j += 1
                }
                // Seconds since the epoch with a fraction (`"ts":1764505750.123`, Caddy's time) are a time.
                if digits >= 9 && !isEpochTime(bytes, i, j, digits: digits, separators: separators) {
                    hide(i..<(last + 1))
                }
                i = j
            } else {
                i += 1
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var k = 0
        while k < count {
            if hidden[k] {
                out.append(0)
                while k < count && hidden[k] { k += 1 }
            } else {
                out.append(bytes[k])
                k += 1
            }
        }
        return out
    }

    /// `range` widened to the run of address characters around it (an empty range at either end widens to the run
    /// touching that end).
    private static func runAround(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower > 0 && FallbackScanner.isRunByte(bytes[lower - 1]) { lower -= 1 }
        while upper < bytes.count && FallbackScanner.isRunByte(bytes[upper]) { upper += 1 }
        // An empty range in the middle of the bytes widens only when it touches an end.
        if range.isEmpty && lower > 0 && upper < bytes.count { return range }
        return lower..<upper
    }

    private static func endsValue(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c == 0x0A || c == 0x09
            || c == 0x0D
    }

    /// A blank, a quote or a line end: where a word of a log line ends.
    public static func isWordBoundary(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == 0x0A || c == 0x09
            || c == 0x0D
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// A percent escape (`%` and two hex digits) at `i`.
    private static func isPercentEscape(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        i + 2 < bytes.count && bytes[i] == UInt8(ascii: "%") && isHex(bytes[i + 1]) && isHex(bytes[i + 2])
    }

    private static func isHex(_ c: UInt8) -> Bool {
        isDigit(c) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "f"))
    }

    /// Within a word: a blank separates fields of a log line, and a URL holds no raw blank (`06+12+34`, `06%2012`).
    private static func isNumberSeparator(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "+") || c == UInt8(ascii: "(")
            || c == UInt8(ascii: ")")
    }

    /// Seconds, milliseconds or microseconds since the epoch (`1795773600`, Apache's `%{sec}t`; with a fraction,
    /// Caddy's `"ts":1764505750.123`): a time, which tells files apart and is nobody's number. A run of 10, 13 or 16
    /// digits starting with `1` (2001 to 2033), alone or with one fraction, that is a field of its own: after a blank,
    /// `[`, `,` or a JSON key's `:`, and before a blank, `,`, `]`, `}` or the line's end (a number in a path or a
    /// query, after `/` or `=`, or in a string, is masked).
    private static func isEpochTime(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        digits: Int,
        separators: [UInt8]
    ) -> Bool {
        let before: Set<UInt8> = [0x20, 0x09, UInt8(ascii: "["), UInt8(ascii: ","), UInt8(ascii: ":")]
        let after: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}")]
        guard bytes[start] == UInt8(ascii: "1"), start == 0 || before.contains(bytes[start - 1]),
            end == bytes.count || after.contains(bytes[end])
        else { return false }
        var whole = start
        while whole < end && isDigit(bytes[whole]) { whole += 1 }
        let integerDigits = whole - start
        guard [10, 13, 16].contains(integerDigits) else { return false }
        return separators.isEmpty || (separators == [UInt8(ascii: ".")] && digits > integerDigits)
    }

}
