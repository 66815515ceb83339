import Foundation
import LogonymCore

/// Times on the command line: ISO 8601 (`2026-11-27T10:00:00Z`, `2026-11-27T10:00`, `2026-11-27`; UTC unless an
/// offset is given), relative to now (`-7d`, `-2h`, `+30m`), or `@` and epoch seconds.
enum TimeArgument {
    static func parse(_ text: String, now: Int64 = Int64(Date().timeIntervalSince1970)) -> Int64? {
        if text.hasPrefix("@") { return Int64(text.dropFirst()) }
        if let sign = text.first, sign == "-" || sign == "+",
            let duration = ConfigFile.duration(String(text.dropFirst()))
        {
            let seconds = duration.components.seconds
            return sign == "-" ? now - seconds : now + seconds
        }
        var iso = text
        switch text.count {
        case 10: iso += "T00:00:00Z"
        case 13: iso += ":00:00Z"
        case 16: iso += ":00Z"
        case 19: iso += "Z"
        default: break
        }
        let bytes = Array(iso.utf8)
        return bytes.withUnsafeBufferPointer { LogTimestamp.parseISO8601($0, from: 0, to: $0.count)?.epochSeconds }
    }

    /// Parses an option's value or fails with a usage error naming the option.
    static func option(
        _ text: String?,
        _ flag: String,
        now: Int64 = Int64(Date().timeIntervalSince1970)
    ) throws
        -> Int64?
    {
        guard let text else { return nil }
        guard let value = parse(text, now: now) else {
            throw CommandFailure.usage(
                "\(flag) '\(text)': not a time; use ISO 8601 (2026-11-27T10:00:00Z), a relative time (-7d) or @EPOCH"
            )
        }
        return value
    }
}
