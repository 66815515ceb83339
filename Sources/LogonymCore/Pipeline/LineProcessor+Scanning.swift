/// Fields that may hold an address without being address fields: the request, referrer and URLs (after the scrub
/// stage), the user agent, virtual host and remote user, RFC 7239 `Forwarded` headers, and every field logonym
/// does not know. Nothing of them is copied before the address scanner has been over it.
extension LineProcessor {
    /// What a text format's variable gets before it is written (see ``rewriteVariables(_:scrubber:)``).
    static func treatment(of field: LogFormat.Field, scrubber: Scrubber?) -> LogFormat.Field? {
        // The address-free fields are validated by the matcher: they cannot hold an address.
        guard field.isFreeText else { return nil }
        switch field {
        case .remoteUser where scrubber != nil && scrubber!.settings.remoteUser != .keep,
            .userAgent where scrubber != nil && scrubber!.settings.userAgent != .keep:
            // Replaced whole by the scrub stage (a keyed token, `-`, or a browser family).
            return field
        case .remoteUser, .userAgent, .vhost:
            return .opaque
        default:
            return field
        }
    }

    /// The variables same-format output rewrites, in line order, each with its treatment: every variable but those
    /// the matcher has shown to be address-free. Variables glued by literals that could be part of an address
    /// (`$a.$b.$c.$d`, `$request_time.$foo`: only `0-9 a-f : .`) are scanned as one span from the first to the
    /// last (`through`), so that an address split across them is seen whole, when all of them are scanned or
    /// address-free (an address field, URL or header in the chain keeps its own treatment).
    static func rewriteVariables(
        _ logFormat: LogFormat,
        scrubber: Scrubber?
    ) -> [(index: Int, field: LogFormat.Field, through: Int)] {
        let treatments = logFormat.variables.map { treatment(of: $0.field, scrubber: scrubber) }
        var list: [(index: Int, field: LogFormat.Field, through: Int)] = []
        var k = 0
        while k < treatments.count {
            // The chain of variables glued to this one.
            var last = k
            while last + 1 < treatments.count && isAddressGlue(logFormat.literals[last + 1]) { last += 1 }
            let chain = treatments[k...last]
            if last > k && chain.contains(where: { $0 == .opaque })
                && chain.allSatisfy({ $0 == nil || $0 == .opaque })
            {
                list.append((k, .opaque, last))
            } else {
                for j in k...last { if let field = treatments[j] { list.append((j, field, j)) } }
            }
            k = last + 1
        }
        return list
    }

    /// A literal between two variables that an address could run through.
    static func isAddressGlue(_ literal: [UInt8]) -> Bool {
        !literal.isEmpty && literal.allSatisfy(FallbackScanner.isRunByte)
    }

    /// Whether a field that may hold an address comes out as it is: empty, too plain for the screen, or known
    /// clean. Values that repeat (agents, hosts, unknown fields: `repeating`) are looked up before the screen, URLs
    /// only when the screen cannot rule them out. Otherwise the caller appends the field through
    /// ``writeScanned(_:_:_:into:)`` or ``writeScannedURL(_:scrubbed:_:_:into:)``.
    @inline(__always)
    func keepsUnscanned(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, repeating: Bool = true) -> Bool {
        if Self.isTooShortForAddress(s, e) { return true }
        let base = b.baseAddress!
        let cacheable = e &- s >= 8
        if repeating && cacheable && cleanText.contains(base, s, e) { return true }
        guard AddressScreen.mayHoldAddress(base, s, e, limit: b.count) else {
            if repeating && cacheable { cleanText.insert(base, s, e) }
            return true
        }
        return !repeating && cacheable && cleanText.contains(base, s, e)
    }

    /// Appends `b[from..<to]`: what stands between the fields a line rewrites. Often nothing (a client address
    /// opens most lines), which then costs no call into the array.
    @inline(__always)
    static func copy(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, into out: inout [UInt8]) {
        if from < to { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[from..<to])) }
    }

    /// Fewer than three bytes (`-`, empty, a digit or two) hold no address.
    @inline(__always)
    static func isTooShortForAddress(_ s: Int, _ e: Int) -> Bool { e &- s < 3 }

    /// Unless the field `s..<e` needs no scan (then it is left for the caller to copy with the bytes around it),
    /// appends what stands between `cursor` and it, then the field scanned, and moves `cursor` past it.
    @inline(__always)
    func scanInPlace(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, cursor: inout Int, into out: inout [UInt8]) {
        // Checked here too: most lines have a `-` field or two, which should not cost a call.
        if Self.isTooShortForAddress(s, e) { return }
        scanLongerInPlace(b, s, e, cursor: &cursor, into: &out)
    }

    @inline(never)
    private func scanLongerInPlace(
        _ b: UnsafeBufferPointer<UInt8>,
        _ s: Int,
        _ e: Int,
        cursor: inout Int,
        into out: inout [UInt8]
    ) {
        guard !keepsUnscanned(b, s, e) else { return }
        Self.copy(b, cursor, s, into: &out)
        writeScanned(b, s, e, into: &out)
        cursor = e
    }

    /// Appends a field with every address in it replaced (through percent-encoding too); a field that had none is
    /// remembered as clean. Returns how many it replaced.
    @discardableResult
    func writeScanned(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into out: inout [UInt8]) -> Int {
        let found = FallbackScanner.scrubEncoded(
            b,
            from: s,
            to: e,
            anonymizer: anonymizer,
            counters: &tally.pointee,
            scratch: percentDecoding,
            into: &out
        )
        if found == 0 && e &- s >= 8 { cleanText.insert(b.baseAddress!, s, e) }
        return found
    }

    /// Appends a URL field (`$request`, `$http_referer`, `$request_uri`, `$args`) as the scrub stage leaves it, then
    /// with every address replaced: an IP-literal host (`http://81.2.69.3:8080/`), an address glued to a word
    /// (`/host-81.2.69.2`), percent-encoded (`81%2E2%2E69%2E7`), with `%00` after it. Returns how many it replaced.
    @discardableResult
    func writeScannedURL(
        _ field: LogFormat.Field,
        scrubbed: Bool,
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        into out: inout [UInt8]
    ) -> Int {
        guard scrubbed else { return writeScanned(b, range.lowerBound, range.upperBound, into: &out) }
        var scrubbedBytes: [UInt8] = []
        swap(&scrubbedBytes, &urlScratch)
        scrubbedBytes.removeAll(keepingCapacity: true)
        scrub(field, b, range, into: &scrubbedBytes)
        // (Nothing is remembered as clean here: the URL as it came may hold an address the stage took out, and the
        // same bytes in another field would not be scrubbed. The stage's own cache remembers the verdict.)
        let found = scrubbedBytes.withUnsafeBufferPointer { scrubbed in
            FallbackScanner.scrubEncoded(
                scrubbed,
                from: 0,
                to: scrubbed.count,
                anonymizer: anonymizer,
                counters: &tally.pointee,
                scratch: percentDecoding,
                into: &out
            )
        }
        swap(&scrubbedBytes, &urlScratch)
        return found
    }

    /// Calls `body` with a value as the scrub stage (for `field`) and the address scanner leave it: the original
    /// bytes when neither changes anything.
    func withScrubbedAndScanned(
        _ field: LogFormat.Field,
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        _ body: (UnsafeBufferPointer<UInt8>, Range<Int>) -> Void
    ) {
        let scrubs = scrubber.map { !$0.keeps(field, b, range) } ?? false
        let suspect = !keepsUnscanned(b, range.lowerBound, range.upperBound, repeating: false)
        guard scrubs || suspect else { return body(b, range) }
        var written: [UInt8] = []
        if suspect {
            writeScannedURL(field, scrubbed: scrubs, b, range, into: &written)
        } else {
            scrub(field, b, range, into: &written)
        }
        written.withUnsafeBufferPointer { body($0, 0..<$0.count) }
    }

    // MARK: W3C directives

    /// A W3C extended log's directive line (`#Software:`, `#Version:`, `#Date:`, `#Fields:`): written as it came
    /// (scanned, like any text; under `--output-format json` as `{"w3c_directive":"..."}`) and counted as written;
    /// `#Fields:` sets up the format of the lines after it.
    func writeW3CDirective(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into out: inout [UInt8]) {
        if FormatDetector.isFieldsDirective(b, start..<end) {
            // A directive logonym cannot use (no client address, too many fields) leaves the lines after it to the
            // fallback scanner until the next one; the fields before it no longer describe them.
            let fields = FormatDetector.w3cFields(b, start..<end)
            w3cRejected = fields == nil
            if let fields { configure(fields) }
        }
        if windows != nil && !enterWindow(of: nil) { return drop(.expired) }
        if outputFormat == .same {
            writeScanned(b, start, end, into: &out)
        } else {
            var scanned: [UInt8] = []
            writeScanned(b, start, end, into: &scanned)
            out.append(contentsOf: Array(#"{"w3c_directive":""#.utf8))
            scanned.withUnsafeBufferPointer {
                JSONText.writeStringContents($0, 0..<$0.count, escaping: .none, into: &out)
            }
            out.append(contentsOf: Array(#""}"#.utf8))
        }
        out.append(0x0A)
        tally.pointee.linesWritten &+= 1
    }

    // MARK: RFC 7239 Forwarded

    /// Appends a `Forwarded` header with its `for=` and `by=` nodes pseudonymized (`192.0.2.60`,
    /// `"[2001:db8:cafe::17]:4711"`, `203.0.113.43:80`; an obfuscated `_hidden` or `unknown` is kept, anything else
    /// is not a node and is replaced like a non-address) and every other parameter scanned.
    func writeForwardedHeader(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [UInt8]) {
        var cursor = start
        var pairStart = start
        var i = start
        var quoted = false
        while i <= end {
            if i < end {
                let c = b[i]
                // An escaped byte (`\"` as Apache writes a quote, `\x22` as nginx does) never delimits.
                if c == UInt8(ascii: "\\") {
                    i = min(i &+ 2, end)
                    continue
                }
                if c == UInt8(ascii: "\"") { quoted.toggle() }
                guard !quoted && (c == UInt8(ascii: ";") || c == UInt8(ascii: ",")) else {
                    i &+= 1
                    continue
                }
            }
            let pairEnd = min(i, end)
            if let (valueRange, isNode) = Self.forwardedPair(b, pairStart, pairEnd) {
                if isNode {
                    let (s, e) = Self.unquoted(b, valueRange.lowerBound, valueRange.upperBound)
                    if s < e && b[s] == UInt8(ascii: "_") {
                        // An obfuscated node (`_hidden`) is kept, unless the scanner finds an address in it.
                        scanInPlace(b, s, e, cursor: &cursor, into: &out)
                    } else {
                        // (`unknown` is kept by the address value's own rule.)
                        Self.copy(b, cursor, s, into: &out)
                        writeAddressValue(b, s, e, into: &out)
                        cursor = e
                    }
                } else {
                    scanInPlace(b, valueRange.lowerBound, valueRange.upperBound, cursor: &cursor, into: &out)
                }
            }
            pairStart = i &+ 1
            i &+= 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<end]))
    }

    /// A value without the quotes around it: `"..."`, or as a log escapes them, `\"...\"` or `\x22...\x22`.
    private static func unquoted(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
        for quote in quotes where end - start >= 2 * quote.count {
            if JSONLineFormat.equals(b, start..<(start + quote.count), quote)
                && JSONLineFormat.equals(b, (end - quote.count)..<end, quote)
            {
                return (start + quote.count, end - quote.count)
            }
        }
        return (start, end)
    }

    private static let quotes = [[UInt8(ascii: "\"")], Array(#"\""#.utf8), Array(#"\x22"#.utf8)]

    /// The value of a `for=` or `by=` pair of a `Forwarded` header (with `true`), or any other pair whole (with
    /// `false`); `nil` for an empty one.
    private static func forwardedPair(
        _ b: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int
    ) -> (Range<Int>, Bool)? {
        var s = start
        var e = end
        while s < e && (b[s] == 0x20 || b[s] == 0x09) { s &+= 1 }
        while e > s && (b[e - 1] == 0x20 || b[e - 1] == 0x09) { e &-= 1 }
        guard s < e else { return nil }
        var equals = s
        while equals < e && b[equals] != UInt8(ascii: "=") { equals &+= 1 }
        guard equals < e else { return (s..<e, false) }
        let name = s..<equals
        let isNode =
            (name.count == 3 && b[s] | 0x20 == UInt8(ascii: "f") && b[s + 1] | 0x20 == UInt8(ascii: "o")
                && b[s + 2] | 0x20 == UInt8(ascii: "r"))
            || (name.count == 2 && b[s] | 0x20 == UInt8(ascii: "b") && b[s + 1] | 0x20 == UInt8(ascii: "y"))
        // A parameter other than a node is scanned whole, its name too.
        return isNode ? ((equals + 1)..<e, true) : (s..<e, false)
    }
}
