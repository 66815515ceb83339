/// The length of a time window: output segments, keys and counters are per window (UTC, from each line's own
/// timestamp, never the wall clock).
public enum WindowLength: String, CaseIterable, Sendable, Codable {
    /// One hour.
    case hour = "1h"
    /// One day.
    case day = "1d"

    /// The window's length in seconds.
    public var seconds: Int64 {
        switch self {
        case .hour: 3600
        case .day: 86_400
        }
    }

    /// The start of the window holding `epochSeconds` (UTC).
    @inlinable
    public func start(of epochSeconds: Int64) -> Int64 {
        let length = seconds
        let remainder = epochSeconds % length
        return epochSeconds - (remainder < 0 ? remainder + length : remainder)
    }

    /// The window's name as used in segment file names: `2026-11-27T10` (hour) or `2026-11-27` (day).
    public func name(ofWindowStarting start: Int64) -> String {
        var out: [UInt8] = []
        LogTimestamp(epochSeconds: start, offsetMinutes: 0).writeISO8601(into: &out)
        let text = String(decoding: out, as: UTF8.self)  // 2026-11-27T10:00:00+00:00
        return String(text.prefix(self == .hour ? 13 : 10))
    }

    /// Parses a window name back to its start (for retention and recovery).
    public func start(ofWindowNamed name: String) -> Int64? {
        let bytes = Array((self == .hour ? name + ":00:00Z" : name + "T00:00:00Z").utf8)
        return bytes.withUnsafeBufferPointer { LogTimestamp.parseISO8601($0, from: 0, to: $0.count)?.epochSeconds }
    }
}
