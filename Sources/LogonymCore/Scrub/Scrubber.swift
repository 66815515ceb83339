import Synchronization

/// The scrub stage: removes personal data from request URIs and referrers (parameter names on a deny or allow list,
/// ``NameRules``, and ``ValueDetectors`` for what values and path segments hold), and rewrites the remote user and
/// the user agent as configured. URL walking is in `Scrubber+Walk.swift`, the remote user and the agent in
/// `Scrubber+Fields.swift`.
///
/// Values are percent-decoded (and `+` read as a space) for matching only; what is written is the original bytes
/// with whole values replaced by the marker, so the line still parses as before. A detector matches whole tokens:
/// `/download/1.2.3.4.tar.gz` is not an address.
public final class Scrubber {
    public let settings: ScrubSettings
    let mode: ScrubSettings.Mode
    let marker: [UInt8]
    /// The deny list (with its token-only names and exceptions), or the allow list.
    let names: NameRules
    /// The counter keys (``RunCounters/scrubbed``) by id: the detectors (by ``Detector`` raw value), then
    /// `param:(not allowed)`, `field:remote_user`, `field:user_agent`, then `param:NAME` for each denied name or
    /// pattern.
    let counterNames: [String]
    static let notAllowedCounter = Detector.allCases.count
    static let remoteUserCounter = Detector.allCases.count + 1
    static let userAgentCounter = Detector.allCases.count + 2
    /// Values and path segments longer than this are replaced whole.
    static let longValue = 1024
    /// The ranges of the URL being scrubbed that get the marker, and the counters they add to (reused).
    @exclusivity(unchecked) var replacements: [Range<Int>] = []
    @exclusivity(unchecked) var pending: [Int] = []
    /// Decoders for values, one per nesting depth (a value inside a decoded value is decoded again).
    let decoders = (0...Scrubber.nestingLimit).map { _ in PercentDecoding() }
    let urlCache = ScrubbedURLCache(slotsPowerOfTwo: 13, slotSize: 256)
    let agentCache = ScrubbedURLCache(slotsPowerOfTwo: 10, slotSize: 512)
    /// What was scrubbed since the last ``flushCounts(into:)``, by counter id (raw memory: one add per value).
    @exclusivity(unchecked) private var counts: UnsafeMutableBufferPointer<Int>
    @exclusivity(unchecked) private var hasCounts = false

    public init(settings: ScrubSettings) {
        self.settings = settings
        mode = settings.mode
        marker = Array(settings.marker.utf8)
        let shared = ScrubNames.shared(for: settings)
        self.names = NameRules(shared.tables)
        counterNames = shared.counterNames
        counts = .allocate(capacity: counterNames.count)
        counts.initialize(repeating: 0)
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
    func keepsURL(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, probe index: Int = 0) -> Bool {
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
        // Too long for the cache: taken apart every time.
        guard urlCache.fits(range.count) else { return .changes }
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
        // Too long for the cache: taken apart every time.
        guard urlCache.fits(range.count) else { return takeApart(b, range, into: &out) }
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
        let outputStart = out.count
        takeApart(b, range, into: &out)
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

    /// Appends a URL with what ``collectURL(_:_:depth:)`` finds in it replaced (``pending`` holds its counters).
    private func takeApart(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [UInt8]) {
        replacements.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
        collectURL(b, range)
        writeReplaced(b, range, into: &out)
    }

    @inline(__always)
    func count(_ id: Int) {
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
}

@available(*, unavailable)
extension Scrubber: Sendable {}

/// The name tables and counter names a scrubber builds from its settings' name lists, built once and shared by every
/// scrubber of the same settings (a scrubber per window, per input or per benchmark run then allocates nothing for
/// its ~300 patterns).
struct ScrubNames: Sendable {
    let tables: NameRules.Tables
    /// The counter keys (``RunCounters/scrubbed``) by id: the detectors (by ``Detector`` raw value), then
    /// `param:(not allowed)`, `field:remote_user`, `field:user_agent`, then `param:NAME` for each denied name or
    /// pattern.
    let counterNames: [String]

    /// What the names depend on.
    private struct Key: Equatable, Sendable {
        var mode: ScrubSettings.Mode
        var deny: [String]
        var token: [String]
        var keep: [String]
        var allow: [String]
    }

    private static let last = Mutex<(key: Key, names: ScrubNames)?>(nil)

    static func shared(for settings: ScrubSettings) -> ScrubNames {
        let key = Key(
            mode: settings.mode,
            deny: settings.denyNames,
            token: settings.tokenNames,
            keep: settings.keepNames,
            allow: settings.allowNames
        )
        if let known = last.withLock({ $0?.key == key ? $0?.names : nil }) { return known }
        let names = ScrubNames(settings)
        last.withLock { $0 = (key, names) }
        return names
    }

    private init(_ settings: ScrubSettings) {
        var counterList = Detector.allCases.map { "detector:" + $0.name }
        counterList += ["param:(not allowed)", "field:remote_user", "field:user_agent"]
        switch settings.mode {
        case .denylist:
            var rules: [(String, NameRules.Verdict)] = []
            var counters: [String: Int] = [:]
            func counter(_ pattern: String) -> Int {
                let name = "param:" + NameRules.displayName(pattern)
                if let known = counters[name] { return known }
                counters[name] = counterList.count
                counterList.append(name)
                return counterList.count - 1
            }
            for pattern in settings.denyNames { rules.append((pattern, .always(counter(pattern)))) }
            for pattern in settings.tokenNames { rules.append((pattern, .ifTokenShaped(counter(pattern)))) }
            tables = NameRules.Tables(rules, keep: settings.keepNames)
        case .allowlist:
            tables = NameRules.Tables(settings.allowNames.map { ($0, .always(0)) }, keep: [])
        }
        counterNames = counterList
    }
}
