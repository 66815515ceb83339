/// Runs one line through parse → anonymize → render, appending the result to an output buffer.
///
/// One processor per input (it holds reusable match buffers); counters accumulate in ``counters``.
public final class LineProcessor {
    /// The format lines are parsed with.
    public let format: InputFormat
    /// A W3C log's fields as its last `#Fields:` directive gave them (`nil`: the format's own). Kept apart from
    /// ``format`` so that reading the format on the hot path copies nothing.
    var w3cFields: LogFormat?
    /// Set after a `#Fields:` directive that could not be used: its lines are scanned as unparsable.
    var w3cRejected = false
    let isW3C: Bool
    /// What is written.
    public let outputFormat: OutputFormat
    /// What happens to lines that do not parse.
    public let unparsablePolicy: UnparsablePolicy
    /// What this processor did so far (taken or not).
    public var counters: RunCounters {
        flushScrubCounts()
        return tallies.total
    }
    /// The counters and client sketches per window, in raw memory so that per-line increments cost no exclusivity
    /// checks.
    @exclusivity(unchecked) var tallies: WindowTallies
    /// The counters lines are counted into: the current window's (with ``windows``), else those of the lines before
    /// any window was known.
    var tally: UnsafeMutablePointer<RunCounters> {
        @inline(__always) get { tallies.current }
    }
    /// Whether distinct clients are counted per window, in HyperLogLog sketches of hashes keyed by the window's
    /// key (``WindowAnonymizers/clientHasher(forWindowStarting:)``).
    public let countsClients: Bool
    /// The bytes of the line being processed (moved with it when its window turns out to be another).
    private var lineBytes = 0
    /// The status field's variable (text formats).
    var statusVariable: Int?

    /// The anonymizer of the current line's window (or of the whole run, without windows).
    /// (Hot per-line state is exempt from dynamic exclusivity checks: a processor is used by one thread, and
    /// these are never accessed overlapping.)
    @exclusivity(unchecked) private(set) var anonymizer: Anonymizer {
        didSet {
            unownedAnonymizer = Unmanaged.passUnretained(anonymizer)
            pseudonymTexts.invalidate()
        }
    }
    /// ``anonymizer`` without reference counting on the hot path (``anonymizer`` keeps it alive).
    @exclusivity(unchecked) var unownedAnonymizer: Unmanaged<Anonymizer>
    let fieldMatch: FieldMatch
    let jsonMatch = JSONMatch()
    /// The text format's address variables in line order, and whether each is a forwarded-for list.
    var addressVariables: [(index: Int, isList: Bool)] = []
    /// Every variable same-format output rewrites, in line order: the addresses, and with a scrubber the request,
    /// referrer, URL and query variables, remote user and user agent. Raw memory: the hot loop reads it without
    /// reference counting.
    @exclusivity(unchecked) var rewriteList =
        UnsafeMutableBufferPointer<(index: Int, field: LogFormat.Field, through: Int)>.allocate(capacity: 0)

    func setRewriteVariables(_ variables: [(index: Int, field: LogFormat.Field, through: Int)]) {
        rewriteList.deallocate()
        rewriteList = .allocate(capacity: variables.count)
        _ = rewriteList.initialize(from: variables)
    }

    /// The scrub stage (`nil`: off).
    public internal(set) var scrubber: Scrubber? {
        didSet { unownedScrubber = scrubber.map { Unmanaged.passUnretained($0) } }
    }
    /// ``scrubber`` without reference counting on the hot path (``scrubber`` keeps it alive).
    @exclusivity(unchecked) var unownedScrubber: Unmanaged<Scrubber>?
    var scratch: [UInt8] = []
    /// A URL field as the scrub stage left it, before the address scanner goes over it (reused).
    var urlScratch: [UInt8] = []
    /// Buffers for scanning percent-encoded text (reused).
    let percentDecoding = PercentDecoding()
    /// Field values the address scanner found nothing in (user agents, virtual hosts, unknown fields).
    let cleanText = CleanTextCache()
    /// The pseudonym texts of the addresses seen last, under ``anonymizer``.
    let pseudonymTexts = PseudonymTextCache()
    /// The first client address variable of a text format: the one geo and the client sketch see.
    var clientVariable: Int?
    var longLineDrop: DropReason?
    /// Where the last piece of the long line in progress cut a URL, if it did (the next piece goes on it).
    var longLineCut: Scrubber.URLCut?
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
    /// Objections in force (`logonym object`): `nil` when there are none, so that a line costs nothing for them.
    @exclusivity(unchecked) public var objections: ObjectionFilter? {
        didSet { objectionVerdicts.removeAll() }
    }
    /// What ``objections`` said of the addresses seen (bounded; emptied when the objections change).
    var objectionVerdicts: [IPAddress: Bool] = [:]
    /// The last time text parsed for a window, and its time (``cachedTime(_:_:parse:)``).
    var timeCache = (text: [UInt8](), time: LogTimestamp(epochSeconds: 0, offsetMinutes: 0))

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
        tallies = WindowTallies(countsClients: self.countsClients)
        self.outputFormat = outputFormat
        self.unparsablePolicy = unparsablePolicy
        fieldMatch = FieldMatch()
        scratch.reserveCapacity(256)
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
        pseudonymTexts.deallocate()
        tallies.deallocate()
    }

    /// The counters and client sketches gathered since the last call, per window (`nil`: lines counted before any
    /// window was known, or every line without ``windows``), and starts afresh; windows other than the current one
    /// are let go.
    public func takeWindowStats() -> [(windowStart: Int64?, counters: RunCounters, clients: HyperLogLog?)] {
        flushScrubCounts()
        return tallies.take()
    }

    /// Whether a line's output depends on the lines before it: with per-window keys (a line without a time goes to
    /// the window of the line before it) and in W3C logs (a `#Fields:` directive changes how the lines after it
    /// parse). Then one thread processes an input's lines.
    public var dependsOnEarlierLines: Bool { windows != nil || isW3C }

    /// Adds what `replica` counted (lines of the same input processed on another thread, without windows): its
    /// counters into this processor's, its geo counts into this processor's tagger.
    public func absorb(_ replica: LineProcessor) {
        precondition(windows == nil && replica.windows == nil, "per-window counters are not merged")
        tally.pointee.add(replica.counters)
        if let geo, let other = replica.geo { geo.absorb(other) }
    }

    /// Counts bytes written for the line just processed (the caller knows what it appended).
    @inline(__always)
    public func countOutputBytes(_ count: Int) {
        tally.pointee.bytesOut &+= count
    }

    /// Counts into the counters of the window starting at `start`, moving the current line's read count and bytes
    /// (and its too-long mark) there.
    private func switchTally(to start: Int64, longLine: Bool) {
        let next = tallies.counters(forWindowStarting: start)
        guard next != tally else { return }
        flushScrubCounts()
        geo?.switchWindow(to: start)
        tallies.moveLine(to: next, windowStart: start, lineBytes: lineBytes, longLine: longLine)
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
                    lastLineTime = jsonTime(b, forWindow: true)?.epochSeconds
                    guard enterWindow(of: lastLineTime) else { return drop(.expired) }
                }
                if let objections, holdsObjected(b, start, end, objections) { return drop(.objected) }
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
        if let objections, holdsObjected(b, start, end, objections) { return drop(.objected) }
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
        if let objections, textLineIsObjected(b, objections) {
            drop(.objected)
            return true
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
        longLineCut = nil
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
        if longLineDrop == nil { writeScrubbed(b, from: start, to: end, piece: true, into: &out) }
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
            if countsClients { tallies.clientHasher = windows.clientHasher(forWindowStarting: start) }
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
    /// or an absolute URL standing alone) is scrubbed as a URL too. With `piece`, the text is the next piece of an
    /// overlong line, which may go on a URL the piece before it ended in.
    private func writeScrubbed(
        _ b: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        piece: Bool = false,
        into out: inout [UInt8]
    ) {
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
                if piece {
                    longLineCut = scrubber.writePieceTokens($0, 0..<$0.count, after: longLineCut, into: &scratch)
                } else {
                    scrubber.writeURLTokens($0, 0..<$0.count, into: &scratch)
                }
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

    /// The edits of one JSON line (reused).
    @exclusivity(unchecked) var jsonEdits: [(range: Range<Int>, field: LogFormat.Field)] = []

    /// The request's and the referrer's variables, screened together (with a scrubber, when the format has both).
    var requestAndReferrer: (request: Int, referrer: Int)?

    /// A second buffer for scrubbing an unparsable line's URLs.
    private var tokenScratch: [UInt8] = []

    private func closeScrubbedLine(into out: inout [UInt8]) {
        if outputFormat == .json { out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "}")]) }
        out.append(0x0A)
        tally.pointee.linesWritten &+= 1
    }
}

@available(*, unavailable)
extension LineProcessor: Sendable {}
