/// A line's own timestamp: the instant and the UTC offset it was written with.
public struct LogTimestamp: Sendable, Equatable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var epochSeconds: Int64
    /// The offset from UTC the line was written in, in minutes.
    public var offsetMinutes: Int32

    public init(epochSeconds: Int64, offsetMinutes: Int32) {
        self.epochSeconds = epochSeconds
        self.offsetMinutes = offsetMinutes
    }

    /// Parses `10/Oct/2026:13:55:36 +0200` (Apache `%t` without brackets, nginx `$time_local`); also HAProxy's
    /// `06/Feb/2009:12:14:14.655`, with milliseconds and without an offset, read as UTC.
    public static func parseLocal(_ b: UnsafeBufferPointer<UInt8>, from s: Int, to e: Int) -> LogTimestamp? {
        guard e - s >= 20, b[s + 2] == UInt8(ascii: "/"), b[s + 6] == UInt8(ascii: "/"),
            b[s + 11] == UInt8(ascii: ":"), b[s + 14] == UInt8(ascii: ":"), b[s + 17] == UInt8(ascii: ":"),
            let day = digits(b, s, 2), let year = digits(b, s + 7, 4), let hour = digits(b, s + 12, 2),
            let minute = digits(b, s + 15, 2), let second = digits(b, s + 18, 2),
            let month = monthNumber(b[s + 3], b[s + 4], b[s + 5])
        else { return nil }
        var p = s + 20
        var fraction = false
        if p < e && b[p] == UInt8(ascii: ".") {
            p += 1
            fraction = true
            while p < e && b[p] >= 0x30 && b[p] <= 0x39 { p += 1 }
        }
        // Without an offset only in HAProxy's form, which has milliseconds.
        if p == e && fraction { return make(year, month, day, hour, minute, second, 0) }
        guard e - p == 6, b[p] == UInt8(ascii: " "), let offset = offsetMinutes(b, p + 1, withColon: false) else {
            return nil
        }
        return make(year, month, day, hour, minute, second, offset)
    }

    /// Parses a JSON number of seconds since 1970 (Caddy's `ts`, `1764237600.5241024`), rounded down; `nil` for
    /// anything that is not a number of seconds between the years 0 and 9999 (`1e300` kills no run).
    public static func parseEpochSeconds(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> LogTimestamp? {
        guard range.count <= 40,
            let seconds = Double(String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self)),
            seconds.isFinite, seconds > -62_167_219_200, seconds < 253_402_300_800
        else { return nil }
        return LogTimestamp(epochSeconds: Int64(seconds.rounded(.down)), offsetMinutes: 0)
    }

    /// Parses a W3C extended log's `date` (`2026-11-27`) and `time` (`10:00:00`, fractions allowed) fields, in
    /// UTC as the format says.
    public static func parseW3C(
        _ b: UnsafeBufferPointer<UInt8>,
        date: Range<Int>,
        time: Range<Int>
    ) -> LogTimestamp? {
        let d = date.lowerBound
        let t = time.lowerBound
        guard date.count == 10, time.count >= 8, b[d + 4] == UInt8(ascii: "-"), b[d + 7] == UInt8(ascii: "-"),
            b[t + 2] == UInt8(ascii: ":"), b[t + 5] == UInt8(ascii: ":"),
            let year = digits(b, d, 4), let month = digits(b, d + 5, 2), let day = digits(b, d + 8, 2),
            let hour = digits(b, t, 2), let minute = digits(b, t + 3, 2), let second = digits(b, t + 6, 2)
        else { return nil }
        if time.count > 8 {
            guard b[t + 8] == UInt8(ascii: "."),
                time.dropFirst(9).allSatisfy({ b[$0] >= 0x30 && b[$0] <= 0x39 })
            else { return nil }
        }
        return make(year, month, day, hour, minute, second, 0)
    }

    /// Parses `2026-10-10T13:55:36+02:00` (nginx `$time_iso8601`); also `Z`, fractions of a second and `+0200`.
    public static func parseISO8601(_ b: UnsafeBufferPointer<UInt8>, from s: Int, to e: Int) -> LogTimestamp? {
        guard e - s >= 20, b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-"),
            b[s + 10] == UInt8(ascii: "T") || b[s + 10] == UInt8(ascii: " "), b[s + 13] == UInt8(ascii: ":"),
            b[s + 16] == UInt8(ascii: ":"),
            let year = digits(b, s, 4), let month = digits(b, s + 5, 2), let day = digits(b, s + 8, 2),
            let hour = digits(b, s + 11, 2), let minute = digits(b, s + 14, 2), let second = digits(b, s + 17, 2)
        else { return nil }
        var p = s + 19
        if p < e && (b[p] == UInt8(ascii: ".") || b[p] == UInt8(ascii: ",")) {
            p += 1
            while p < e && b[p] >= 0x30 && b[p] <= 0x39 { p += 1 }
        }
        let offset: Int32
        if p + 1 == e && (b[p] == UInt8(ascii: "Z") || b[p] == UInt8(ascii: "z")) {
            offset = 0
        } else if e - p == 6, let o = offsetMinutes(b, p, withColon: true) {
            offset = o
        } else if e - p == 5, let o = offsetMinutes(b, p, withColon: false) {
            offset = o
        } else {
            return nil
        }
        return make(year, month, day, hour, minute, second, offset)
    }

    private static func make(
        _ y: Int,
        _ mo: Int,
        _ d: Int,
        _ h: Int,
        _ mi: Int,
        _ s: Int,
        _ offset: Int32
    )
        -> LogTimestamp?
    {
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s <= 60 else { return nil }
        let days = daysFromCivil(y, mo, d)
        let local = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s)
        return LogTimestamp(epochSeconds: local - Int64(offset) * 60, offsetMinutes: offset)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func digits(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ count: Int) -> Int? {
        var value = 0
        for i in at..<(at + count) {
            let c = b[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            value = value * 10 + Int(c - 0x30)
        }
        return value
    }

    private static func offsetMinutes(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, withColon: Bool) -> Int32? {
        let sign = b[at]
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), let hours = digits(b, at + 1, 2) else {
            return nil
        }
        let minutesAt = withColon ? at + 4 : at + 3
        if withColon && b[at + 3] != UInt8(ascii: ":") { return nil }
        guard let minutes = digits(b, minutesAt, 2), hours < 24, minutes < 60 else { return nil }
        let total = Int32(hours * 60 + minutes)
        return sign == UInt8(ascii: "-") ? -total : total
    }

    private static func monthNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = UInt32(a | 0x20) << 16 | UInt32(b | 0x20) << 8 | UInt32(c | 0x20)
        switch key {
        case 0x6A616E: return 1  // jan
        case 0x666562: return 2  // feb
        case 0x6D6172: return 3  // mar
        case 0x617072: return 4  // apr
        case 0x6D6179: return 5  // may
        case 0x6A756E: return 6  // jun
        case 0x6A756C: return 7  // jul
        case 0x617567: return 8  // aug
        case 0x736570: return 9  // sep
        case 0x6F6374: return 10  // oct
        case 0x6E6F76: return 11  // nov
        case 0x646563: return 12  // dec
        default: return nil
        }
    }

    /// Appends the time as ISO 8601 in its own offset: `2026-10-10T13:55:36+02:00`.
    public func writeISO8601(into out: inout [UInt8]) {
        let local = epochSeconds + Int64(offsetMinutes) * 60
        let days = Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        let secondOfDay = Int(local - Int64(days) * 86_400)
        let (year, month, day) = Self.civilFromDays(days)
        func two(_ v: Int) {
            out.append(UInt8(0x30 + v / 10))
            out.append(UInt8(0x30 + v % 10))
        }
        two(year / 100)
        two(year % 100)
        out.append(UInt8(ascii: "-"))
        two(month)
        out.append(UInt8(ascii: "-"))
        two(day)
        out.append(UInt8(ascii: "T"))
        two(secondOfDay / 3600)
        out.append(UInt8(ascii: ":"))
        two(secondOfDay / 60 % 60)
        out.append(UInt8(ascii: ":"))
        two(secondOfDay % 60)
        let offset = Int(offsetMinutes)
        out.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        two(abs(offset) / 60)
        out.append(UInt8(ascii: ":"))
        two(abs(offset) % 60)
    }
}
