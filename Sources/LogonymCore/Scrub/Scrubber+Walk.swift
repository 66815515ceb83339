extension Scrubber {
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
        _ = writeTokens(b, range, piece: false, after: nil, into: &out)
    }

    /// Where the piece before cut a URL, for the pieces of an overlong line (``writePieceTokens(_:_:after:into:)``).
    ///
    /// What a cut splits is never judged in halves: a path segment or a value cut in two goes whole (its two
    /// halves are the marker and nothing), since neither half can be walked as what it is (a nested URL, JSON,
    /// base64, an e-mail address cut in two). Such cuts need a segment or value longer than half the line limit
    /// (32 KiB by default; the scrub stage replaces values over 1 KiB anyway), as the framer cuts after `&`, `=`,
    /// `?`, `;` and blanks where it can.
    public enum URLCut: Equatable, Sendable {
        /// In the path, at the start of a segment (no `?` yet).
        case path
        /// In the path, inside a segment: its rest goes.
        case pathSegment
        /// At the start of a pair (just after `?`, `&`, `;` or `#`).
        case pairStart
        /// In a pair's name (no `=` yet): the name is not known whole, so the value after it goes.
        case name
        /// Just after a pair's `=`, or inside its value. `denied`: the value goes (counted under `counter`);
        /// `replaced`: the piece before ended on its marker, which stands for the rest.
        case value(denied: Bool, counter: Int, replaced: Bool)
    }

    /// Appends one piece of an overlong line's text as ``writeURLTokens(_:_:into:)`` does; with `cut`, the piece
    /// goes on a URL the piece before it ended in, and its first token is scrubbed as the rest of that URL (see
    /// ``URLCut``).
    /// - Returns: where the piece leaves a URL cut at its end, if it does.
    public func writePieceTokens(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        after cut: URLCut?,
        into out: inout [UInt8]
    ) -> URLCut? {
        writeTokens(b, range, piece: true, after: cut, into: &out)
    }

    private func writeTokens(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        piece: Bool,
        after cut: URLCut?,
        into out: inout [UInt8]
    ) -> URLCut? {
        var cursor = range.lowerBound
        var i = range.lowerBound
        var endsIn: URLCut?
        if let cut {
            var end = i
            while end < range.upperBound && !Self.endsURLToken(b[end]) { end += 1 }
            replacements.removeAll(keepingCapacity: true)
            pending.removeAll(keepingCapacity: true)
            var rest = i
            if case .value(true, _, true) = cut {
                // The marker written stands for the rest of the value: nothing of it is written.
                rest = min(PlainURLScreen.nextPairEnd(b.baseAddress!, i, end), end)
                cursor = rest
            }
            collectContinuation(b, rest..<end, after: cut)
            if end == range.upperBound { endsIn = sealCut(b, i..<end, after: cut) }
            writeReplaced(b, cursor..<end, into: &out)
            cursor = end
            i = end
        }
        while i < range.upperBound {
            let startsToken =
                i == range.lowerBound || b[i - 1] == 0x20 || b[i - 1] == UInt8(ascii: "\"")
                || b[i - 1] == UInt8(ascii: "'") || b[i - 1] == UInt8(ascii: "(") || b[i - 1] == UInt8(ascii: "[")
            guard startsToken, b[i] == UInt8(ascii: "/") || Self.schemeEnd(b, i..<range.upperBound) != nil else {
                i += 1
                continue
            }
            var end = i
            while end < range.upperBound && !Self.endsURLToken(b[end]) { end += 1 }
            if piece && end == range.upperBound {
                // A piece's last URL is taken apart (not from the cache), so that where it was cut is known.
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<i]))
                replacements.removeAll(keepingCapacity: true)
                pending.removeAll(keepingCapacity: true)
                collectURL(b, i..<end)
                endsIn = sealCut(b, i..<end, after: nil)
                writeReplaced(b, i..<end, into: &out)
                cursor = end
            } else if !keepsURL(b, i..<end) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<i]))
                writeURL(b, i..<end, into: &out)
                cursor = end
            }
            i = end
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<range.upperBound]))
        return endsIn
    }

    /// A blank or a quote: where a URL token in free text ends.
    @inline(__always)
    static func endsURLToken(_ c: UInt8) -> Bool {
        c == 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'")
    }

    /// The rest of a URL the piece before cut (`range`: the piece's first token, after the rest of a value whose
    /// marker stands for it), into ``replacements``.
    private func collectContinuation(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, after cut: URLCut) {
        guard !range.isEmpty else { return }
        let base = b.baseAddress!
        switch cut {
        case .path, .pathSegment:
            var segmentEnd = range.lowerBound
            while segmentEnd < range.upperBound, !Self.endsPathSegment(b[segmentEnd]) { segmentEnd += 1 }
            let segment = range.lowerBound..<segmentEnd
            if cut == .pathSegment {
                // The rest of a segment cut in two (its first half went): it goes too.
                if !segment.isEmpty { replace(segment, counter: Detector.longValue.rawValue) }
            } else if ValueDetectors.isTokenShaped(UnsafeBufferPointer(rebasing: b[segment])) {
                // The segment cut lost the segments before it (`/reset/<token>`): one that looks like a token goes.
                replace(segment, counter: Detector.linkToken.rawValue)
            } else {
                collectValue(b, segment, depth: 0, place: .none)
            }
            if segmentEnd < range.upperBound { collectURL(b, segmentEnd..<range.upperBound) }
        case .pairStart:
            collectPairs(b, range, depth: 0)
        case .value(true, _, true):
            // The value's rest was left out; `range` starts at the separator after it.
            if range.count > 1 { collectPairs(b, (range.lowerBound + 1)..<range.upperBound, depth: 0) }
        case .name, .value:
            let firstEnd = PlainURLScreen.nextPairEnd(base, range.lowerBound, range.upperBound)
            let first = range.lowerBound..<firstEnd
            switch cut {
            case .name:
                // The rest of a name never seen whole: its value goes.
                if let equals = first.first(where: { b[$0] == UInt8(ascii: "=") }), equals + 1 < firstEnd {
                    replace((equals + 1)..<firstEnd, counter: Detector.longValue.rawValue)
                }
            case .value(true, let counter, _):
                replace(first, counter: counter)
            default:
                collectValue(b, first, depth: 0, place: .none)
            }
            if firstEnd < range.upperBound { collectPairs(b, (firstEnd + 1)..<range.upperBound, depth: 0) }
        }
    }

    /// Where a URL token cut at the piece's end leaves the next piece, after marking what the cut splits: the
    /// part of a path segment or value before the cut goes (``URLCut``). `token` is a URL from its start (`cut`
    /// nil) or the rest of one; called after it was collected, before it is written.
    private func sealCut(_ b: UnsafeBufferPointer<UInt8>, _ token: Range<Int>, after cut: URLCut?) -> URLCut {
        let end = token.upperBound
        let inQuery: Bool
        switch cut {
        case nil, .path, .pathSegment: inQuery = false
        default: inQuery = true
        }
        var queryStart = token.lowerBound
        if !inQuery {
            let mark = PlainURLScreen.pathEnd(b.baseAddress!, token.lowerBound, end)
            guard mark < end else {
                // Still in the path: the segment in progress, if any, goes.
                var segmentStart = end
                while segmentStart > token.lowerBound, !Self.endsPathSegment(b[segmentStart - 1]) { segmentStart -= 1 }
                guard segmentStart < end else { return .path }
                seal(segmentStart..<end, counter: Detector.longValue.rawValue)
                return .pathSegment
            }
            queryStart = mark + 1
        }
        var pairStart = end
        while pairStart > queryStart, b[pairStart - 1] != UInt8(ascii: "&"), b[pairStart - 1] != UInt8(ascii: ";"),
            b[pairStart - 1] != UInt8(ascii: "#")
        {
            pairStart -= 1
        }
        if pairStart == end { return .pairStart }
        let equals = (pairStart..<end).first { b[$0] == UInt8(ascii: "=") }
        // The pair the piece before cut, going on with no pair of this piece's own.
        let continued = inQuery && pairStart == token.lowerBound ? cut : nil
        let valueStart: Int
        var denied: (Bool, Int)
        switch continued {
        case .value(let wasDenied, let counter, let replaced)?:
            // Its marker was written: this piece's part of it was left out, and the rest will be.
            if replaced { return .value(denied: true, counter: counter, replaced: true) }
            valueStart = token.lowerBound
            denied = (wasDenied, counter)
        case .name?:
            guard let equals else { return .name }
            valueStart = equals + 1
            denied = (true, Detector.longValue.rawValue)
        default:
            guard let equals else { return .name }
            valueStart = equals + 1
            switch (mode, names.verdict(b, pairStart..<equals)) {
            case (.denylist, .always(let counter)), (.denylist, .ifTokenShaped(let counter)): denied = (true, counter)
            case (.allowlist, .none): denied = (true, Self.notAllowedCounter)
            default: denied = (false, Detector.longValue.rawValue)
            }
        }
        // Just after `=`: the value starts in the next piece, whole.
        guard valueStart < end else { return .value(denied: denied.0, counter: denied.1, replaced: false) }
        // Cut inside the value: it goes whole (this piece's part now, the rest with the next piece).
        seal(valueStart..<end, counter: denied.1)
        return .value(denied: true, counter: denied.1, replaced: true)
    }

    /// Marks `range` (a piece's last bytes) for the marker, in place of whatever was found inside it.
    private func seal(_ range: Range<Int>, counter: Int) {
        var from = range.lowerBound
        while let last = replacements.last, last.upperBound > from {
            from = min(from, last.lowerBound)
            replacements.removeLast()
            pending.removeLast()
        }
        replace(from..<range.upperBound, counter: counter)
    }

    /// Where a path segment ends.
    @inline(__always)
    static func endsPathSegment(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") || c == UInt8(ascii: ";")
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
        collectPairs(b, start..<range.upperBound, depth: 0)
        writeReplaced(b, range, into: &out)
    }

    /// Appends the bytes with every range in ``replacements`` replaced by the marker, and counts ``pending``.
    func writeReplaced(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        into out: inout [UInt8]
    ) {
        var cursor = range.lowerBound
        for replaced in replacements {
            if replaced.lowerBound >= cursor {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<replaced.lowerBound]))
                out.append(contentsOf: marker)
            } else if replaced.upperBound > cursor {
                // Ranges come in order and apart; one that overlaps what was written gets a marker for its rest
                // (fail closed, never a crash).
                out.append(contentsOf: marker)
            }
            cursor = max(cursor, replaced.upperBound)
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[cursor..<range.upperBound]))
        for id in pending { count(id) }
    }

    /// Marks a range for the marker, counted under a counter id.
    @inline(__always)
    func replace(_ range: Range<Int>, counter: Int) {
        replacements.append(range)
        pending.append(counter)
    }

    /// Where an HTML character reference that starts at `i` ends (`&#64;`, `&#x40;`), or nil.
    static func htmlEntityEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int? {
        guard b[i] == UInt8(ascii: "&"), i + 3 < end, b[i + 1] == UInt8(ascii: "#") else { return nil }
        var k = i + 2
        let hex = b[k] | 0x20 == UInt8(ascii: "x")
        if hex { k += 1 }
        let digitsStart = k
        while k < end, k - digitsStart < 6, hex ? IPAddress.hexValue(b[k]) != nil : b[k] &- 0x30 < 10 { k += 1 }
        guard k > digitsStart, k < end, b[k] == UInt8(ascii: ";") else { return nil }
        return k + 1
    }

    /// How deep a value holding a URL holding a value holding a URL is walked; deeper ones go whole.
    static let nestingLimit = 3

    /// The ranges of a URL to replace, in order, into ``replacements``.
    func collectURL(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, depth: Int = 0) {
        var i = range.lowerBound
        let end = range.upperBound
        // scheme://[userinfo@]host, or //[userinfo@]host in a nested URL (protocol-relative; a request's `//path`
        // is a path)
        let protocolRelative =
            depth > 0 && range.count > 2 && b[i] == UInt8(ascii: "/") && b[i + 1] == UInt8(ascii: "/")
        if let authorityStart = protocolRelative ? i + 2 : Self.schemeEnd(b, range).map({ $0 + 3 }) {
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
        i = PlainURLScreen.pathEnd(b.baseAddress!, i, end)
        if !isPlain(b, pathStart..<i) {
            var segmentStart = pathStart
            var previous = (pathStart..<pathStart, pathStart..<pathStart)
            for k in pathStart..<i where b[k] == UInt8(ascii: "/") {
                collectSegment(b, segmentStart..<k, after: previous, depth: depth)
                previous = (previous.1, segmentStart..<k)
                segmentStart = k + 1
            }
            collectSegment(b, segmentStart..<i, after: previous, depth: depth)
        }
        // Query and fragment: name=value pairs.
        // `/account/reset?t=<token>`: a one-time link's query tokens go whatever their names (the path is looked at
        // only when a value is token-shaped).
        if i < end { collectPairs(b, (i + 1)..<end, depth: depth, path: pathStart..<i) }
    }

    /// The `name=value` pairs of a query and of a fragment after it (`&` or `;` between pairs, `#` before the
    /// fragment).
    private func collectPairs(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        depth: Int,
        path: Range<Int>? = nil
    ) {
        var pairStart = range.lowerBound
        var link = OneTimeLink(path: path)
        while true {
            var pairEnd = PlainURLScreen.nextPairEnd(b.baseAddress!, pairStart, range.upperBound)
            // An HTML entity (`ann&#64;example.com`) is part of the value, not a pair's end and a fragment.
            while pairEnd < range.upperBound, let entityEnd = Self.htmlEntityEnd(b, pairEnd, range.upperBound) {
                pairEnd = PlainURLScreen.nextPairEnd(b.baseAddress!, entityEnd, range.upperBound)
            }
            collectPair(b, pairStart..<pairEnd, depth: depth, link: &link)
            guard pairEnd < range.upperBound else { return }
            pairStart = pairEnd + 1
        }
    }

    /// A path segment: replaced whole when a detector matches it, or when it is a token one or two segments after
    /// one that announces it (`/reset/<token>`, Django's `/reset/<uid>/<token>/`), or an ASP.NET cookieless session
    /// (`(S(...))`); `;name=value` parameters like query pairs.
    private func collectSegment(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        after previous: (Range<Int>, Range<Int>),
        depth: Int
    ) {
        guard !range.isEmpty else { return }
        var semicolon = range.lowerBound
        while semicolon < range.upperBound && b[semicolon] != UInt8(ascii: ";") { semicolon += 1 }
        let segment = range.lowerBound..<semicolon
        if PathTokens.isCookielessSession(b, segment)
            || (ValueDetectors.isTokenShaped(UnsafeBufferPointer(rebasing: b[segment])) && Self.isPathToken(b, segment)
                && (PathTokens.announcesToken(b, previous.1) || PathTokens.announcesToken(b, previous.0)))
        {
            replace(segment, counter: Detector.linkToken.rawValue)
        } else {
            collectValue(b, segment, depth: depth, place: .afterSegment(previous.1))
        }
        guard semicolon < range.upperBound else { return }
        var pairStart = semicolon + 1
        for i in pairStart..<range.upperBound where b[i] == UInt8(ascii: ";") {
            var none = OneTimeLink(path: nil)
            collectPair(b, pairStart..<i, depth: depth, link: &none)
            pairStart = i + 1
        }
        var none = OneTimeLink(path: nil)
        collectPair(b, pairStart..<range.upperBound, depth: depth, link: &none)
    }

    /// `name=value`: the value replaced when the name is denied (or not allowed), when it is a token in a one-time
    /// link's query, or what the detectors find in it.
    private func collectPair(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        depth: Int,
        link: inout OneTimeLink
    ) {
        guard !range.isEmpty else { return }
        var equals = range.lowerBound
        while equals < range.upperBound && b[equals] != UInt8(ascii: "=") { equals += 1 }
        guard equals < range.upperBound else {
            // A bare value (`?abc@example.com`, `#token`): detectors only.
            collectValue(b, range, depth: depth, place: .none)
            return
        }
        let name = range.lowerBound..<equals
        let value = (equals + 1)..<range.upperBound
        guard !value.isEmpty else { return }
        switch (mode, names.verdict(b, name)) {
        case (.denylist, .always(let counter)):
            replace(value, counter: counter)
        case (.denylist, .ifTokenShaped(let counter)) where isTokenShaped(b, value, depth: depth):
            replace(value, counter: counter)
        case (.allowlist, .none):
            replace(value, counter: Self.notAllowedCounter)
        case _ where value.count >= 12 && link.holds(b) && isTokenShaped(b, value, depth: depth):
            replace(value, counter: Detector.linkToken.rawValue)
        default:
            collectValue(b, value, depth: depth, place: .named(name))
        }
    }

    private func isTokenShaped(_ b: UnsafeBufferPointer<UInt8>, _ value: Range<Int>, depth: Int) -> Bool {
        guard value.contains(where: { b[$0] == UInt8(ascii: "%") }) else {
            return ValueDetectors.isTokenShaped(UnsafeBufferPointer(rebasing: b[value]))
        }
        decoders[depth].decode(b, value)
        return ValueDetectors.isTokenShaped(UnsafeBufferPointer(decoders[depth].decoded))
    }

    /// A value or path segment: replaced whole when a detector matches it; a value that is itself a URL, a query
    /// or JSON (`next=https%3A%2F%2Fshop%2Fcb%3Femail%3D...`, `variables={"phone":...}`) is walked, and only what
    /// goes inside it is replaced (mapped back through its escapes), so the landing page stays.
    func collectValue(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        depth: Int,
        place: ValuePlace
    ) {
        guard range.count >= 6 else { return }
        // Nothing a report needs is this long; opaque blobs are where tokens hide.
        guard range.count <= Self.longValue else {
            replace(range, counter: Detector.longValue.rawValue)
            return
        }
        let raw = UnsafeBufferPointer(rebasing: b[range])
        let shape = ValueShape(raw)
        guard shape.mayHoldPersonalData else { return }
        // A dotted quad where versions stand is a version (asked only of values with three dots).
        let versionPosition = shape.dots >= 3 && place.holdsVersions(b)
        guard shape.has(ByteClass.escape) else {
            collectDecoded(raw, shape, depth: depth, versionPosition: versionPosition) {
                $0.lowerBound + range.lowerBound..<$0.upperBound + range.lowerBound
            }
            return
        }
        let decoder = decoders[depth]
        decoder.decode(b, range, plusIsBlank: true)
        let decoded = UnsafeBufferPointer(decoder.decoded)
        collectDecoded(decoded, ValueShape(decoded), depth: depth, versionPosition: versionPosition) {
            decoder.sourceIndex($0.lowerBound)..<decoder.sourceIndex($0.upperBound)
        }
    }

    /// ``collectValue(_:_:depth:place:)`` on the decoded bytes `v` of that shape; `origin` maps a range of
    /// `v` to the original bytes.
    private func collectDecoded(
        _ v: UnsafeBufferPointer<UInt8>,
        _ shape: ValueShape,
        depth: Int,
        versionPosition: Bool,
        origin: (Range<Int>) -> Range<Int>
    ) {
        let whole = origin(0..<v.count)
        if let nested = NestedValue.kind(v, shape) {
            guard depth < Self.nestingLimit else {
                // Deeper than the walk goes: the whole value.
                replace(whole, counter: Detector.deepNesting.rawValue)
                return
            }
            let mark = replacements.count
            switch nested {
            case .url: collectURL(v, 0..<v.count, depth: depth + 1)
            case .query: collectPairs(v, 0..<v.count, depth: depth + 1)
            case .json: collectJSON(v, depth: depth + 1)
            }
            if replacements.count > mark {
                for k in mark..<replacements.count { replacements[k] = origin(replacements[k]) }
                return
            }
            // Nothing found by walking it: the detectors on the whole (`{email:ann@example.org}`).
        }
        if let detector = ValueDetectors.detect(v, shape, versionPosition: versionPosition) {
            replace(whole, counter: detector.rawValue)
        } else if depth < Self.nestingLimit, let counter = base64JSONCounter(v, shape, depth: depth) {
            replace(whole, counter: counter)
        }
    }

    /// JSON in base64 (`eyJ...`, `W3s...`: `{"` and `[{` encoded) walked like JSON in the clear: the counter of the
    /// first thing it would replace (the whole value goes; its parts cannot be cut out of the encoding).
    private func base64JSONCounter(_ v: UnsafeBufferPointer<UInt8>, _ shape: ValueShape, depth: Int) -> Int? {
        guard v.count >= 16, !shape.has(ByteClass.separator),
            (v[0] == UInt8(ascii: "e") && v[1] == UInt8(ascii: "y") && v[2] == UInt8(ascii: "J"))
                || (v[0] == UInt8(ascii: "W") && v[1] == UInt8(ascii: "3") && v[2] == UInt8(ascii: "s"))
        else { return nil }
        var text = [UInt8](repeating: 0, count: v.count)
        return text.withUnsafeMutableBufferPointer { out -> Int? in
            guard let n = Base64.decodeText(v, into: out) else { return nil }
            let mark = replacements.count
            collectJSON(UnsafeBufferPointer(rebasing: out[0..<n]), depth: depth + 1)
            guard replacements.count > mark else { return nil }
            let counter = pending[mark]
            replacements.removeSubrange(mark...)
            pending.removeSubrange(mark...)
            return counter
        }
    }

    /// ``isPlain(_:_:)`` for URLs whose totals are too high for ``PlainURLScreen``: one pass with the counts per
    /// path segment; false at `?#;@%`.
    static func isPlainBySegment(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        // Per segment: digits, dots, colons and capitals in 16 bits each (packed in one word).
        var counts: UInt64 = 0
        var i = range.lowerBound
        var segmentStart = i
        let base = b.baseAddress!
        while i < range.upperBound {
            let c = base[i]
            let kind = byteKinds[Int(c)]
            if kind != 0 {
                if kind == stop { return false }
                if kind == slash {
                    if SegmentCounts(counts: counts, length: i - segmentStart).isSuspicious
                        || startsJWT(base, i + 1, range.upperBound)
                    {
                        return false
                    }
                    counts = 0
                    segmentStart = i + 1
                } else {
                    counts &+= kind
                }
            }
            i &+= 1
        }
        return !SegmentCounts(counts: counts, length: i - segmentStart).isSuspicious
            && !startsJWT(base, range.lowerBound, range.upperBound)
    }

    /// A token in a path, as the screen sees it (``SegmentCounts``): eight digits, or capitals and a digit in 16 bytes
    /// or more. The walk asks the same, so a token goes whatever the other segments hold.
    static func isPathToken(_ b: UnsafeBufferPointer<UInt8>, _ segment: Range<Int>) -> Bool {
        var counts: UInt64 = 0
        for i in segment {
            let kind = byteKinds[Int(b[i])]
            if kind != stop && kind != slash { counts &+= kind }
        }
        return SegmentCounts(counts: counts, length: segment.count).hasTokenDigits
    }

    @inline(__always)
    static func startsJWT(_ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Bool {
        i + 2 < end && base[i] == UInt8(ascii: "e") && base[i + 1] == UInt8(ascii: "y")
            && base[i + 2] == UInt8(ascii: "J")
    }

    static let stop: UInt64 = .max
    static let slash: UInt64 = .max - 1
    /// What each byte adds to a segment's counts (1 a digit, 1 << 16 a dot, 1 << 32 a colon, 1 << 48 a capital),
    /// or that it ends the fast path (`?#;@%\(`) or a segment (`/`).
    static let byteKinds: [UInt64] = (0..<256).map { c -> UInt64 in
        switch UInt8(c) {
        case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "%"),
            UInt8(ascii: "\\"), UInt8(ascii: "("):
            stop
        case UInt8(ascii: "/"): slash
        case UInt8(ascii: "0")...UInt8(ascii: "9"): 1
        case UInt8(ascii: "."): 1 << 16
        case UInt8(ascii: ":"): 1 << 32
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): 1 << 48
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
}

/// Whether the URL whose query is being walked is a one-time link (``PathTokens/announcesOneTimeLink(_:_:)``):
/// looked at once, the first time a token-shaped value asks.
struct OneTimeLink {
    let path: Range<Int>?
    private var known: Bool?

    init(path: Range<Int>?) { self.path = path }

    mutating func holds(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if let known { return known }
        let holds = path.map { PathTokens.announcesOneTimeLink(b, $0) } ?? false
        known = holds
        return holds
    }
}

/// Where a value stands, for ``PathTokens``: after a path segment (`/downloads/1.7.14.95`), or in a named parameter
/// (`v=4.9.0.85`).
enum ValuePlace {
    case none
    case afterSegment(Range<Int>)
    case named(Range<Int>)

    /// Whether versions stand here (the ranges are in `b`, the buffer the value is in).
    func holdsVersions(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .none: false
        case .afterSegment(let segment): PathTokens.announcesVersion(b, segment)
        case .named(let name): PathTokens.namesVersion(b, name)
        }
    }
}

/// What the plain screen counts in one path segment (``Scrubber/isPlainBySegment(_:_:)``).
struct SegmentCounts {
    /// Digits, dots, colons and capitals in 16 bits each.
    var counts: UInt64
    var length: Int

    /// Whether a detector could match the segment: eight digits (a DNI, phones in groups, SSNs, BSNs, NIRs, cards,
    /// IBANs), six with a colon (`tel:`), a dotted quad's dots and digits, two colons (IPv6), or a token's shape (16
    /// characters or more with capitals and a digit: `/magic/YLA5ggKutSU1uHMeTUNK86REeqSA6uCW`). An asset's
    /// fingerprint (`app.75801e99.css`) is none of these.
    @inline(__always)
    var isSuspicious: Bool {
        let digits = counts & 0xFFFF
        let dots = (counts >> 16) & 0xFFFF
        let colons = (counts >> 32) & 0xFFFF
        return hasTokenDigits || (digits >= UInt64(PlainURLScreen.detectorDigits) && colons >= 1)
            || (dots >= 3 && digits >= 4) || colons >= 2
    }

    /// Eight digits, or capitals and a digit in 16 bytes or more: what a path token needs
    /// (``Scrubber/isPathToken(_:_:)``), and enough for the screen to look closer.
    @inline(__always)
    var hasTokenDigits: Bool {
        let digits = counts & 0xFFFF
        return digits >= 8 || (length >= 16 && counts >> 48 >= 2 && digits >= 1)
    }
}
