import Glibc

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
            }?.epochSeconds
        }
        return w3cTime(logFormat, b)?.epochSeconds
    }

    /// A W3C line's time from its `date` and `time` fields.
    func w3cTime(_ logFormat: LogFormat, _ b: UnsafeBufferPointer<UInt8>) -> LogTimestamp? {
        guard let date = logFormat.fields.firstIndex(of: .date), let clock = logFormat.fields.firstIndex(of: .clock)
        else { return nil }
        return LogTimestamp.parseW3C(b, date: fieldMatch.range(date), time: fieldMatch.range(clock))
    }

    /// A JSON line's time: its `time_local`, else its `time_iso8601` (`time`, `timestamp`, ...), else a numeric
    /// `ts`. For the line's window (`forWindow`) the first of these present decides and the last text is cached;
    /// for the JSON output one that does not parse gives way to the next.
    func jsonTime(_ b: UnsafeBufferPointer<UInt8>, forWindow: Bool) -> LogTimestamp? {
        func parsed(_ range: Range<Int>, _ parse: () -> LogTimestamp?) -> LogTimestamp? {
            forWindow ? cachedTime(b, range, parse: parse) : parse()
        }
        if let (range, _) = jsonMatch.known[JSONLineFormat.KnownField.timeLocal.rawValue] {
            let time = parsed(range) { LogTimestamp.parseLocal(b, from: range.lowerBound, to: range.upperBound) }
            if time != nil || forWindow { return time }
        }
        if let (range, _) = jsonMatch.known[JSONLineFormat.KnownField.timeISO8601.rawValue] {
            let time = parsed(range) { LogTimestamp.parseISO8601(b, from: range.lowerBound, to: range.upperBound) }
            if time != nil || forWindow { return time }
        }
        if let (range, isString) = jsonMatch.known[JSONLineFormat.KnownField.epochSeconds.rawValue], !isString {
            return LogTimestamp.parseEpochSeconds(b, range)
        }
        return nil
    }

    private func cachedTime(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        parse: () -> LogTimestamp?
    ) -> LogTimestamp? {
        let text = UnsafeBufferPointer(rebasing: b[range])
        // (memcmp: the generic `elementsEqual` cost 2% of a windowed run.)
        let hit =
            text.count == timeCache.text.count
            && timeCache.text.withUnsafeBufferPointer { cached in
                text.isEmpty || memcmp(cached.baseAddress!, text.baseAddress!, text.count) == 0
            }
        if hit { return timeCache.time }
        guard let time = parse() else { return nil }
        timeCache = (Array(text), time)
        return time
    }
}
