import Glibc
import LogonymCore

/// Cuts a byte stream into lines, for every source: batch files and standard input (``LinePump``), followed files,
/// the standard input of `logonym pipe` and syslog datagrams. One contract:
/// - a line ends at `\n` (a `\r` before it stays part of the line: the processor treats it as a trailing blank);
/// - a partial last line is held until its newline arrives, or handed out as a line when its source ends (a file
///   read to its end, a pipe closed, a datagram);
/// - a line longer than `maxLineBytes` is never a fragment written as a line of its own. What becomes of it is the
///   source's ``Overlong`` policy: a reader that can hold it (the daemon, up to its hold limit) hands it out whole
///   as a long line, scrubbed whole, and counts one longer than that as dropped (`too_long`), skipped to its
///   newline; a reader that must go on in bounded memory (`anonymize`) hands it out in pieces, each cut where no
///   address-looking token is split, which the processor writes as one line.
struct LineFramer {
    enum Event {
        /// A line, `start..<end` (without its newline).
        case line(Int, Int)
        /// A line longer than `maxLineBytes`, or a piece of one: `begins` on its first piece, `ends` on its last (a
        /// long line held whole is one piece that begins and ends).
        case piece(Int, Int, begins: Bool, ends: Bool)
        /// A line too long to hold, skipped.
        case dropped
    }

    /// What happens to a line longer than `maxLineBytes`.
    enum Overlong {
        /// Held up to `limit` bytes and handed out whole; longer, dropped and skipped to its newline.
        case hold(limit: Int)
        /// Handed out in pieces once more than `maxLineBytes` of it is waiting.
        case pieces
    }

    let maxLineBytes: Int
    let overlong: Overlong
    /// While a line longer than the hold limit is skipped up to its newline.
    private(set) var discarding = false
    /// While the rest of a line handed out in pieces is waited for.
    private(set) var inPieces = false

    init(maxLineBytes: Int, overlong: Overlong) {
        self.maxLineBytes = maxLineBytes
        self.overlong = overlong
    }

    /// The daemon's framer: lines up to `holdLimit` bytes are handed out whole.
    init(maxLineBytes: Int, holdLimit: Int) {
        self.init(maxLineBytes: maxLineBytes, overlong: .hold(limit: holdLimit))
    }

    /// Forgets any line in progress (the source starts again from its beginning).
    mutating func reset() {
        discarding = false
        inPieces = false
    }

    /// Hands out every complete line in `all[start..<filled]` (the held partial line first, then what was read
    /// after it), and with ``Overlong/pieces`` the next piece of a line too long to wait for. Returns where the
    /// unfinished rest starts; the caller holds `all[returned..<filled]`, unless ``discarding`` (then the rest is
    /// dropped and nothing is held).
    @inline(__always)
    mutating func frame<E: Error>(
        _ all: UnsafeBufferPointer<UInt8>,
        from start: Int = 0,
        filled: Int,
        _ emit: (Event) throws(E) -> Void
    ) throws(E) -> Int {
        guard let base = all.baseAddress else { return start }
        var lineStart = start
        while lineStart < filled, let hit = memchr(base + lineStart, 0x0A, filled - lineStart) {
            let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            try emitLine(lineStart, end, emit)
            lineStart = end + 1
        }
        switch overlong {
        case .hold(let limit):
            // Too long to hold: skip to its newline.
            if !discarding && filled - lineStart > limit { discarding = true }
        case .pieces:
            if filled - lineStart > maxLineBytes {
                // Hand over what can be cut without splitting an address-looking token, and keep the rest (at most
                // half a line's worth, so that the reader always has room to read on; only a run of address
                // characters that long is cut inside). Right after a `&`, `=`, `?`, `;`, blank or quote if there is one
                // in that half: the pieces of a URL then hold whole names and values, which the scrub stage judges
                // knowing where the piece before left off.
                let floor = filled - maxLineBytes / 2
                let cut =
                    Self.lastPairBoundary(all, from: max(floor, lineStart), to: filled)
                    ?? max(FallbackScanner.safeCut(all, from: lineStart, to: filled), floor)
                try emit(.piece(lineStart, cut, begins: !inPieces, ends: false))
                inPieces = true
                lineStart = cut
            }
        }
        return lineStart
    }

    /// Just after the last `&`, `=`, `?`, `;`, blank or quote in `all[start..<end]` (not at `end` itself: a piece is
    /// never empty): where a URL's pairs, names and values begin, so that a piece ends with whole ones.
    @inline(__always)
    static func lastPairBoundary(_ all: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var i = end - 1
        while i > start {
            let c = all[i - 1]
            switch c {
            case UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: ";"), 0x20, UInt8(ascii: "\""),
                UInt8(ascii: "'"):
                return i
            default: break
            }
            i -= 1
        }
        return nil
    }

    /// The source ended: its unfinished last line (`all[start..<end]`) is a line, or the end of a dropped one or of
    /// one handed out in pieces.
    @inline(__always)
    mutating func finish<E: Error>(
        _ all: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        _ emit: (Event) throws(E) -> Void
    ) throws(E) {
        if discarding || inPieces || end > start { try emitLine(start, end, emit) }
    }

    @inline(__always)
    private mutating func emitLine<E: Error>(_ start: Int, _ end: Int, _ emit: (Event) throws(E) -> Void) throws(E) {
        if discarding {
            discarding = false
            try emit(.dropped)
        } else if inPieces {
            inPieces = false
            try emit(.piece(start, end, begins: false, ends: true))
        } else if end - start <= maxLineBytes {
            try emit(.line(start, end))
        } else {
            switch overlong {
            case .hold(let limit) where end - start > limit: try emit(.dropped)
            default: try emit(.piece(start, end, begins: true, ends: true))
            }
        }
    }
}
