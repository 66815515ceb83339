/// Runs one line through parse → anonymize → render, appending the result to an output buffer.
///
/// One processor per input (it holds reusable match buffers); counters accumulate in ``counters``.
public final class LineProcessor {
    /// The format lines are parsed with.
    public let format: InputFormat
    /// A W3C log's fields as its last `#Fields:` directive gave them (`nil`: the format's own). Kept apart from
    /// ``format`` so that reading the format on the hot path copies nothing.
    private var w3cFields: LogFormat?
    /// Set after a `#Fields:` directive that could not be used: its lines are scanned as unparsable.
    var w3cRejected = false
    private let isW3C: Bool
    /// What is written.
    public let outputFormat: OutputFormat
    /// What happens to lines that do not parse.
    public let unparsablePolicy: UnparsablePolicy
    /// What this processor did so far (taken or not).
    public var counters: RunCounters {
        flushScrubCounts()
        var total = taken
        total.add(unassigned.pointee)
        for counters in tallies.values { total.add(counters.pointee) }
        return total
    }
    /// The counters lines are counted into, in raw memory so that per-line increments cost no exclusivity checks:
    /// the current window's (with ``windows``), else ``unassigned``.
    @exclusivity(unchecked) var tally: UnsafeMutablePointer<RunCounters>
    /// Lines counted before any window was known (all lines, without ``windows``).
    let unassigned: UnsafeMutablePointer<RunCounters>
    /// Counters per window not yet taken by ``takeWindowStats()``.
    private var tallies: [Int64: UnsafeMutablePointer<RunCounters>] = [:]
    /// What ``takeWindowStats()`` handed out so far.
    private var taken = RunCounters()
    /// Whether distinct clients are counted per window, in HyperLogLog sketches of hashes keyed by the window's
    /// key (``WindowAnonymizers/clientHasher(forWindowStarting:)``).
    public let countsClients: Bool
    /// The current window's client hash (`nil`: its clients are not counted).
    private var activeClientHasher: SipHash?
    /// The sketch clients are counted into, beside ``tally``.
    @exclusivity(unchecked) var sketch: UnsafeMutablePointer<HyperLogLog>?
    private let unassignedSketch: UnsafeMutablePointer<HyperLogLog>?
    /// Per window, beside ``tallies`` (the same keys).
    private var sketches: [Int64: UnsafeMutablePointer<HyperLogLog>] = [:]
    /// The bytes of the line being processed (moved with it when its window turns out to be another).
    private var lineBytes = 0
    /// The status field's variable (text formats).
    private(set) var statusVariable: Int?

    /// The anonymizer of the current line's window (or of the whole run, without windows).
    /// (Hot per-line state is exempt from dynamic exclusivity checks: a processor is used by one thread, and
    /// these are never accessed overlapping.)
    @exclusivity(unchecked) private(set) var anonymizer: Anonymizer {
        didSet { unownedAnonymizer = Unmanaged.passUnretained(anonymizer) }
    }
    /// ``anonymizer`` without reference counting on the hot path (``anonymizer`` keeps it alive).
    @exclusivity(unchecked) private var unownedAnonymizer: Unmanaged<Anonymizer>
    let fieldMatch: FieldMatch
    let jsonMatch = JSONMatch()
    /// The text format's address variables in line order, and whether each is a forwarded-for list.
    private(set) var addressVariables: [(index: Int, isList: Bool)] = []
    /// Every variable same-format output rewrites, in line order: the addresses, and with a scrubber the request,
    /// referrer, URL and query variables, remote user and user agent. Raw memory: the hot loop reads it without
    /// reference counting.
    @exclusivity(unchecked) private var rewriteList =
        UnsafeMutableBufferPointer<(index: Int, field: LogFormat.Field, through: Int)>.allocate(capacity: 0)

    private func setRewriteVariables(_ variables: [(index: Int, field: LogFormat.Field, through: Int)]) {
        rewriteList.deallocate()
        rewriteList = .allocate(capacity: variables.count)
        _ = rewriteList.initialize(from: variables)
    }

    /// The scrub stage (`nil`: off).
    public private(set) var scrubber: Scrubber? {
        didSet { unownedScrubber = scrubber.map { Unmanaged.passUnretained($0) } }
    }
    /// ``scrubber`` without reference counting on the hot path (``scrubber`` keeps it alive).
    @exclusivity(unchecked) private var unownedScrubber: Unmanaged<Scrubber>?
    var scratch: [UInt8] = []
    /// A URL field as the scrub stage left it, before the address scanner goes over it (reused).
    var urlScratch: [UInt8] = []
    /// Buffers for scanning percent-encoded text (reused).
    let percentDecoding = PercentDecoding()
    /// Field values the address scanner found nothing in (user agents, virtual hosts, unknown fields).
    let cleanText = CleanTextCache()
    /// The first client address variable of a text format: the one geo and the client sketch see.
    private var clientVariable: Int?
    var longLineDrop: DropReason?
    /// Per-window anonymizers: each line is assigned to the window of its own time (else the window of the line
    /// before it) and anonymized with that window's key. `nil` for one anonymizer over the whole run.
    public let windows: (any WindowAnonymizers)?
    /// The timestamp of the last line processed, when it parsed and had one (with ``windows`` only).
    @exclusivity(unchecked) public private(set) var lastLineTime: Int64?
    /// The window start of the last line processed (with ``windows`` only).
    @exclusivity(unchecked) public private(set) var lastWindowStart: Int64?
    /// Geo buckets from the client's full address, before it is anonymized (`nil`: geo is off).
    @exclusivity(unchecked) public var geo: GeoTagger?
    private var activeWindow: Int64?
    private var activeAnonymizer: Anonymizer?
    private var seenGeneration = -1
    private var timeCache = (text: [UInt8](), seconds: Int64(0))

    public init(
        format: InputFormat,
        anonymizer: Anonymizer,
        outputFormat: OutputFormat = .same,
        unparsablePolicy: UnparsablePolicy = .scrub,
        windows: (any WindowAnonymizers)? = nil,
        countsClients: Bool = false
    ) {
        self.format = format
        if case .text(let logFormat) = format { isW3C = logFormat.name == "w3c" } else { isW3C = false }
        self.anonymizer = anonymizer
        unownedAnonymizer = Unmanaged.passUnretained(anonymizer)
        self.windows = windows
        self.countsClients = countsClients && windows != nil
        if self.countsClients {
            unassignedSketch = .allocate(capacity: 1)
            unassignedSketch!.initialize(to: HyperLogLog(precision: HyperLogLog.clientsPrecision))
        } else {
            unassignedSketch = nil
        }
        sketch = unassignedSketch
        self.outputFormat = outputFormat
        self.unparsablePolicy = unparsablePolicy
        fieldMatch = FieldMatch()
        scratch.reserveCapacity(256)
        unassigned = .allocate(capacity: 1)
        unassigned.initialize(to: RunCounters())
        tally = unassigned
        if case .text(let logFormat) = format { configure(w3cFields ?? logFormat) }
    }

    /// Continues an input after lines an earlier processor handled: a line without a time of its own goes to
    /// `windowStart`, the window of the line before it, as it would have in one processor (with ``windows`` only).
    public func continueAfterLine(inWindow windowStart: Int64) {
        if lastWindowStart == nil { lastWindowStart = windowStart }
    }

    /// Creates a processor that anonymizes each line with the anonymizer of its window.
    public convenience init(
        format: InputFormat,
        windows: any WindowAnonymizers,
        outputFormat: OutputFormat = .same,
        unparsablePolicy: UnparsablePolicy = .scrub,
        countsClients: Bool = false
    ) {
        // Replaced before the first address is written; it keeps no bit of an address, should that ever fail.
        let placeholder = Anonymizer(method: .truncate, prefixes: TruncationPrefixes(ipv4: 0, ipv6: 0))
        self.init(
            format: format,
            anonymizer: placeholder,
            outputFormat: outputFormat,
            unparsablePolicy: unparsablePolicy,
            windows: windows,
            countsClients: countsClients
        )
    }

    deinit {
        rewriteList.deallocate()
        cleanText.deallocate()
        for counters in [unassigned] + Array(tallies.values) {
            counters.deinitialize(count: 1)
            counters.deallocate()
        }
        for sketch in Array(sketches.values) + [unassignedSketch].compactMap({ $0 }) {
            sketch.deinitialize(count: 1)
            sketch.deallocate()
        }
    }

    /// The counters and client sketches gathered since the last call, per window (`nil`: lines counted before any
    /// window was known, or every line without ``windows``), and starts afresh; windows other than the current one
    /// are let go.
    public func takeWindowStats() -> [(windowStart: Int64?, counters: RunCounters, clients: HyperLogLog?)] {
        flushScrubCounts()
        func take(
            _ counters: UnsafeMutablePointer<RunCounters>,
            _ sketch: UnsafeMutablePointer<HyperLogLog>?
        )
            -> (RunCounters, HyperLogLog?)?
        {
            let clients = sketch.flatMap { $0.pointee.isEmpty ? nil : $0.pointee }
            defer {
                counters.pointee = RunCounters()
                if clients != nil { sketch!.pointee = HyperLogLog(precision: HyperLogLog.clientsPrecision) }
            }
            return counters.pointee != RunCounters() || clients != nil ? (counters.pointee, clients) : nil
        }
        var result: [(windowStart: Int64?, counters: RunCounters, clients: HyperLogLog?)] = []
        if let (counters, clients) = take(unassigned, unassignedSketch) { result.append((nil, counters, clients)) }
        for (start, counters) in tallies.sorted(by: { $0.key < $1.key }) {
            if let (taken, clients) = take(counters, sketches[start]) { result.append((start, taken, clients)) }
            guard counters != tally else { continue }
            counters.deinitialize(count: 1)
            counters.deallocate()
            tallies[start] = nil
            if let sketch = sketches.removeValue(forKey: start) {
                sketch.deinitialize(count: 1)
                sketch.deallocate()
            }
        }
        for entry in result { taken.add(entry.counters) }
        return result
    }

    /// Counts bytes written for the line just processed (the caller knows what it appended).
    @inline(__always)
    public func countOutputBytes(_ count: Int) {
        tally.pointee.bytesOut &+= count
    }

    /// Counts into the counters of the window starting at `start`, moving the current line's read count and bytes
    /// (and its too-long mark) there.
    private func switchTally(to start: Int64, longLine: Bool) {
        let next: UnsafeMutablePointer<RunCounters>
        if let existing = tallies[start] {
            next = existing
        } else {
            next = .allocate(capacity: 1)
            next.initialize(to: RunCounters())
            tallies[start] = next
        }
        guard next != tally else { return }
        flushScrubCounts()
        geo?.switchWindow(to: start)
        if countsClients {
            if let existing = sketches[start] {
                sketch = existing
            } else {
                let made = UnsafeMutablePointer<HyperLogLog>.allocate(capacity: 1)
                made.initialize(to: HyperLogLog(precision: HyperLogLog.clientsPrecision))
                sketches[start] = made
                sketch = made
            }
        }
        tally.pointee.linesRead &-= 1
        tally.pointee.bytesIn &-= lineBytes
        next.pointee.linesRead &+= 1
        next.pointee.bytesIn &+= lineBytes
        if longLine {
            tally.pointee.tooLong &-= 1
            next.pointee.tooLong &+= 1
        }
        tally = next
    }

    /// Processes one line (`start..<end`, without its `\n`) and appends the result and a `\n`, unless the line is
    /// dropped.
    public func process(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into out: inout [UInt8]) {
        tally.pointee.linesRead &+= 1
        lineBytes = end - start + 1
        tally.pointee.bytesIn &+= lineBytes
        lastLineTime = nil
        geo?.beginLine()
        switch format {
        case .text(let logFormat):
            if isW3C {
                if start < end && b[start] == UInt8(ascii: "#") {
                    return writeW3CDirective(b, from: start, to: end, into: &out)
                }
                if w3cRejected { break }
                if let fields = w3cFields {
                    if processText(fields, b, start, end, into: &out) { return }
                    break
                }
            }
            if processText(logFormat, b, start, end, into: &out) { return }
        case .json(let jsonFormat):
            if jsonFormat.scan(b, from: start, to: end, into: jsonMatch) {
                if windows != nil {
                    lastLineTime = jsonLineTime(b)
                    guard enterWindow(of: lastLineTime) else { return drop(.expired) }
                }
                if let (range, _) = jsonMatch.known[JSONLineFormat.KnownField.status.rawValue] {
                    tally.pointee.countStatus(
                        firstDigit: range.isEmpty ? nil : b[range.lowerBound],
                        length: range.count
                    )
                } else {
                    tally.pointee.countStatus(firstDigit: nil, length: 0)
                }
                if outputFormat == .same {
                    rewriteJSON(b, start, end, into: &out)
                } else {
                    renderJSONAsJSON(b, into: &out)
                }
                tally.pointee.linesWritten &+= 1
                return
            }
        }
        if windows != nil && !enterWindow(of: nil) { return drop(.expired) }
        tally.pointee.unparsable &+= 1
        guard unparsablePolicy == .scrub else { return drop(.unparsable) }
        openScrubbedLine(into: &out)
        writeScrubbed(b, from: start, to: end, into: &out)
        closeScrubbedLine(into: &out)
    }

    /// A line of a text format; false when it does not match.
    @inline(__always)
    private func processText(
        _ logFormat: LogFormat,
        _ b: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        into out: inout [UInt8]
    ) -> Bool {
        guard logFormat.match(b, from: start, to: end, into: fieldMatch) else { return false }
        if windows != nil {
            lastLineTime = lineTime(logFormat, b)
            guard enterWindow(of: lastLineTime) else {
                drop(.expired)
                return true
            }
        }
        if let statusVariable {
            let range = fieldMatch.range(statusVariable)
            tally.pointee.countStatus(firstDigit: range.isEmpty ? nil : b[range.lowerBound], length: range.count)
        }
        if outputFormat == .same {
            rewriteText(b, start, end, into: &out)
        } else {
            renderTextAsJSON(logFormat, b, start, end, into: &out)
        }
        tally.pointee.linesWritten &+= 1
        return true
    }

    // MARK: Lines over the length limit

    /// Starts a line longer than the limit; its pieces follow through ``processLongLinePiece(_:from:to:into:)``.
    public func beginLongLine(into out: inout [UInt8]) {
        tally.pointee.linesRead &+= 1
        tally.pointee.tooLong &+= 1
        lineBytes = 1  // the newline; the pieces count their bytes
        tally.pointee.bytesIn &+= 1
        longLineDrop = nil
        if windows != nil && !enterWindow(of: nil, longLine: true) { longLineDrop = .expired }
        if longLineDrop == nil && unparsablePolicy == .drop { longLineDrop = .tooLong }
        if longLineDrop == nil { openScrubbedLine(into: &out) }
    }

    /// Scrubs one piece of a long line. The caller cuts pieces at ``FallbackScanner/safeCut(_:from:to:)``.
    public func processLongLinePiece(
        _ b: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        into out: inout [UInt8]
    ) {
        tally.pointee.bytesIn &+= end - start
        if longLineDrop == nil { writeScrubbed(b, from: start, to: end, into: &out) }
    }

    /// Ends a long line.
    public func endLongLine(into out: inout [UInt8]) {
        if let longLineDrop {
            drop(longLineDrop)
        } else {
            closeScrubbedLine(into: &out)
        }
    }

    /// Counts a line that was read but could not be held in memory at all (the daemon's hold limit).
    public func countDroppedLine(_ reason: DropReason) {
        tally.pointee.linesRead &+= 1
        if reason == .tooLong { tally.pointee.tooLong &+= 1 }
        tally.pointee.dropped[reason, default: 0] += 1
    }

    func drop(_ reason: DropReason) {
        tally.pointee.dropped[reason, default: 0] += 1
    }

    /// Selects the anonymizer of the window of a line at `time` (else of the line before, else the current
    /// window); `false` when that window is past retention.
    @inline(__always)
    func enterWindow(of time: Int64?, longLine: Bool = false) -> Bool {
        let windows = self.windows!
        let start = time.map { windows.window.start(of: $0) } ?? lastWindowStart ?? windows.currentWindowStart()
        lastWindowStart = start
        if start != activeWindow { switchTally(to: start, longLine: longLine) }
        if start != activeWindow || windows.generation != seenGeneration {
            seenGeneration = windows.generation
            activeWindow = start
            activeAnonymizer = windows.anonymizer(forWindowStarting: start)
            if let activeAnonymizer { anonymizer = activeAnonymizer }
            if countsClients { activeClientHasher = windows.clientHasher(forWindowStarting: start) }
            geo?.windowChanged()
        }
        return activeAnonymizer != nil
    }

    // MARK: Lines scrubbed by the fallback scanner

    /// A scrubbed line is written as it came, or under `--output-format json` as `{"unparsed":"…"}`.
    private func openScrubbedLine(into out: inout [UInt8]) {
        if outputFormat == .json { out.append(contentsOf: Array(#"{"unparsed":""#.utf8)) }
    }

    /// Addresses go by the fallback scanner; with the scrub stage on, every URL-looking token of the line (a path
    /// or an absolute URL standing alone) is scrubbed as a URL too.
    private func writeScrubbed(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into out: inout [UInt8]) {
        if outputFormat == .same && scrubber == nil {
            writeScanned(b, start, end, into: &out)
            return
        }
        scratch.removeAll(keepingCapacity: true)
        writeScanned(b, start, end, into: &scratch)
        if let scrubber {
            swap(&scratch, &tokenScratch)
            scratch.removeAll(keepingCapacity: true)
            tokenScratch.withUnsafeBufferPointer {
                scrubber.writeURLTokens($0, 0..<$0.count, into: &scratch)
            }
        }
        if outputFormat == .same {
            out.append(contentsOf: scratch)
            return
        }
        scratch.withUnsafeBufferPointer {
            JSONText.writeStringContents($0, 0..<$0.count, escaping: .none, into: &out)
        }
    }

    /// A second buffer for scrubbing an unparsable line's URLs.
    private var tokenScratch: [UInt8] = []

    private func closeScrubbedLine(into out: inout [UInt8]) {
        if outputFormat == .json { out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "}")]) }
        out.append(0x0A)
        tally.pointee.linesWritten &+= 1
    }

    // MARK: Address values

    /// Appends the anonymized form of a value that should hold one address.
    @inline(__always)
    func writeAddressValue(
        _ b: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        into out: inout [UInt8],
        client: Bool = false
    ) {
        if let field = AddressField.parse(b, from: start, to: end) {
            if client {
                if let geo { geo.tag(field.address) }
                if let activeClientHasher { sketch!.pointee.add(activeClientHasher.hash(field.address)) }
            }
            // What stands around the address (brackets, a port, a zone id) is scanned too: `fe80::1%81.2.69.7`.
            // (Most addresses stand alone in their field: checked here, where it costs no call.)
            if start != field.range.lowerBound { writeAround(b, start, field.range.lowerBound, into: &out) }
            let unchanged = unownedAnonymizer._withUnsafeGuaranteedRef { $0.writePseudonym(of: field, into: &out) }
            if field.range.upperBound != end { writeAround(b, field.range.upperBound, end, into: &out) }
            tally.pointee.countAddress(field.address, unchanged: unchanged)
        } else if Self.isPlaceholder(b, start, end) {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<end]))
        } else {
            anonymizer.writeNonAddress(UnsafeBufferPointer(rebasing: b[start..<end]), into: &out)
            tally.pointee.nonAddressValues &+= 1
        }
    }

    /// Appends the bytes around an address in its field, scanned unless they cannot hold one.
    @inline(never)
    private func writeAround(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into out: inout [UInt8]) {
        if keepsUnscanned(b, s, e, repeating: false) {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[s..<e]))
        } else {
            writeScanned(b, s, e, into: &out)
        }
    }

    /// Appends the anonymized form of a comma-separated list of addresses, keeping separators and blanks; with
    /// `client`, the first element is the client (for geo).
    func writeAddressList(
        _ b: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        into out: inout [UInt8],
        client: Bool = false
    ) {
        var elementStart = start
        while elementStart <= end {
            var elementEnd = elementStart
            while elementEnd < end && b[elementEnd] != UInt8(ascii: ",") { elementEnd &+= 1 }
            var s = elementStart
            var e = elementEnd
            while s < e && b[s] == 0x20 { s &+= 1 }
            while e > s && b[e - 1] == 0x20 { e &-= 1 }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[elementStart..<s]))
            if s < e { writeAddressValue(b, s, e, into: &out, client: client && elementStart == start) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[e..<elementEnd]))
            if elementEnd < end { out.append(UInt8(ascii: ",")) }
            elementStart = elementEnd &+ 1
        }
    }

    /// The last `}` of a JSON line, when only blanks follow it.
    static func lastClosingBrace(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        var i = end
        while i > from {
            i -= 1
            switch b[i] {
            case UInt8(ascii: "}"): return i
            case 0x20, 0x09, 0x0D: continue
            default: return nil
            }
        }
        return nil
    }

    /// `-`, `unknown` and the empty value carry no address and are kept.
    static func isPlaceholder(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        switch end - start {
        case 0: return true
        case 1: return b[start] == UInt8(ascii: "-")
        case 7: return JSONLineFormat.equals(b, start..<end, Array("unknown".utf8))
        default: return false
        }
    }

    // MARK: Same-format output

    /// Turns the scrub stage on (its fields join the rewritten ones) or off.
    public func setScrubber(_ scrubber: Scrubber?) {
        flushScrubCounts()
        self.scrubber = scrubber
        if case .text(let logFormat) = format { configure(w3cFields ?? logFormat) }
    }

    /// Sets up everything a text format's lines need: the match buffers, the variables to rewrite (with the scrub
    /// stage's), the client, the status. A W3C log's `#Fields:` directive sets up another format mid-file.
    func configure(_ logFormat: LogFormat) {
        if isW3C { w3cFields = logFormat }
        addressVariables = logFormat.variables.indices.compactMap { k in
            switch logFormat.variables[k].field {
            case .clientAddress: (k, false)
            case .forwardedFor: (k, true)
            default: nil
            }
        }
        statusVariable = logFormat.variables.firstIndex { $0.field == .status }
        clientVariable = logFormat.variables.firstIndex { $0.field == .clientAddress }
        setRewriteVariables(Self.rewriteVariables(logFormat, scrubber: scrubber))
        let request = logFormat.variables.firstIndex { $0.field == .request }
        let referrer = logFormat.variables.firstIndex { $0.field == .referrer }
        requestAndReferrer = scrubber != nil ? request.flatMap { request in referrer.map { (request, $0) } } : nil
    }

    /// Moves what the scrub stage counted into the current window's counters (it counts by id, in raw memory).
    private func flushScrubCounts() {
        unownedScrubber?._withUnsafeGuaranteedRef { $0.flushCounts(into: &tally.pointee) }
    }

    /// The edits of one JSON line (reused).
    @exclusivity(unchecked) private var jsonEdits: [(range: Range<Int>, field: LogFormat.Field)] = []

    /// The request's and the referrer's variables, screened together (with a scrubber, when the format has both).
    private var requestAndReferrer: (request: Int, referrer: Int)?

    func rewriteText(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [UInt8]) {
        var cursor = start
        // The scrub stage screens the request and the referrer in one call; a kept field is copied later with the
        // bytes around it (fewer, longer copies).
        var verdicts: (request: Scrubber.URLVerdict, referrer: Scrubber.URLVerdict)?
        if let pair = requestAndReferrer, let scrubber = unownedScrubber {
            let request = fieldMatch.range(pair.request)
            let referrer = fieldMatch.range(pair.referrer)
            verdicts = scrubber._withUnsafeGuaranteedRef { $0.verdicts(b, request: request, referrer: referrer) }
        }
        for (variable, field, through) in rewriteList {
            let s = fieldMatch.start(variable)
            let e = fieldMatch.end(through)
            switch field {
            case .clientAddress, .forwardedFor:
                Self.copy(b, cursor, s, into: &out)
                if field == .clientAddress {
                    writeAddressValue(b, s, e, into: &out, client: variable == clientVariable)
                } else {
                    writeAddressList(b, s, e, into: &out)
                }
            case .forwardedHeader:
                Self.copy(b, cursor, s, into: &out)
                writeForwardedHeader(b, s, e, into: &out)
            case .request, .referrer, .url, .query:
                var verdict = Scrubber.URLVerdict.unchanged
                if let scrubber = unownedScrubber {
                    verdict =
                        switch field {
                        case .request where verdicts != nil: verdicts!.request
                        case .referrer where verdicts != nil: verdicts!.referrer
                        default: scrubber._withUnsafeGuaranteedRef { $0.keeps(field, b, s..<e) } ? .unchanged : .changes
                        }
                }
                if verdict == .plain { continue }
                let wrote = rewriteURL(field, verdict, screened: verdicts != nil, b, s, e, cursor: cursor, into: &out)
                if !wrote { continue }
            case .remoteUser, .userAgent:
                // Replaced whole by the scrub stage (see `treatment(of:scrubber:)`).
                if unownedScrubber!._withUnsafeGuaranteedRef({ $0.keeps(field, b, s..<e) }) { continue }
                Self.copy(b, cursor, s, into: &out)
                scrub(field, b, s..<e, into: &out)
            default:
                scanInPlace(b, s, e, cursor: &cursor, into: &out)
                continue
            }
            cursor = e
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<end]))
        if let geo, geo.appendsField { geo.writeField(into: &out) }
        out.append(0x0A)
    }

    /// Writes a URL field the scrub stage did not find plain, with what stands between `cursor` and it: as the
    /// stage leaves it, scanned for addresses unless known to hold none. Returns whether it wrote (`false`: the
    /// field is copied later with the bytes around it). Kept out of ``rewriteText(_:_:_:into:)``, so that the common
    /// fields' code is inlined there.
    @inline(never)
    private func rewriteURL(
        _ field: LogFormat.Field,
        _ verdict: Scrubber.URLVerdict,
        screened: Bool,
        _ b: UnsafeBufferPointer<UInt8>,
        _ s: Int,
        _ e: Int,
        cursor: Int,
        into out: inout [UInt8]
    ) -> Bool {
        let scrubbed = verdict == .changes || verdict == .changesNoAddress
        let suspect = verdict != .changesNoAddress && !keepsUnscanned(b, s, e, repeating: false)
        var holdsNoAddress = !suspect
        if scrubbed || suspect {
            Self.copy(b, cursor, s, into: &out)
            if suspect {
                holdsNoAddress = writeScannedURL(field, scrubbed: scrubbed, b, s..<e, into: &out) == 0
            } else {
                scrub(field, b, s..<e, holdsNoAddress: true, into: &out)
            }
        }
        if holdsNoAddress && verdict != .changesNoAddress && screened && (field == .request || field == .referrer) {
            // The scrub stage's cache remembers it: the next verdict on this URL needs no screen or scan.
            unownedScrubber!._withUnsafeGuaranteedRef { $0.markAddressFree(probe: field == .request ? 0 : 1) }
        }
        return scrubbed || suspect
    }

    /// Appends a field as the scrub stage leaves it (as it is when the stage is off).
    /// With `holdsNoAddress` (the address screen found none in the field), the stage's URL cache remembers it.
    @inline(__always)
    func scrub(
        _ field: LogFormat.Field,
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        holdsNoAddress: Bool = false,
        into out: inout [UInt8]
    ) {
        guard let scrubber = unownedScrubber else {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
            return
        }
        scrubber._withUnsafeGuaranteedRef { scrubber in
            if field == .remoteUser {
                scrubber.write(field, b, range, anonymizer: anonymizer, into: &out)
            } else {
                scrubber.write(field, b, range, anonymizer: nil, holdsNoAddress: holdsNoAddress, into: &out)
            }
        }
    }

    func rewriteJSON(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [UInt8]) {
        var cursor = start
        var clientSeen = false
        // Address values, forwarded headers, with a scrubber the string values of URL, user and agent fields, and
        // every other string or key that may hold an address, in line order.
        jsonEdits.removeAll(keepingCapacity: true)
        for (range, forwarded) in zip(jsonMatch.addressValues, jsonMatch.addressIsForwarded) {
            jsonEdits.append((range, forwarded ? .forwardedFor : .clientAddress))
        }
        for range in jsonMatch.forwardedHeaders { jsonEdits.append((range, .forwardedHeader)) }
        if scrubber != nil {
            for (known, field) in Self.jsonScrubbedFields {
                if let (range, isString) = jsonMatch.known[known.rawValue], isString {
                    jsonEdits.append((range, field))
                }
            }
        }
        for range in jsonMatch.suspects { jsonEdits.append((range, .opaque)) }
        // A scrubbed field that is also a suspect is scanned with its scrubbing (the first edit of a range wins).
        jsonEdits.sort { $0.range.lowerBound < $1.range.lowerBound || ($0.range == $1.range && $0.field != .opaque) }
        for (range, field) in jsonEdits where range.lowerBound >= cursor {
            switch field {
            case .clientAddress, .forwardedFor:
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<range.lowerBound]))
                let client = field == .clientAddress && !clientSeen
                clientSeen = clientSeen || client
                writeAddressList(b, range.lowerBound, range.upperBound, into: &out, client: client)
            case .forwardedHeader:
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<range.lowerBound]))
                withUnescapedJSON(b, range) { value, valueRange, escaping in
                    var written: [UInt8] = []
                    writeForwardedHeader(value, valueRange.lowerBound, valueRange.upperBound, into: &written)
                    written.withUnsafeBufferPointer {
                        JSONText.writeStringContents($0, 0..<$0.count, escaping: escaping, into: &out)
                    }
                }
            default:
                var changed = false
                var scrubbed: [UInt8] = []
                withScrubbedJSON(field, b, range) { value, valueRange, escaping in
                    guard value.baseAddress != b.baseAddress || valueRange != range else { return }
                    changed = true
                    JSONText.writeStringContents(value, valueRange, escaping: escaping, into: &scrubbed)
                }
                guard changed else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<range.lowerBound]))
                out.append(contentsOf: scrubbed)
            }
            cursor = range.upperBound
        }
        if let geo, geo.appendsField, let close = Self.lastClosingBrace(b, cursor, end) {
            // The object gets a "geo" member before its closing brace.
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<close]))
            out.append(contentsOf: Array(#","geo":"#.utf8))
            geo.writeJSON(into: &out)
            cursor = close
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<end]))
        out.append(0x0A)
    }

    /// JSON keys the scrub stage rewrites, as the text format's fields they stand for.
    static let jsonScrubbedFields: [(JSONLineFormat.KnownField, LogFormat.Field)] = [
        (.request, .request), (.path, .url), (.query, .query), (.referrer, .referrer), (.remoteUser, .remoteUser),
        (.userAgent, .userAgent),
    ]
}

@available(*, unavailable)
extension LineProcessor: Sendable {}

extension LineProcessor {
    /// The epoch seconds of a parsed text line's `$time_local` or `$time_iso8601` (or a W3C log's `date` and
    /// `time`); the last text is cached, since neighbouring lines share their second.
    func lineTime(_ logFormat: LogFormat, _ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        for (k, field) in logFormat.fields.enumerated() where field == .timeLocal || field == .timeISO8601 {
            let range = fieldMatch.range(k)
            return cachedTime(b, range) {
                field == .timeLocal
                    ? LogTimestamp.parseLocal(b, from: range.lowerBound, to: range.upperBound)
                    : LogTimestamp.parseISO8601(b, from: range.lowerBound, to: range.upperBound)
            }
        }
        return w3cTime(logFormat, b)?.epochSeconds
    }

    /// A W3C line's time from its `date` and `time` fields.
    func w3cTime(_ logFormat: LogFormat, _ b: UnsafeBufferPointer<UInt8>) -> LogTimestamp? {
        guard let date = logFormat.fields.firstIndex(of: .date), let clock = logFormat.fields.firstIndex(of: .clock)
        else { return nil }
        return LogTimestamp.parseW3C(b, date: fieldMatch.range(date), time: fieldMatch.range(clock))
    }

    /// The epoch seconds of a JSON line's `time_local`, `time_iso8601`/`time`/`timestamp` or `ts`.
    func jsonLineTime(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let (range, _) = jsonMatch.known[JSONLineFormat.KnownField.timeLocal.rawValue] {
            return cachedTime(b, range) { LogTimestamp.parseLocal(b, from: range.lowerBound, to: range.upperBound) }
        }
        if let (range, _) = jsonMatch.known[JSONLineFormat.KnownField.timeISO8601.rawValue] {
            return cachedTime(b, range) {
                LogTimestamp.parseISO8601(b, from: range.lowerBound, to: range.upperBound)
            }
        }
        if let (range, isString) = jsonMatch.known[JSONLineFormat.KnownField.epochSeconds.rawValue], !isString {
            return LogTimestamp.parseEpochSeconds(b, range)?.epochSeconds
        }
        return nil
    }

    private func cachedTime(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        parse: () -> LogTimestamp?
    ) -> Int64? {
        let text = UnsafeBufferPointer(rebasing: b[range])
        if text.elementsEqual(timeCache.text) { return timeCache.seconds }
        guard let time = parse() else { return nil }
        timeCache = (Array(text), time.epochSeconds)
        return time.epochSeconds
    }
}
