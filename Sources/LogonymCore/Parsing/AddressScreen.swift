/// Decides, 16 bytes at a time, that text cannot hold an address, so that most fields never reach the scanner.
///
/// An IPv4 address has three dots each between digits, all within a few bytes; an IPv6 address has two colons a
/// few bytes apart. The screen looks for three such dots (`5.0 ... 10.0 ... 537.36` far apart are no address) and
/// two such colons (`https://` alone is none). A backslash (an escape: `\x2E`, `\u002e`) makes the text suspect, and
/// so does a `%XX` that decodes to a byte an address is made of, or to another escape (`%2E`, `%32`, `%25`, `%5C`);
/// one that decodes to anything else (`%2F`, `%20`) is a separator, as in the raw text. It errs one way only: what
/// it passes has no address the ``FallbackScanner`` could find, also after ``PercentDecoding``.
public enum AddressScreen: Sendable {
    typealias Chunk = SIMD16<UInt8>

    /// The most bytes from the digit before an address's first dot to the one before its third (`255.255.255`: 8).
    static let window = 10
    /// The most bytes between two colons of an IPv6 address (four hex digits between them).
    static let colonWindow = 5

    /// Whether `base[start..<end]` may hold an address; bytes up to `limit` may be read (past `end` they only make
    /// the answer more careful).
    @inline(__always)
    public static func mayHoldAddress(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, limit: Int) -> Bool {
        // The positions of the last two colons, and of the last two dots between digits.
        var colons = (older: Int.min / 2, old: Int.min / 2)
        var dots = (older: Int.min / 2, old: Int.min / 2)
        var i = start
        while i < end {
            guard i &+ 18 <= limit else {
                // Near the buffer's end: a byte at a time.
                let c = base[i]
                let n1: UInt8 = i &+ 1 < limit ? base[i &+ 1] : 0
                let n2: UInt8 = i &+ 2 < limit ? base[i &+ 2] : 0
                if c == UInt8(ascii: "\\") || (c == UInt8(ascii: "%") && escapeMatters(n1, n2)) { return true }
                if c == UInt8(ascii: ":") && completes(i, 2, colonWindow, &colons) { return true }
                if c &- 0x30 < 10 && n1 == UInt8(ascii: ".") && n2 &- 0x30 < 10 && completes(i, 3, window, &dots) {
                    return true
                }
                i &+= 1
                continue
            }
            let raw = UnsafeRawPointer(base + i)
            let v = raw.loadUnaligned(as: Chunk.self)
            let n1 = raw.loadUnaligned(fromByteOffset: 1, as: Chunk.self)
            let n2 = raw.loadUnaligned(fromByteOffset: 2, as: Chunk.self)
            let colon = v .== Chunk(repeating: UInt8(ascii: ":"))
            let site =
                ((v &- Chunk(repeating: 0x30)) .< Chunk(repeating: 10)) .& (n1 .== Chunk(repeating: UInt8(ascii: ".")))
                .& ((n2 &- Chunk(repeating: 0x30)) .< Chunk(repeating: 10))
            let backslash = v .== Chunk(repeating: UInt8(ascii: "\\"))
            let percent = v .== Chunk(repeating: UInt8(ascii: "%"))
            // Lanes past the end count as nothing.
            let remaining = end &- i
            let inside =
                remaining >= 16
                ? SIMDMask<SIMD16<Int8>>(repeating: true)
                : Chunk(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
                .< Chunk(repeating: UInt8(truncatingIfNeeded: remaining))
            let backslashWords = unsafeBitCast(backslash .& inside, to: SIMD2<UInt64>.self)
            if backslashWords[0] | backslashWords[1] != 0 { return true }
            if anyLane(percent .& inside, i, { escapeMatters(base[$0 &+ 1], base[$0 &+ 2]) })
                || anyLane(colon .& inside, i, { completes($0, 2, colonWindow, &colons) })
                || anyLane(site .& inside, i, { completes($0, 3, window, &dots) })
            {
                return true
            }
            i &+= 16
        }
        return false
    }

    /// Whether `%` followed by these two bytes decodes to a byte an address is made of, or to another escape.
    @inline(__always)
    static func escapeMatters(_ high: UInt8, _ low: UInt8) -> Bool {
        guard let h = IPAddress.hexValue(high), let l = IPAddress.hexValue(low) else { return false }
        let decoded = h << 4 | l
        return FallbackScanner.isRunByte(decoded) || decoded == UInt8(ascii: "%") || decoded == UInt8(ascii: "\\")
    }

    /// Notes a colon or a dot between digits at `position`: whether it is the `count`th (2 or 3) within `window`
    /// bytes, the ones before it being in `recent`.
    @inline(__always)
    private static func completes(
        _ position: Int,
        _ count: Int,
        _ window: Int,
        _ recent: inout (older: Int, old: Int)
    ) -> Bool {
        if position &- (count == 2 ? recent.old : recent.older) <= window { return true }
        recent = (recent.old, position)
        return false
    }

    /// Whether `test` holds for the position of any marked lane of the chunk at `i`, in order.
    @inline(__always)
    private static func anyLane(_ mask: SIMDMask<SIMD16<Int8>>, _ i: Int, _ test: (Int) -> Bool) -> Bool {
        let words = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
        for half in 0..<2 {
            var word = words[half]
            while word != 0 {
                let lane = word.trailingZeroBitCount >> 3
                if test(i &+ half &* 8 &+ lane) { return true }
                word &= ~(0xFF << UInt64(lane &* 8))
            }
        }
        return false
    }
}
