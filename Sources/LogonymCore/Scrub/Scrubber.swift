#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The scrub stage: removes personal data from request URIs and referrers (parameter deny or allow lists, and
/// value detectors for e-mail addresses, IP addresses, payment cards, IBANs, JWTs, bearer tokens and URL
/// userinfo), and rewrites the remote user and the user agent as configured.
///
/// Values are percent-decoded (and `+` read as a space) for matching only; what is written is the original bytes
/// with whole values replaced by the marker, so the line still parses as before. A detector matches whole tokens:
/// `/download/1.2.3.4.tar.gz` is not an address.
public final class Scrubber {
    public let settings: ScrubSettings
    let mode: ScrubSettings.Mode
    let marker: [UInt8]
    /// Denied names (normalized) and their counters.
    let deny: [[UInt8]: Int]
    /// A bit per hash of the denied names (1,024 bits), so that most names are ruled out without building an array.
    let denyBits: [UInt64]
    /// The denied names by hash, compared in place (no array built for a name on the list).
    let denyByHash: [UInt64: [(name: [UInt8], counter: Int)]]
    let allowExact: Set<[UInt8]>
    let allowPrefixes: [[UInt8]]
    /// The counter keys (``RunCounters/scrubbed``) by id: the detectors (by ``Detector`` raw value), then
    /// `param:(not allowed)`, then `param:NAME` for each denied name.
    let counterNames: [String]
    static let notAllowedCounter = Detector.allCases.count
    static let remoteUserCounter = Detector.allCases.count + 1
    static let userAgentCounter = Detector.allCases.count + 2
    /// Values and path segments longer than this are replaced whole.
    static let longValue = 1024
    /// The ranges of the URL being scrubbed that get the marker, and the counters they add to (reused).
    @exclusivity(unchecked) private var replacements: [Range<Int>] = []
    @exclusivity(unchecked) private var pending: [Int] = []
    private let urlCache = ScrubbedURLCache(slotsPowerOfTwo: 13, slotSize: 256)
    private let agentCache = ScrubbedURLCache(slotsPowerOfTwo: 10, slotSize: 512)
    /// What was scrubbed since the last ``flushCounts(into:)``, by counter id (raw memory: one add per value).
    @exclusivity(unchecked) private var counts: UnsafeMutableBufferPointer<Int>
    @exclusivity(unchecked) private var hasCounts = false

    public init(settings: ScrubSettings) {
        self.settings = settings
        mode = settings.mode
        marker = Array(settings.marker.utf8)
        var names = Detector.allCases.map { "detector:" + $0.name }
        names += ["param:(not allowed)", "field:remote_user", "field:user_agent"]
        var deny: [[UInt8]: Int] = [:]
        for name in settings.denyNames {
            let normalized = Self.normalizedName(Array(name.utf8))
            guard deny[normalized] == nil else { continue }
            deny[normalized] = names.count
            names.append("param:" + String(decoding: normalized, as: UTF8.self))
        }
        self.deny = deny
        counterNames = names
        counts = .allocate(capacity: names.count)
        counts.initialize(repeating: 0)
        var bits = [UInt64](repeating: 0, count: 16)
        var byHash: [UInt64: [(name: [UInt8], counter: Int)]] = [:]
        for (name, counter) in deny {
            let hash = name.withUnsafeBufferPointer { Self.nameHash($0, 0..<$0.count) }
            bits[Int(hash >> 6 & 15)] |= 1 << (hash & 63)
            byHash[hash, default: []].append((name, counter))
        }
        denyBits = bits
        denyByHash = byHash
        var exact = Set<[UInt8]>()
        var prefixes: [[UInt8]] = []
        for name in settings.allowNames {
            let bytes = Self.normalizedName(Array(name.utf8))
            if bytes.last == UInt8(ascii: "*") { prefixes.append(Array(bytes.dropLast())) } else { exact.insert(bytes) }
        }
        allowExact = exact
        allowPrefixes = prefixes
        replacements.reserveCapacity(8)
        pending.reserveCapacity(8)
    }

    deinit {
        counts.deallocate()
        urlCache.deallocate()
        agentCache.deallocate()
    }

    // MARK: Request line and URLs

    /// Whether the stage leaves a field exactly as it is: a plain request target or referrer (see
    /// ``PlainURLScreen``), a kept or empty remote user or user agent. Callers copy such fields with the bytes
    /// around them and call ``write(_:_:_:anonymizer:into:)`` only for the others.
    @inline(__always)
    public func keeps(_ field: LogFormat.Field, _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        switch field {
        case .request:
            probes = (nil, nil)
            return keepsURL(b, Self.requestTarget(b, range))
        case .referrer, .url:
            probes = (nil, nil)
            return keepsURL(b, range)
        case .query: return Self.isEmptyField(b, range)
        case .remoteUser: return settings.remoteUser == .keep || Self.isEmptyField(b, range)
        case .userAgent: return settings.userAgent == .keep || Self.isEmptyField(b, range)
        default: return true
        }
    }

    /// Appends a field as the stage leaves it (any field; those it ``keeps(_:_:_:)`` are copied, a little slower).
    /// The remote user needs the line's anonymizer (`hash`: its key; without one it becomes `-`).
    public func write(
        _ field: LogFormat.Field,
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        anonymizer: Anonymizer?,
        holdsNoAddress: Bool = false,
        into out: inout [UInt8]
    ) {
        switch field {
        case .request:
            let target = Self.requestTarget(b, range)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[range.lowerBound..<target.lowerBound]))
            writeURL(b, target, holdsNoAddress: holdsNoAddress, into: &out)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[target.upperBound..<range.upperBound]))
        case .referrer, .url: writeURL(b, range, holdsNoAddress: holdsNoAddress, into: &out)
        case .query: writeQuery(b, range, into: &out)
        case .remoteUser: writeRemoteUser(b, range, anonymizer: anonymizer, into: &out)
        case .userAgent: writeUserAgent(b, range, into: &out)
        default: out.append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
        }
    }

    /// The target of `METHOD target PROTOCOL`; anything else is taken as one URL.
    @inline(__always)
    static func requestTarget(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        requestParts(b, range).target
    }

    /// The target of `METHOD target PROTOCOL` (anything else is taken as one URL), and whether what stands around
    /// it can hold no address: letters before it (a method), `HTTP/` and at most three bytes after it (a protocol).
    /// A line may put anything there.
    @inline(__always)
    static func requestParts(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>
    ) -> (target: Range<Int>, plainAround: Bool) {
        // The method and the protocol are short: plain loops beat a library call.
        var firstSpace = range.lowerBound
        var letters = true
        while firstSpace < range.upperBound {
            let c = b[firstSpace]
            if c == 0x20 { break }
            letters = letters && (c | 0x20) &- 0x61 < 26
            firstSpace &+= 1
        }
        // Most requests end in ` HTTP/1.1` (or 1.0, 2.0): one comparison of eight bytes instead of a loop.
        if range.upperBound &- 9 > firstSpace, b[range.upperBound &- 1] &- 0x30 < 10 {
            let tail = UnsafeRawPointer(b.baseAddress! + (range.upperBound &- 9)).loadUnaligned(as: UInt64.self)
            if tail == 0x2E31_2F50_5454_4820 || tail == 0x2E32_2F50_5454_4820 {  // " HTTP/1.", " HTTP/2."
                return ((firstSpace + 1)..<(range.upperBound &- 9), letters)
            }
        }
        var lastSpace = range.upperBound &- 1
        while lastSpace > firstSpace && b[lastSpace] != 0x20 { lastSpace &-= 1 }
        guard firstSpace < range.upperBound, lastSpace > firstSpace else { return (range, true) }
        return ((firstSpace + 1)..<lastSpace, letters && isProtocol(b, lastSpace, range.upperBound))
    }

    /// Empty or `-`.
    @inline(__always)
    static func isEmptyField(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        range.isEmpty || (range.count == 1 && b[range.lowerBound] == UInt8(ascii: "-"))
    }

    /// What the stage makes of a URL field.
    public enum URLVerdict: Sendable, Equatable {
        /// Unchanged, and too plain to hold an address either (``PlainURLScreen``): copied as it is.
        case plain
        /// Unchanged by the stage (the address scanner still has to look at it; when it finds nothing,
        /// ``markAddressFree(probe:)`` makes the next verdict on the same URL `plain`).
        case unchanged
        /// The stage replaces something: written through ``write(_:_:_:anonymizer:into:)``.
        case changes
        /// The stage replaces something, and what it leaves was found to hold no address before.
        case changesNoAddress
    }

    /// ``keeps(_:_:_:)`` for a request and its referrer, both screened before either is written.
    @inline(__always)
    public func verdicts(
        _ b: UnsafeBufferPointer<UInt8>,
        request: Range<Int>,
        referrer: Range<Int>
    ) -> (request: URLVerdict, referrer: URLVerdict) {
        // A probe lives from here to the write that follows; none may outlive its line.
        probes = (nil, nil)
        checkedSlots = (nil, nil)
        let (target, plainAround) = Self.requestParts(b, request)
        var requestVerdict = urlVerdict(b, target, probe: 0)
        if !plainAround && (requestVerdict == .plain || requestVerdict == .changesNoAddress) {
            requestVerdict = requestVerdict == .plain ? .unchanged : .changes
        }
        return (requestVerdict, urlVerdict(b, referrer, probe: 1))
    }

    /// A blank, `HTTP/` and at most three bytes (too few for an address): a request's protocol.
    @inline(__always)
    static func isProtocol(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        if start == end { return true }
        guard end &- start >= 6, end &- start <= 9, b[start] == 0x20 else { return false }
        let http = UnsafeRawPointer(b.baseAddress! + start + 1).loadUnaligned(as: UInt32.self)
        return http == 0x5054_5448 && b[start &+ 5] == UInt8(ascii: "/")  // "HTTP"
    }

    @inline(__always)
    private func keepsURL(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, probe index: Int = 0) -> Bool {
        switch urlVerdict(b, range, probe: index) {
        case .plain, .unchanged: true
        case .changes, .changesNoAddress: false
        }
    }

    /// A plain URL, or one the cache knows comes out unchanged (`?page=2`). For any other, remembers the hash and
    /// the cache's slot for the ``writeURL(_:_:into:)`` that follows.
    @inline(__always)
    private func urlVerdict(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, probe index: Int) -> URLVerdict {
        // `-` and `/` (a fifth of referrers, many request targets): nothing in two bytes can be replaced.
        if range.count <= 2 || isPlain(b, range) { return .plain }
        let base = b.baseAddress!
        let hash = ScrubbedURLCache.hash(base, range.lowerBound, range.upperBound)
        let slot = urlCache.find(base, range.lowerBound, range.upperBound, hash: hash)
        if index == 0 { checkedSlots.0 = (base, range, hash) } else { checkedSlots.1 = (base, range, hash) }
        let addressFree = slot.map(ScrubbedURLCache.isAddressFree) ?? false
        if let slot, ScrubbedURLCache.isUnchanged(slot) { return addressFree ? .plain : .unchanged }
        let probe = Probe(base: base, range: range, hash: hash, slot: slot)
        if index == 0 { probes.0 = probe } else { probes.1 = probe }
        return addressFree ? .changesNoAddress : .changes
    }

    /// What ``keepsURL(_:_:probe:)`` found out about a URL it did not keep (two: a request and its referrer).
    private struct Probe {
        var base: UnsafePointer<UInt8>
        var range: Range<Int>
        var hash: UInt64
        var slot: UnsafeMutableRawPointer?
    }

    @exclusivity(unchecked) private var probes: (Probe?, Probe?) = (nil, nil)
    /// The request's and the referrer's URLs as their verdicts looked them up (for this line only).
    @exclusivity(unchecked) private var checkedSlots:
        ((UnsafePointer<UInt8>, Range<Int>, UInt64)?, (UnsafePointer<UInt8>, Range<Int>, UInt64)?) = (nil, nil)

    /// Remembers that the address scanner found nothing in what the stage leaves of the request (`probe` 0) or the
    /// referrer (1) of this line, when its verdict came from the cache: the same URL's next verdict is `plain` (or
    /// `changesNoAddress`).
    @inline(__always)
    public func markAddressFree(probe: Int) {
        // Looked up again: writing the other URL of the line may have taken the slot.
        guard let (base, range, hash) = probe == 0 ? checkedSlots.0 : checkedSlots.1,
            let slot = urlCache.find(base, range.lowerBound, range.upperBound, hash: hash)
        else { return }
        ScrubbedURLCache.markAddressFree(slot)
    }

    /// Appends a URL (absolute, or a path with query and fragment) with its personal data replaced: from the cache,
    /// else taken apart (and cached). With `holdsNoAddress` (the caller's address screen found none), the cache
    /// remembers that too, so that the URL's next verdict needs no screen.
    public func writeURL(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        holdsNoAddress: Bool = false,
        into out: inout [UInt8]
    ) {
        let base = b.baseAddress!
        let hash: UInt64
        let slot: UnsafeMutableRawPointer?
        // A probe's slot is looked at again (it may hold the line's other URL by now, written since the verdict).
        if let probe = probes.0, probe.base == base, probe.range == range {
            hash = probe.hash
            slot = probe.slot == nil ? nil : urlCache.find(base, range.lowerBound, range.upperBound, hash: hash)
            probes.0 = nil
        } else if let probe = probes.1, probe.base == base, probe.range == range {
            hash = probe.hash
            slot = probe.slot == nil ? nil : urlCache.find(base, range.lowerBound, range.upperBound, hash: hash)
            probes.1 = nil
        } else {
            hash = ScrubbedURLCache.hash(base, range.lowerBound, range.upperBound)
            slot = urlCache.find(base, range.lowerBound, range.upperBound, hash: hash)
        }
        if let slot {
            ScrubbedURLCache.emit(slot, base, range.lowerBound, range.upperBound, into: &out) { id in
                count(id)
            }
            if holdsNoAddress { ScrubbedURLCache.markAddressFree(slot) }
            return
        }
        replacements.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
        collectURL(b, range)
        let outputStart = out.count
        writeReplaced(b, range, into: &out)
        out.withUnsafeBufferPointer { written in
            urlCache.store(
                base,
                range.lowerBound,
                range.upperBound,
                hash: hash,
                output: UnsafeBufferPointer(rebasing: written[outputStart...]),
                counts: pending,
                addressFree: holdsNoAddress
            )
        }
    }

    /// True when the URL has nothing the stage could change (the common case: a path of words, numbers and file
    /// names). A URL over 1 KiB is never plain: one of its segments may be a blob to replace.
    @inline(__always)
    func isPlain(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count <= Self.longValue else { return false }
        return switch PlainURLScreen.screen(b.baseAddress!, range.lowerBound, range.upperBound, limit: b.count) {
        case .plain: true
        case .special: false
        case .numerous: Self.isPlainBySegment(b, range)
        }
    }

    /// Appends text (a line that did not parse) with every URL-looking token scrubbed as a URL: a token that starts
    /// with `/` or `http://`/`https://` right after the start, a blank, a quote or a bracket, up to the next blank or
    /// quote.
    public func writeURLTokens(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        into out: inout [UInt8]
    ) {
        var cursor = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            let startsToken =
                i == range.lowerBound || b[i - 1] == 0x20 || b[i - 1] == UInt8(ascii: "\"")
                || b[i - 1] == UInt8(ascii: "'") || b[i - 1] == UInt8(ascii: "(") || b[i - 1] == UInt8(ascii: "[")
            guard startsToken, b[i] == UInt8(ascii: "/") || Self.schemeEnd(b, i..<range.upperBound) != nil else {
                i += 1
                continue
            }
            var end = i
            while end < range.upperBound && b[end] != 0x20 && b[end] != UInt8(ascii: "\"")
                && b[end] != UInt8(ascii: "'")
            {
                end += 1
            }
            if !keepsURL(b, i..<end) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<i]))
                writeURL(b, i..<end, into: &out)
                cursor = end
            }
            i = end
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<range.upperBound]))
    }

    /// Appends a query string without its path (`$args`; Apache's `%q` with its `?`), pair by pair. Not screened or
    /// cached: `name=value` alone is no sign of anything, so every pair's name is looked at.
    func writeQuery(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        into out: inout [UInt8]
    ) {
        replacements.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
        var start = range.lowerBound
        if start < range.upperBound && b[start] == UInt8(ascii: "?") { start += 1 }
        collectPairs(b, start..<range.upperBound)
        writeReplaced(b, range, into: &out)
    }

    /// Appends the bytes with every range in ``replacements`` replaced by the marker, and counts ``pending``.
    private func writeReplaced(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        into out: inout [UInt8]
    ) {
        var cursor = range.lowerBound
        for replaced in replacements {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<replaced.lowerBound]))
            out.append(contentsOf: marker)
            cursor = replaced.upperBound
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<range.upperBound]))
        for id in pending { count(id) }
    }

    @inline(__always)
    private func count(_ id: Int) {
        counts[id] &+= 1
        hasCounts = true
    }

    /// Adds what was scrubbed since the last call to `counters` (``RunCounters/scrubbed``, by name) and starts
    /// again: the line processor calls it before it switches windows and whenever counters are read.
    public func flushCounts(into counters: inout RunCounters) {
        guard hasCounts else { return }
        for id in counts.indices where counts[id] != 0 {
            counters.scrubbed[counterNames[id], default: 0] += counts[id]
            counts[id] = 0
        }
        hasCounts = false
    }

    /// Marks a range for the marker, counted under a counter id.
    @inline(__always)
    private func replace(_ range: Range<Int>, counter: Int) {
        replacements.append(range)
        pending.append(counter)
    }

    /// The ranges of a URL to replace, in order, into ``replacements``.
    private func collectURL(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        var i = range.lowerBound
        let end = range.upperBound
        // scheme://[userinfo@]host
        if let schemeEnd = Self.schemeEnd(b, range) {
            let authorityStart = schemeEnd + 3
            var authorityEnd = authorityStart
            while authorityEnd < end, b[authorityEnd] != UInt8(ascii: "/"), b[authorityEnd] != UInt8(ascii: "?"),
                b[authorityEnd] != UInt8(ascii: "#")
            {
                authorityEnd += 1
            }
            var at = authorityEnd
            while at > authorityStart && b[at - 1] != UInt8(ascii: "@") { at -= 1 }
            if at > authorityStart { replace(authorityStart..<(at - 1), counter: Detector.userinfo.rawValue) }
            i = authorityEnd
        }
        // Path segments, each with its `;name=value` parameters; a plain path (the common `/search?q=...`) at once.
        let pathStart = i
        while i < end && b[i] != UInt8(ascii: "?") && b[i] != UInt8(ascii: "#") { i &+= 1 }
        if !isPlain(b, pathStart..<i) {
            var segmentStart = pathStart
            for k in pathStart..<i where b[k] == UInt8(ascii: "/") {
                collectSegment(b, segmentStart..<k)
                segmentStart = k + 1
            }
            collectSegment(b, segmentStart..<i)
        }
        // Query and fragment: name=value pairs.
        if i < end { collectPairs(b, (i + 1)..<end) }
    }

    /// The `name=value` pairs of a query and of a fragment after it (`&` or `;` between pairs, `#` before the
    /// fragment).
    private func collectPairs(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        var pairStart = range.lowerBound
        while true {
            let pairEnd = PlainURLScreen.nextPairEnd(b.baseAddress!, pairStart, range.upperBound)
            collectPair(b, pairStart..<pairEnd)
            guard pairEnd < range.upperBound else { return }
            pairStart = pairEnd + 1
        }
    }

    /// A path segment: replaced whole when a detector matches it; `;name=value` parameters like query pairs.
    private func collectSegment(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        var semicolon = range.lowerBound
        while semicolon < range.upperBound && b[semicolon] != UInt8(ascii: ";") { semicolon += 1 }
        if let counter = detect(b, range.lowerBound..<semicolon) {
            replace(range.lowerBound..<semicolon, counter: counter)
        }
        guard semicolon < range.upperBound else { return }
        var pairStart = semicolon + 1
        for i in pairStart..<range.upperBound where b[i] == UInt8(ascii: ";") {
            collectPair(b, pairStart..<i)
            pairStart = i + 1
        }
        collectPair(b, pairStart..<range.upperBound)
    }

    /// `name=value`: the value replaced when the name is denied (or not allowed), or a detector matches it.
    private func collectPair(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        var equals = range.lowerBound
        while equals < range.upperBound && b[equals] != UInt8(ascii: "=") { equals += 1 }
        guard equals < range.upperBound else {
            // A bare value (`?abc@example.com`, `#token`): detectors only.
            if let counter = detect(b, range) { replace(range, counter: counter) }
            return
        }
        let valueRange = (equals + 1)..<range.upperBound
        guard !valueRange.isEmpty else { return }
        if let counter = nameCounter(b, range.lowerBound..<equals) {
            replace(valueRange, counter: counter)
        } else if let counter = detect(b, valueRange) {
            replace(valueRange, counter: counter)
        }
    }

    /// The counter of a parameter name whose value goes: denied (deny list), or not allowed (allow list).
    @inline(__always)
    private func nameCounter(_ b: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Int? {
        switch mode {
        case .denylist:
            let hash = Self.nameHash(b, name)
            if denyBits[Int(hash >> 6 & 15)] & (1 << (hash & 63)) != 0, let candidates = denyByHash[hash],
                let match = candidates.first(where: { Self.equalsNormalized(b, name, $0.name) })
            {
                return match.counter
            }
            // An encoded name (`%65mail`) is decoded first; any other is not denied.
            guard name.contains(where: { b[$0] == UInt8(ascii: "%") }) else { return nil }
            return deny[Self.normalizedName(Self.decode(b, name))]
        case .allowlist:
            let normalized = Self.normalizedName(Self.decode(b, name))
            let allowed = allowExact.contains(normalized) || allowPrefixes.contains { normalized.starts(with: $0) }
            return allowed ? nil : Self.notAllowedCounter
        }
    }

    /// ``isPlain(_:_:)`` for URLs whose totals are too high for ``PlainURLScreen``: one pass with the counts per
    /// path segment; false at `?#;@%`.
    static func isPlainBySegment(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        // Per segment: digits in the low byte, dots in the next, colons in the next (packed in one word).
        var counts: UInt32 = 0
        var i = range.lowerBound
        let base = b.baseAddress!
        while i < range.upperBound {
            let c = base[i]
            let kind = byteKinds[Int(c)]
            if kind != 0 {
                if kind == stop { return false }
                if kind == slash {
                    if suspicious(counts) || startsJWT(base, i + 1, range.upperBound) { return false }
                    counts = 0
                } else {
                    counts &+= UInt32(kind)
                }
            }
            i &+= 1
        }
        return !suspicious(counts) && !startsJWT(base, range.lowerBound, range.upperBound)
    }

    /// 11 digits or more (a card or an IBAN), a dotted quad's dots and digits, or two colons (IPv6).
    @inline(__always)
    static func suspicious(_ counts: UInt32) -> Bool {
        let digits = counts & 0xFF
        let dots = (counts >> 8) & 0xFF
        let colons = counts >> 16
        return digits >= 11 || (dots >= 3 && digits >= 4) || colons >= 2
    }

    @inline(__always)
    static func startsJWT(_ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Bool {
        i + 2 < end && base[i] == UInt8(ascii: "e") && base[i + 1] == UInt8(ascii: "y")
            && base[i + 2] == UInt8(ascii: "J")
    }

    static let stop: UInt32 = 0xFFFF_FFFF
    static let slash: UInt32 = 0xFFFF_FFFE
    /// What each byte adds to a segment's counts (1 digit, 1 << 8 dot, 1 << 16 colon), or that it ends the fast
    /// path (`?#;@%`) or a segment (`/`).
    static let byteKinds: [UInt32] = (0..<256).map { c -> UInt32 in
        switch UInt8(c) {
        case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "%"),
            UInt8(ascii: "\\"):
            stop
        case UInt8(ascii: "/"): slash
        case UInt8(ascii: "0")...UInt8(ascii: "9"): 1
        case UInt8(ascii: "."): 1 << 8
        case UInt8(ascii: ":"): 1 << 16
        default: 0
        }
    }

    static func schemeEnd(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var i = range.lowerBound
        while i < range.upperBound, i - range.lowerBound < 16 {
            let c = b[i]
            if c == UInt8(ascii: ":") {
                guard i > range.lowerBound, i + 2 < range.upperBound, b[i + 1] == UInt8(ascii: "/"),
                    b[i + 2] == UInt8(ascii: "/")
                else { return nil }
                return i
            }
            guard
                (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
                    || c == UInt8(ascii: ".") || (c >= 0x30 && c <= 0x39)
            else { return nil }
            i += 1
        }
        return nil
    }

    // MARK: Remote user and user agent

    /// Appends the remote user as configured: kept, a keyed token of the window's anonymizer (`u-` and 16 hex
    /// digits), or `-`. An empty user (`-`) stays as it is.
    func writeRemoteUser(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        anonymizer: Anonymizer?,
        into out: inout [UInt8]
    ) {
        switch settings.remoteUser {
        case _ where Self.isEmptyField(b, range), .keep:
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
        case .drop:
            out.append(UInt8(ascii: "-"))
            count(Self.remoteUserCounter)
        case .hash:
            if let anonymizer {
                anonymizer.writeUserToken(UnsafeBufferPointer(rebasing: b[range]), into: &out)
            } else {
                out.append(UInt8(ascii: "-"))
            }
            count(Self.remoteUserCounter)
        }
    }

    /// Appends the user agent as configured: kept, or its browser family, major version and OS family.
    func writeUserAgent(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        into out: inout [UInt8]
    ) {
        guard settings.userAgent == .family, !Self.isEmptyField(b, range) else {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
            return
        }
        count(Self.userAgentCounter)
        // A few hundred distinct agents make most of a log: the cache saves describing each again.
        let base = b.baseAddress!
        let hash = ScrubbedURLCache.hash(base, range.lowerBound, range.upperBound)
        if agentCache.lookup(base, range.lowerBound, range.upperBound, hash: hash, into: &out, count: { _ in }) {
            return
        }
        let family = UserAgentFamily.describe(Array(UnsafeBufferPointer(rebasing: b[range])))
        out.append(contentsOf: family)
        family.withUnsafeBufferPointer { family in
            agentCache.store(base, range.lowerBound, range.upperBound, hash: hash, output: family, counts: [])
        }
    }

    // MARK: Matching

    /// FNV-1a of a name as ``normalizedName(_:)`` would make it.
    @inline(__always)
    static func nameHash(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in range {
            var c = b[i]
            if c == UInt8(ascii: "-") { c = UInt8(ascii: "_") } else if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            hash = (hash ^ UInt64(c)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// Whether the bytes, normalized, are `normalized`.
    @inline(__always)
    static func equalsNormalized(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ normalized: [UInt8]) -> Bool {
        guard range.count == normalized.count else { return false }
        var k = 0
        for i in range {
            var c = b[i]
            if c == UInt8(ascii: "-") { c = UInt8(ascii: "_") } else if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            guard c == normalized[k] else { return false }
            k += 1
        }
        return true
    }

    /// Lower case, `-` as `_`.
    static func normalizedName(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { c in
            if c == UInt8(ascii: "-") { return UInt8(ascii: "_") }
            return c >= 0x41 && c <= 0x5A ? c | 0x20 : c
        }
    }

    /// Percent-decoded, `+` as a space.
    static func decode(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let c = b[i]
            if c == UInt8(ascii: "%"), i + 2 < range.upperBound, let high = IPAddress.hexValue(b[i + 1]),
                let low = IPAddress.hexValue(b[i + 2])
            {
                result.append(high << 4 | low)
                i += 3
                continue
            }
            result.append(c == UInt8(ascii: "+") ? 0x20 : c)
            i += 1
        }
        return result
    }

    /// Decoded until no `%XX` is left (at most three rounds: `%2540` is a doubly encoded `@`).
    static func fullyDecoded(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        var value = decode(b, range)
        for _ in 0..<2 where value.count < range.count && value.contains(UInt8(ascii: "%")) {
            let again = value.withUnsafeBufferPointer { decode($0, 0..<$0.count) }
            if again.count == value.count { break }
            value = again
        }
        return value
    }

    /// The counter of what matches a value (a detector, or a denied name inside an encoded URL), if anything.
    func detect(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard range.count >= 6 else { return nil }
        // Nothing a report needs is this long; opaque blobs are where tokens hide.
        if range.count > Self.longValue { return Detector.longValue.rawValue }
        // Cheap screen on the raw bytes: most segments and values are short words and numbers.
        var digits = 0
        var dots = 0
        var colons = 0
        var at = false
        var equals = false
        var i = range.lowerBound
        while i < range.upperBound {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                digits &+= 1
            } else if c == UInt8(ascii: ".") {
                dots &+= 1
            } else if c == UInt8(ascii: ":") {
                colons &+= 1
            } else if c == UInt8(ascii: "@") {
                at = true
            } else if c == UInt8(ascii: "=") {
                equals = true
            } else if c == UInt8(ascii: "%"), i + 2 < range.upperBound {
                // %40 is '@', %3A ':', %3D '=', %25 an encoded '%' (look again after decoding).
                let high = b[i + 1]
                let low = b[i + 2] | 0x20
                if high == UInt8(ascii: "4") && low == UInt8(ascii: "0") { at = true }
                if high == UInt8(ascii: "3") && low == UInt8(ascii: "a") { colons &+= 1 }
                if high == UInt8(ascii: "3") && low == UInt8(ascii: "d") { equals = true }
                if high == UInt8(ascii: "2") && low == UInt8(ascii: "5") { at = true }
            }
            i &+= 1
        }
        let mayBeToken = Self.startsTokenLike(b, range)
        let mayBeIBAN = range.count >= 15 && digits >= 11
        let mayHoldPairs = equals && mode == .denylist
        guard
            at || digits >= 11 || (dots >= 3 && digits >= 4) || colons >= 2 || mayBeToken || mayBeIBAN
                || mayHoldPairs
        else { return nil }
        let value = Self.fullyDecoded(b, range)
        if let detector = ValueDetectors.detect(value) { return detector.rawValue }
        return mayHoldPairs ? deniedNameInside(value) : nil
    }

    /// A value that is itself a URL or a query (`redirect=https%3A%2F%2Fapp%2Fcb%3Fcode%3D...`): the counter of
    /// the first denied name among its `name=value` pairs, so the whole value goes.
    private func deniedNameInside(_ value: [UInt8]) -> Int? {
        value.withUnsafeBufferPointer { v in
            var pairStart = 0
            for i in 0...v.count {
                let isEnd =
                    i == v.count || v[i] == UInt8(ascii: "&") || v[i] == UInt8(ascii: "?")
                    || v[i] == UInt8(ascii: ";") || v[i] == UInt8(ascii: "#")
                guard isEnd else { continue }
                if let equals = v[pairStart..<i].firstIndex(of: UInt8(ascii: "=")), equals > pairStart,
                    let counter = deny[Self.normalizedName(Array(v[pairStart..<equals]))]
                {
                    return counter
                }
                pairStart = i + 1
            }
            return nil
        }
    }

    /// `eyJ` (a JWT) or `Bearer` (any case) at the start.
    @inline(__always)
    static func startsTokenLike(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        let s = range.lowerBound
        if range.count >= 3 && b[s] == UInt8(ascii: "e") && b[s + 1] == UInt8(ascii: "y")
            && b[s + 2] == UInt8(ascii: "J")
        {
            return true
        }
        guard range.count >= 6 else { return false }
        let bearer: StaticString = "bearer"
        for k in 0..<6 where b[s + k] | 0x20 != bearer.utf8Start[k] { return false }
        return true
    }
}

@available(*, unavailable)
extension Scrubber: Sendable {}
