import Glibc

/// Finds every IPv4- or IPv6-looking token in bytes that did not parse, and replaces it with its pseudonym.
///
/// The scanner fails closed: it looks at runs of `[0-9A-Fa-f:.]`. A run that parses as an IPv6 address is
/// replaced whole; in any other run every dotted quad (1–3 digits a part, each at most 255, leading zeros
/// allowed) that does not start in the middle of a number is replaced. So `a.b.c.d:port`, `[v6]:port`,
/// `v6%zone` and addresses glued to letters are all caught.
public enum FallbackScanner: Sendable {
    /// Appends `bytes[start..<end]` with every address-looking token replaced.
    ///
    /// - Returns: how many addresses were replaced.
    @discardableResult
    public static func scrub(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        anonymizer: Anonymizer,
        counters: inout RunCounters,
        into out: inout [UInt8]
    ) -> Int {
        var writer = Replacing(bytes, start)
        forEachAddress(bytes, from: start, to: end) { writer.replace($0, anonymizer, &counters, into: &out) }
        return writer.finish(end, &counters, into: &out)
    }

    /// Copies text with addresses replaced by their pseudonyms, in order, and counts them.
    private struct Replacing {
        let bytes: UnsafeBufferPointer<UInt8>
        private(set) var copied: Int
        private var found = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) {
            self.bytes = bytes
            copied = start
        }

        /// Appends what stands before the address, then its pseudonym.
        @inline(__always)
        mutating func replace(
            _ field: AddressField,
            _ anonymizer: Anonymizer,
            _ counters: inout RunCounters,
            into out: inout [UInt8]
        ) {
            if field.range.lowerBound > copied {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<field.range.lowerBound]))
            }
            counters.countAddress(field.address, unchanged: anonymizer.writePseudonym(of: field, into: &out))
            copied = max(copied, field.range.upperBound)
            found &+= 1
        }

        /// Replaces what is left of an address that overlaps one already replaced, as a value that holds no
        /// address is replaced (`-` under `truncate`, a keyed token otherwise).
        mutating func replaceRest(
            _ field: AddressField,
            _ anonymizer: Anonymizer,
            _ counters: inout RunCounters,
            into out: inout [UInt8]
        ) {
            let rest = UnsafeBufferPointer(rebasing: bytes[copied..<field.range.upperBound])
            anonymizer.writeNonAddress(rest, into: &out)
            counters.countAddress(field.address)
            copied = field.range.upperBound
            found &+= 1
        }

        /// Appends the rest; returns how many addresses were replaced.
        mutating func finish(_ end: Int, _ counters: inout RunCounters, into out: inout [UInt8]) -> Int {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<end]))
            counters.scannerAddresses &+= found
            return found
        }
    }

    /// Appends text with every address replaced, also where its bytes are escaped: percent-encoded in a URL
    /// (`81%2E2%2E69%2E7`, `%252E` and further rounds; a `%00` glued to it), escaped as nginx and Apache write a
    /// quote (`for=\x2281.2.69.7\x22`, whose `22` would otherwise be read as the address's first digits), or as JSON
    /// does (`\u002e`). The text is scanned as it is and as decoded (``PercentDecoding``); what is replaced is the
    /// address's escaped text, and the pseudonym is written plain.
    ///
    /// - Returns: how many addresses were replaced.
    @discardableResult
    public static func scrubEncoded(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        anonymizer: Anonymizer,
        counters: inout RunCounters,
        scratch: PercentDecoding,
        into out: inout [UInt8]
    ) -> Int {
        guard start < end,
            memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "%")), end - start) != nil
                || memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\\")), end - start) != nil
        else {
            return scrub(bytes, from: start, to: end, anonymizer: anonymizer, counters: &counters, into: &out)
        }
        // The addresses of the text as it is and as decoded (`81.2.69.7%30%30` decodes to no address), by where
        // they stand in the source; of two that overlap, the one that starts first (the longer at a tie) is replaced.
        var fields: [AddressField] = []
        swap(&fields, &scratch.fields)
        defer { swap(&fields, &scratch.fields) }
        fields.removeAll(keepingCapacity: true)
        forEachAddress(bytes, from: start, to: end) { fields.append($0) }
        scratch.decode(bytes, start..<end)
        let decoded = UnsafeBufferPointer(scratch.decoded)
        let rawCount = fields.count
        forEachAddress(decoded, from: 0, to: decoded.count) { field in
            let range = scratch.sourceIndex(field.range.lowerBound)..<scratch.sourceIndex(field.range.upperBound)
            fields.append(AddressField(address: field.address, range: range))
        }
        if fields.count > rawCount && rawCount > 0 {
            fields.sort { ($0.range.lowerBound, -$0.range.count) < ($1.range.lowerBound, -$1.range.count) }
        }
        var writer = Replacing(bytes, start)
        for field in fields where field.range.upperBound > writer.copied {
            if field.range.lowerBound < writer.copied {
                // A match that starts inside one already replaced but runs past it (`%25::ffff%3A81…`: the raw
                // `25::ffff` and the decoded `::ffff:81.2.69.7`): its rest is replaced whole, not by its pseudonym,
                // which would show what the other's hides (`81%2E2%2E69%2E123.6.7.8`, read as 81.2.69.123 and
                // 123.6.7.8, came out `81.2.69.0123.6.7.0` under truncate).
                writer.replaceRest(field, anonymizer, &counters, into: &out)
            } else {
                writer.replace(field, anonymizer, &counters, into: &out)
            }
        }
        return writer.finish(end, &counters, into: &out)
    }

    /// Calls `body` with every address-looking token in `bytes[start..<end]`, in order (the tokens ``scrub`` would
    /// replace). `forget` and `verify` use it to find the addresses of a line.
    ///
    /// An address that names no host (``IPAddress/identifiesNoHost``: `120.0.0.0`, the version in every
    /// `Chrome/120.0.0.0`; `0.0.0.0/8`; `::`) is not reported, unless `includingNoHost`.
    public static func forEachAddress(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        includingNoHost: Bool = false,
        _ body: (AddressField) -> Void
    ) {
        var i = start
        while i < end {
            guard isRunByte(bytes[i]) else {
                i &+= 1
                continue
            }
            var j = i &+ 1
            var colons = bytes[i] == UInt8(ascii: ":") ? 1 : 0
            var dots = 0
            while j < end && isRunByte(bytes[j]) {
                if bytes[j] == UInt8(ascii: ":") { colons &+= 1 } else if bytes[j] == UInt8(ascii: ".") { dots &+= 1 }
                j &+= 1
            }
            if colons >= 2 || dots >= 3 {
                forEachAddress(inRun: bytes, i, j, colons: colons, includingNoHost: includingNoHost, body)
            }
            i = j
        }
    }

    /// Calls `body` with every address-looking token in `bytes[start..<end]` as written, and then in the text with
    /// its escapes decoded (``PercentDecoding``: `%XX` round after round, `\xXX`, `\u00XX`), as the anonymizer reads
    /// them: nginx writes `"` as `\x22`, whose digits glue onto a quad (`\x22203.0.113.7`) that only decoding sees.
    /// An address may be reported twice. `verify`, `forget`, `access` and the objection check find a line's addresses
    /// with it.
    public static func forEachAddressDecoded(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        decoding: PercentDecoding,
        includingNoHost: Bool = false,
        _ body: (AddressField) -> Void
    ) {
        forEachAddress(bytes, from: start, to: end, includingNoHost: includingNoHost, body)
        guard start < end,
            memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "%")), end - start) != nil
                || memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\\")), end - start) != nil
        else { return }
        decoding.decode(bytes, start..<end)
        let decoded = UnsafeBufferPointer(decoding.decoded)
        forEachAddress(decoded, from: 0, to: decoded.count, includingNoHost: includingNoHost, body)
    }

    /// The addresses of one run of `[0-9A-Fa-f:.]`: IPv6 tokens and dotted quads, left to right. A quad wins over
    /// an IPv6 token that starts inside it (`81.2.69.24::` is the quad, not `24::`); an IPv6 token wins over the
    /// quads inside it (`::ffff:81.2.69.1`).
    private static func forEachAddress(
        inRun bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        colons: Int,
        includingNoHost: Bool,
        _ body: (AddressField) -> Void
    ) {
        var from = start
        var colonsLeft = colons
        // The IPv6 token found from some position; valid until `from` passes its start.
        var v6: (IPAddress, Range<Int>)?
        var v6Searched = false
        while from < end {
            if !v6Searched || (v6 != nil && v6!.1.lowerBound < from) {
                // After a quad, a single `:` is a separator (`81.2.69.24:2a02:cf40::17`), not the start of `::`.
                var searchFrom = from
                if bytes[from] == UInt8(ascii: ":") && from + 1 < end && bytes[from + 1] != UInt8(ascii: ":") {
                    searchFrom += 1
                }
                v6 = colonsLeft >= 2 ? v6Token(bytes, from: searchFrom, to: end) : nil
                v6Searched = true
            }
            let quad = firstQuad(bytes, from: from, to: v6.map { $0.1.lowerBound + 1 } ?? end, runEnd: end)
            let next: Int
            if let (value, range) = quad, v6 == nil || range.lowerBound < v6!.1.lowerBound {
                if report(.v4(value), range, includingNoHost, body) {
                    next = range.upperBound
                } else {
                    // A quad that names no host (`0.81.2.69` in `0.81.2.69.7`) hides nothing after its first part.
                    var dot = range.lowerBound
                    while bytes[dot] != UInt8(ascii: ".") { dot &+= 1 }
                    next = dot &+ 1
                }
                if let found = v6, found.1.lowerBound < next { v6Searched = false }
            } else if let (address, range) = v6 {
                // Hex glued to an address's last group goes with it (`…::17ab` of `…::17abcdefab`): what is left
                // would read as another address.
                var upper = range.upperBound
                while upper < end && bytes[upper] != UInt8(ascii: ":") && bytes[upper] != UInt8(ascii: ".") {
                    upper &+= 1
                }
                // `::` names no host and hides nothing after its first colon (`:::1` holds `::1`).
                next = report(address, range.lowerBound..<upper, includingNoHost, body) ? upper : range.lowerBound &+ 1
                v6Searched = false
            } else {
                return
            }
            for k in from..<next where bytes[k] == UInt8(ascii: ":") { colonsLeft &-= 1 }
            from = next
        }
    }

    /// Calls `body` with the address unless it names no host (and those are not asked for); whether it did.
    @inline(__always)
    @discardableResult
    private static func report(
        _ address: IPAddress,
        _ range: Range<Int>,
        _ includingNoHost: Bool,
        _ body: (AddressField) -> Void
    ) -> Bool {
        guard includingNoHost || !address.identifiesNoHost else { return false }
        body(AddressField(address: address, range: range))
        return true
    }

    /// The first dotted quad starting in `start..<limit` (not in the middle of a number), read up to `runEnd`.
    private static func firstQuad(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to limit: Int,
        runEnd end: Int
    ) -> (UInt32, Range<Int>)? {
        var p = start
        while p < limit {
            let startsNumber = isDigit(bytes[p]) && (p == start || !isDigit(bytes[p - 1]))
            if startsNumber, let (value, quadEnd) = quad(bytes, from: p, to: end) { return (value, p..<quadEnd) }
            p &+= 1
        }
        return nil
    }

    /// Where a long line may be cut into pieces without cutting an address-looking token, plain or escaped
    /// (`81%2E2%2E69%2E7`, `\x2281.2.69.7`): just after the last byte that cannot belong to one. Returns `start`
    /// when all the bytes could belong to one.
    public static func safeCut(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = end
        while i > start {
            let c = bytes[i - 1]
            if !isRunByte(c) && c != UInt8(ascii: "%") && c != UInt8(ascii: "\\") && c | 0x20 != UInt8(ascii: "x") {
                return i
            }
            i -= 1
        }
        return start
    }

    @inlinable
    static func isRunByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x3A) || c == UInt8(ascii: ".") || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
    }

    @inlinable
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// The first IPv6 address in the run, allowing for trailing punctuation (`2001:db8::1.` at the end of a sentence,
    /// `…::1:` before a port-less colon), for hex letters glued to its front (`cafe2001:db8::1`) or to its last
    /// group (`…:5678deadbeef`). Each colon is tried in turn (a run may start with text that is no address), with at
    /// most 45 bytes (the longest IPv6 text) after it, so a run of thousands of colons costs time in proportion.
    private static func v6Token(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int
    ) -> (
        IPAddress, Range<Int>
    )? {
        var searchFrom = start
        while true {
            var colon = searchFrom
            while colon < end && bytes[colon] != UInt8(ascii: ":") { colon += 1 }
            guard colon < end else { return nil }
            let limit = min(end, colon + 45)
            // Where the last group of a candidate ending at `limit` starts (trimmed to four hex digits below).
            var lastColon = limit - 1
            while lastColon > colon && bytes[lastColon] != UInt8(ascii: ":") { lastColon -= 1 }
            for from in max(start, colon - 4)...colon {
                // The whole candidate, then without trailing `.`/`:` or up to 6 bytes, then its last group cut to
                // four hex digits or fewer.
                var stop = limit
                while stop > from + 1 {
                    if let address = IPAddress.parseV6(bytes, from: from, to: stop) { return (address, from..<stop) }
                    let last = bytes[stop - 1]
                    guard last == UInt8(ascii: ".") || last == UInt8(ascii: ":") || limit - stop < 6 else { break }
                    stop -= 1
                }
                if lastColon > from {
                    for stop in stride(from: min(lastColon + 5, limit), to: lastColon + 1, by: -1) {
                        if let address = IPAddress.parseV6(bytes, from: from, to: stop) {
                            return (address, from..<stop)
                        }
                    }
                }
                // A second `::` makes the whole invalid, not what stands before it (`2001:db8:7::7` of
                // `12001:db8:7::7::ffff:81.2.69.7`).
                var beforeSecond = from + 2
                while beforeSecond + 1 < limit {
                    if bytes[beforeSecond] == UInt8(ascii: ":") && bytes[beforeSecond + 1] == UInt8(ascii: ":"),
                        let address = IPAddress.parseV6(bytes, from: from, to: beforeSecond)
                    {
                        return (address, from..<beforeSecond)
                    }
                    beforeSecond += 1
                }
            }
            searchFrom = colon + 1
        }
    }

    /// A dotted quad starting at `start`; leading zeros are accepted here (fail closed).
    private static func quad(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> (UInt32, Int)? {
        var value: UInt32 = 0
        var i = start
        for part in 0..<4 {
            var number: UInt32 = 0
            var digits = 0
            while i < end && isDigit(bytes[i]) && digits < 4 {
                number = number * 10 + UInt32(bytes[i] - 0x30)
                digits += 1
                i += 1
            }
            guard digits >= 1, digits <= 3, number <= 255 else { return nil }
            value = value << 8 | number
            if part < 3 {
                guard i < end && bytes[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
        }
        return (value, i)
    }
}
