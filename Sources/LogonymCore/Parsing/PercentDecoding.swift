/// Text with `%XX`, `%u00XX`, `\xXX` and `\u00XX` decoded and, for each decoded byte, where its encoding starts in the
/// source. Reused buffers in raw memory (a long line decodes in one pass, without growing arrays byte by byte).
public final class PercentDecoding {
    /// The decoded bytes.
    public private(set) var decoded: UnsafeMutableBufferPointer<UInt8> = .init(start: nil, count: 0)
    /// `starts[k]`: the source index where decoded byte `k` begins; one more entry for the end.
    private var starts: UnsafeMutablePointer<Int>
    private var spareBytes: UnsafeMutablePointer<UInt8>
    private var spareStarts: UnsafeMutablePointer<Int>
    private var bytes: UnsafeMutablePointer<UInt8>
    private var capacity = 0
    /// The addresses ``FallbackScanner/scrubEncoded`` found (reused).
    var fields: [AddressField] = []

    public init() {
        bytes = .allocate(capacity: 1)
        spareBytes = .allocate(capacity: 1)
        starts = .allocate(capacity: 1)
        spareStarts = .allocate(capacity: 1)
    }

    deinit {
        bytes.deallocate()
        spareBytes.deallocate()
        starts.deallocate()
        spareStarts.deallocate()
    }

    /// The source index of decoded position `k` (`k == decoded.count`: the source's end).
    @inline(__always)
    public func sourceIndex(_ k: Int) -> Int { starts[k] }

    /// Decodes `%XX`, `%u00XX`, `\xXX` and `\u00XX` in `range` of `source`, round after round while a round still decodes
    /// something (each round is shorter than the one before). `plusIsBlank` (a form's query value): the first round
    /// also reads `+` as a blank, except a `+` that starts the text before a digit (a phone number's,
    /// `tel=+49+170+1234567`).
    public func decode(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, plusIsBlank: Bool = false) {
        if range.count + 1 > capacity {
            for pointer in [bytes, spareBytes] { pointer.deallocate() }
            for pointer in [starts, spareStarts] { pointer.deallocate() }
            capacity = range.count + 1
            bytes = .allocate(capacity: capacity)
            spareBytes = .allocate(capacity: capacity)
            starts = .allocate(capacity: capacity)
            spareStarts = .allocate(capacity: capacity)
        }
        var (count, again) = Self.decodeRound(
            source.baseAddress!,
            range,
            from: nil,
            into: bytes,
            starts,
            plusIsBlank: plusIsBlank
        )
        starts[count] = range.upperBound
        while again {
            let next: Int
            (next, again) = Self.decodeRound(bytes, 0..<count, from: starts, into: spareBytes, spareStarts)
            spareStarts[next] = range.upperBound
            swap(&bytes, &spareBytes)
            swap(&starts, &spareStarts)
            count = next
        }
        decoded = UnsafeMutableBufferPointer(start: bytes, count: count)
    }

    /// The byte an escape at `i` stands for and the escape's length: `%XX`, IIS's `%u00XX`, `\xXX`, or a JSON escape
    /// `\u00XX` (in a line that did not parse as JSON); nil when none starts there.
    @inline(__always)
    static func escape(_ text: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> (UInt8, Int)? {
        if text[i] == UInt8(ascii: "%") {
            if i + 2 < end, let high = IPAddress.hexValue(text[i + 1]), let low = IPAddress.hexValue(text[i + 2]) {
                return (high << 4 | low, 3)
            }
            if i + 5 < end, text[i + 1] | 0x20 == UInt8(ascii: "u"), text[i + 2] == UInt8(ascii: "0"),
                text[i + 3] == UInt8(ascii: "0"), let high = IPAddress.hexValue(text[i + 4]),
                let low = IPAddress.hexValue(text[i + 5])
            {
                return (high << 4 | low, 6)
            }
            return nil
        }
        if i + 3 < end, text[i + 1] | 0x20 == UInt8(ascii: "x"), let high = IPAddress.hexValue(text[i + 2]),
            let low = IPAddress.hexValue(text[i + 3])
        {
            return (high << 4 | low, 4)
        }
        if i + 5 < end, text[i + 1] == UInt8(ascii: "u"), text[i + 2] == UInt8(ascii: "0"),
            text[i + 3] == UInt8(ascii: "0"), let high = IPAddress.hexValue(text[i + 4]),
            let low = IPAddress.hexValue(text[i + 5])
        {
            return (high << 4 | low, 6)
        }
        return nil
    }

    /// Rewrites `text` with its backslash escapes of bytes (`\u0040`, `\x40`, as ``escape(_:_:_:)`` reads them)
    /// replaced by their byte, in place (text decoded from base64); returns the new count.
    static func unescapeBackslashes(_ text: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard let base = text.baseAddress else { return 0 }
        var read = 0
        var write = 0
        while read < text.count {
            if text[read] == UInt8(ascii: "\\"), let (byte, length) = escape(base, read, text.count) {
                text[write] = byte
                read += length
            } else {
                text[write] = text[read]
                read += 1
            }
            write += 1
        }
        return write
    }

    /// One round: `text[range]` decoded into `out`, each byte's source index into `outStarts` (`range`'s own
    /// indices, or those `textStarts` gives); returns the decoded count, and whether another round may decode more
    /// (this one decoded something, and left a `%` or `\` that may start an escape now: `%2541`, `%%34%31`).
    private static func decodeRound(
        _ text: UnsafePointer<UInt8>,
        _ range: Range<Int>,
        from textStarts: UnsafeMutablePointer<Int>?,
        into out: UnsafeMutablePointer<UInt8>,
        _ outStarts: UnsafeMutablePointer<Int>,
        plusIsBlank: Bool = false
    ) -> (count: Int, again: Bool) {
        var i = range.lowerBound
        var n = 0
        let end = range.upperBound
        var decodedAny = false
        var escapeByte = false
        // A `+` that starts the text before a digit is a phone number's, not a blank.
        if plusIsBlank, end - i > 1, text[i] == UInt8(ascii: "+"), text[i + 1] &- 0x30 < 10 {
            outStarts[0] = textStarts.map { $0[i] } ?? i
            out[0] = UInt8(ascii: "+")
            i += 1
            n = 1
        }
        while i < end {
            outStarts[n] = textStarts.map { $0[i] } ?? i
            let c = text[i]
            // Most bytes are neither `%` nor `\`: one compare each, then copied (a `+` as a blank in a form value).
            guard c == UInt8(ascii: "%") || c == UInt8(ascii: "\\") else {
                out[n] = plusIsBlank && c == UInt8(ascii: "+") ? 0x20 : c
                i += 1
                n += 1
                continue
            }
            if let (byte, length) = escape(text, i, end) {
                out[n] = byte
                decodedAny = true
                escapeByte = escapeByte || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "\\")
                i += length
            } else {
                // A `%` or `\` that escapes nothing (yet: `%%34%31` is `%41` after one round).
                out[n] = c
                escapeByte = true
                i += 1
            }
            n += 1
        }
        return (n, decodedAny && escapeByte)
    }
}

@available(*, unavailable)
extension PercentDecoding: Sendable {}
