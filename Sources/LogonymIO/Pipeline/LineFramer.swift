#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Cuts a byte stream into lines for the daemon's sources (followed files, the standard input of `logonym pipe`,
/// syslog datagrams), with one contract:
/// - a line ends at `\n` (a `\r` before it stays part of the line: the processor treats it as a trailing blank);
/// - a partial last line is held until its newline arrives, or handed out as a line when its source ends (a pipe
///   closed, a datagram);
/// - a line longer than `maxLineBytes` (but within the hold limit) goes out as a long line, scrubbed whole;
/// - a line longer than the hold limit is counted once as dropped (`too_long`) and skipped to its newline: no piece
///   of it is ever written as a line.
///
/// (`anonymize` reads files to their end and scrubs overlong lines in pieces instead: ``LinePump``.)
struct LineFramer {
    enum Event {
        case line(Int, Int)
        case longLine(Int, Int)
        case dropped
    }

    let maxLineBytes: Int
    let holdLimit: Int
    /// While a line longer than the hold limit is skipped up to its newline.
    private(set) var discarding = false

    init(maxLineBytes: Int, holdLimit: Int) {
        self.maxLineBytes = maxLineBytes
        self.holdLimit = holdLimit
    }

    /// Hands out every complete line in `all[start..<filled]` (the held partial line first, then what was read
    /// after it). Returns where the unfinished rest starts; the caller holds `all[returned..<filled]`, unless
    /// ``discarding`` (then the rest is dropped and nothing is held).
    @inline(__always)
    mutating func frame(
        _ all: UnsafeBufferPointer<UInt8>,
        from start: Int = 0,
        filled: Int,
        _ emit: (Event) -> Void
    ) -> Int {
        guard let base = all.baseAddress else { return start }
        var lineStart = start
        while lineStart < filled, let hit = memchr(base + lineStart, 0x0A, filled - lineStart) {
            let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if discarding {
                discarding = false
                emit(.dropped)
            } else {
                emitLine(lineStart, end, emit)
            }
            lineStart = end + 1
        }
        if !discarding && filled - lineStart > holdLimit {
            // Too long to hold: skip to its newline.
            discarding = true
        }
        return lineStart
    }

    /// The source ended: its unfinished last line (`all[start..<end]`) is a line, or the end of a dropped one.
    @inline(__always)
    mutating func finish(_ all: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, _ emit: (Event) -> Void) {
        if discarding {
            discarding = false
            emit(.dropped)
        } else if end > start {
            emitLine(start, end, emit)
        }
    }

    @inline(__always)
    private func emitLine(_ start: Int, _ end: Int, _ emit: (Event) -> Void) {
        let length = end - start
        emit(length > holdLimit ? .dropped : length > maxLineBytes ? .longLine(start, end) : .line(start, end))
    }
}
