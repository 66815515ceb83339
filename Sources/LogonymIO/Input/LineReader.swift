import Glibc

/// Reads a source line by line in bounded memory, numbering the lines; a long line is handed over in pieces.
///
/// At most `chunkSize + maxLineBytes` bytes are held, however long a line is. A line longer than `maxLineBytes`
/// goes to the caller in pieces, each cut where the caller's `cut` allows (and at worst after half a line's worth).
/// A last line without a newline counts as a line; an empty input has none.
public final class LineReader {
    /// Lines longer than this (without the newline) are handed over in pieces.
    public let maxLineBytes: Int
    /// The read size.
    public let chunkSize: Int
    private let buffer: UnsafeMutableRawBufferPointer

    public init(maxLineBytes: Int = 1 << 20, chunkSize: Int = 1 << 20) {
        precondition(maxLineBytes >= 16 && chunkSize >= 1, "unusable line or chunk size")
        self.maxLineBytes = maxLineBytes
        self.chunkSize = chunkSize
        buffer = .allocate(byteCount: chunkSize + maxLineBytes + 1, alignment: 64)
    }

    deinit {
        buffer.deallocate()
    }

    /// What one input gave.
    public struct Outcome: Sendable {
        /// The lines read (a last line without a newline included).
        public var lines = 0
        /// The decoded bytes read.
        public var bytesIn = 0
        /// The error that ended the input early, if any; the lines before it were handed over.
        public var error: LogonymIOError?
    }

    /// Reads `source` to its end (or its first read error).
    ///
    /// - Parameters:
    ///   - source: the input.
    ///   - cut: given the unfinished part of a long line, where it may be cut (an index into that buffer; 0 when
    ///     nowhere).
    ///   - body: called with each line, or each piece of a long line, without the newline; with the line's number
    ///     (from 1); and with whether the line ends with this piece.
    /// - Returns: the number of lines and the error that ended reading, if any.
    public func read(
        _ source: any ByteSource,
        cut: (UnsafeBufferPointer<UInt8>) -> Int,
        _ body: (_ piece: UnsafeBufferPointer<UInt8>, _ line: Int, _ lineEnds: Bool) -> Void
    ) -> Outcome {
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var outcome = Outcome()
        var filled = 0
        var lineStart = 0
        var inLongLine = false
        while true {
            var n = 0
            do {
                n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            } catch {
                outcome.error = error
            }
            filled += n
            outcome.bytesIn += n
            while lineStart < filled, let newline = memchr(base + lineStart, 0x0A, filled - lineStart) {
                let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                outcome.lines += 1
                body(UnsafeBufferPointer(start: base + lineStart, count: end - lineStart), outcome.lines, true)
                inLongLine = false
                lineStart = end + 1
            }
            if n == 0 {
                // The end of the input (or its first error): a last line without a newline.
                if inLongLine || filled > lineStart {
                    outcome.lines += 1
                    body(UnsafeBufferPointer(start: base + lineStart, count: filled - lineStart), outcome.lines, true)
                }
                return outcome
            }
            if filled - lineStart > maxLineBytes {
                // Part of an overlong line: hand over what can be cut, keep at most half a line's worth.
                let rest = UnsafeBufferPointer(start: base + lineStart, count: filled - lineStart)
                let at = max(lineStart + min(max(cut(rest), 0), rest.count), filled - maxLineBytes / 2)
                body(UnsafeBufferPointer(start: base + lineStart, count: at - lineStart), outcome.lines + 1, false)
                inLongLine = true
                lineStart = at
            }
            // Keep the unfinished line at the front of the buffer.
            let carry = filled - lineStart
            if carry > 0 && lineStart > 0 { memmove(base, base + lineStart, carry) }
            filled = carry
            lineStart = 0
        }
    }
}

@available(*, unavailable)
extension LineReader: Sendable {}
