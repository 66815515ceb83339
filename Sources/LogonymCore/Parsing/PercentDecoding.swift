/// Text with `%XX`, `\xXX` and `\u00XX` decoded and, for each decoded byte, where its encoding starts in the
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

    /// Decodes `%XX`, `\xXX` and `\u00XX` in `range` of `source`, round after round while a round still decodes
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
        var count = Self.decodeRound(source.baseAddress!, range, from: nil, into: bytes, starts)
        if plusIsBlank {
            let leadingPlus = range.count > 1 && source[range.lowerBound] == UInt8(ascii: "+")
                && source[range.lowerBound + 1] &- 0x30 < 10
            for k in (leadingPlus ? 1 : 0)..<count where bytes[k] == UInt8(ascii: "+") && source[starts[k]] == UInt8(ascii: "+") {
                bytes[k] = 0x20
            }
        }
        starts[count] = range.upperBound
        while true {
            var escapes = false
            for k in 0..<count where bytes[k] == UInt8(ascii: "%") || bytes[k] == UInt8(ascii: "\\") {
                escapes = true
                break
            }
            guard escapes else { break }
            let next = Self.decodeRound(bytes, 0..<count, from: starts, into: spareBytes, spareStarts)
            spareStarts[next] = range.upperBound
            swap(&bytes, &spareBytes)
            swap(&starts, &spareStarts)
            if next == count { break }
            count = next
        }
        decoded = UnsafeMutableBufferPointer(start: bytes, count: count)
    }

    /// One round: `text[range]` decoded into `out`, each byte's source index into `outStarts` (`range`'s own
    /// indices, or those `textStarts` gives); returns the decoded count.
    private static func decodeRound(
        _ text: UnsafePointer<UInt8>,
        _ range: Range<Int>,
        from textStarts: UnsafeMutablePointer<Int>?,
        into out: UnsafeMutablePointer<UInt8>,
        _ outStarts: UnsafeMutablePointer<Int>
    ) -> Int {
        var i = range.lowerBound
        var n = 0
        let end = range.upperBound
        while i < end {
            outStarts[n] = textStarts.map { $0[i] } ?? i
            let c = text[i]
            if c == UInt8(ascii: "%"), i + 2 < end, let high = IPAddress.hexValue(text[i + 1]),
                let low = IPAddress.hexValue(text[i + 2])
            {
                out[n] = high << 4 | low
                i += 3
            } else if c == UInt8(ascii: "\\"), i + 3 < end, text[i + 1] | 0x20 == UInt8(ascii: "x"),
                let high = IPAddress.hexValue(text[i + 2]), let low = IPAddress.hexValue(text[i + 3])
            {
                out[n] = high << 4 | low
                i += 4
            } else if c == UInt8(ascii: "\\"), i + 5 < end, text[i + 1] == UInt8(ascii: "u"),
                text[i + 2] == UInt8(ascii: "0"), text[i + 3] == UInt8(ascii: "0"),
                let high = IPAddress.hexValue(text[i + 4]), let low = IPAddress.hexValue(text[i + 5])
            {
                // A JSON escape (`\u002e`) in a line that did not parse as JSON.
                out[n] = high << 4 | low
                i += 6
            } else {
                out[n] = c
                i += 1
            }
            n += 1
        }
        return n
    }
}

@available(*, unavailable)
extension PercentDecoding: Sendable {}
