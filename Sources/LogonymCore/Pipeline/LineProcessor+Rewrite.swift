extension LineProcessor {
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
    func flushScrubCounts() {
        unownedScrubber?._withUnsafeGuaranteedRef { $0.flushCounts(into: &tally.pointee) }
    }

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
