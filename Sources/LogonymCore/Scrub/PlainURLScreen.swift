/// The scrub stage's fast path: decides, 16 bytes at a time, that a URL holds nothing the stage could change.
///
/// A URL is plain when it has no `?`, `#`, `;`, `@`, `%`, `\` or `(` (no parameters, fragment, userinfo, encoded or
/// escaped bytes, or ASP.NET cookieless session), no `eyJ` (a JWT's start), and its digits, dots, colons and capitals,
/// counted over the whole URL, are too few for any detector: fewer than eight digits (fewer than six with a colon), not three dots with four digits (IPv4), fewer than two colons (IPv6), not two
/// capitals and a digit in 16 bytes or more (a base64 token's mix). The counts are over the whole URL, so this errs one
/// way only: a URL it calls plain has no segment a detector could match (``SegmentCounts`` asks the same of each
/// segment), and no address either; one it does not is looked at segment by segment.
enum PlainURLScreen {
    typealias Chunk = SIMD16<UInt8>

    /// The fewest digits of a `tel:` link; other detectors' matches in a path hold eight or more (a DNI; phone
    /// numbers, national ids, cards and IBANs; hex session ids: a 40-hex id holds 25 on average). A UK NINO (six) in
    /// a path of fewer than eight digits is let through (a known limit); a path token with fewer must mix capitals in
    /// to be one (``Scrubber/isPathToken(_:_:)``), so that this screen and the walk agree.
    static let detectorDigits = 6

    /// What the screen found.
    enum Verdict {
        /// Nothing to change.
        case plain
        /// A parameter, fragment, userinfo, encoded byte or JWT start: the URL must be taken apart.
        case special
        /// Enough digits, dots or colons over the whole URL that some segment might hold a detector's match.
        case numerous
    }

    /// Screens the bytes `start..<end`; bytes up to `limit` may be read (they only make the verdict more careful).
    @inline(__always)
    static func screen(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, limit: Int) -> Verdict {
        // Lane counters of UInt8 would wrap after 255 chunks; such long URLs are looked at segment by segment.
        guard end &- start <= 255 &* 16 else { return .numerous }
        var digits = Chunk()
        var dots = Chunk()
        var colons = Chunk()
        var capitals = Chunk()
        let lanes = Chunk(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        var i = start
        while i < end {
            // Each chunk reads two bytes past itself (for `eyJ` across chunks); near the buffer's end the careful
            // path takes over.
            guard i &+ 18 <= limit else { return .numerous }
            let raw = UnsafeRawPointer(base + i)
            var v = raw.loadUnaligned(as: Chunk.self)
            let remaining = end &- i
            if remaining < 16 {
                // Bytes past the end count as blanks. (`next` and `third` are not cut: a stray `yJ` after the end
                // only sends the URL down the careful path.)
                let past = lanes .>= Chunk(repeating: UInt8(truncatingIfNeeded: remaining))
                v.replace(with: Chunk(repeating: 0x20), where: past)
            }
            let next = raw.loadUnaligned(fromByteOffset: 1, as: Chunk.self)
            let third = raw.loadUnaligned(fromByteOffset: 2, as: Chunk.self)
            let stop =
                (v .== Chunk(repeating: UInt8(ascii: "?"))) .| (v .== Chunk(repeating: UInt8(ascii: "#")))
                .| (v .== Chunk(repeating: UInt8(ascii: ";"))) .| (v .== Chunk(repeating: UInt8(ascii: "@")))
                .| (v .== Chunk(repeating: UInt8(ascii: "%"))) .| (v .== Chunk(repeating: UInt8(ascii: "\\")))
                .| (v .== Chunk(repeating: UInt8(ascii: "(")))
                .| ((v .== Chunk(repeating: UInt8(ascii: "e"))) .& (next .== Chunk(repeating: UInt8(ascii: "y")))
                    .& (third .== Chunk(repeating: UInt8(ascii: "J"))))
            let stopWords = unsafeBitCast(stop, to: SIMD2<UInt64>.self)
            if stopWords[0] | stopWords[1] != 0 { return .special }
            // A true lane is 0xFF: subtracting it adds one.
            digits &-= unsafeBitCast((v &- Chunk(repeating: 0x30)) .< Chunk(repeating: 10), to: Chunk.self)
            dots &-= unsafeBitCast(v .== Chunk(repeating: UInt8(ascii: ".")), to: Chunk.self)
            colons &-= unsafeBitCast(v .== Chunk(repeating: UInt8(ascii: ":")), to: Chunk.self)
            capitals &-= unsafeBitCast((v &- Chunk(repeating: 0x41)) .< Chunk(repeating: 26), to: Chunk.self)
            i &+= 16
        }
        let digitCount = sum(digits)
        let dotCount = sum(dots)
        // A token in a path (`/magic/YLA5ggKutSU1uHMeTUNK86REeqSA6uCW`) mixes capitals and digits, or has six
        // digits (`/s/5a41e7f68997b19ba1a83c3343354192d1a0c168/`).
        let tokenLike = end &- start >= 16 && digitCount >= 1 && sum(capitals) >= 2
        // Eight digits (a DNI, phones in groups, SSNs, cards...), or six with a colon (`tel:`); an asset's fingerprint
        // (`app.75801e99.css`) has fewer.
        let colonCount = sum(colons)
        let manyDigits = digitCount >= 8 || (digitCount >= detectorDigits && colonCount >= 1)
        let numerous = manyDigits || (dotCount >= 3 && digitCount >= 4) || colonCount >= 2 || tokenLike
        return numerous ? .numerous : .plain
    }

    /// The index of the first `&`, `;` or `#` in `start..<end` (a query's pair boundaries), or `end`; 16 bytes a
    /// step, so a blob of kilobytes in one value costs little.
    @inline(__always)
    static func nextPairEnd(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i &+ 16 <= end {
            let v = UnsafeRawPointer(base + i).loadUnaligned(as: Chunk.self)
            let hit =
                (v .== Chunk(repeating: UInt8(ascii: "&"))) .| (v .== Chunk(repeating: UInt8(ascii: ";")))
                .| (v .== Chunk(repeating: UInt8(ascii: "#")))
            let words = unsafeBitCast(hit, to: SIMD2<UInt64>.self)
            if words[0] != 0 { return i &+ words[0].trailingZeroBitCount >> 3 }
            if words[1] != 0 { return i &+ 8 &+ words[1].trailingZeroBitCount >> 3 }
            i &+= 16
        }
        while i < end {
            let c = base[i]
            if c == UInt8(ascii: "&") || c == UInt8(ascii: ";") || c == UInt8(ascii: "#") { return i }
            i &+= 1
        }
        return end
    }

    /// The index of the first `?` or `#` in `start..<end` (where a URL's path ends), or `end`; 16 bytes a step.
    @inline(__always)
    static func pathEnd(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i &+ 16 <= end {
            let v = UnsafeRawPointer(base + i).loadUnaligned(as: Chunk.self)
            let hit = (v .== Chunk(repeating: UInt8(ascii: "?"))) .| (v .== Chunk(repeating: UInt8(ascii: "#")))
            let words = unsafeBitCast(hit, to: SIMD2<UInt64>.self)
            if words[0] != 0 { return i &+ words[0].trailingZeroBitCount >> 3 }
            if words[1] != 0 { return i &+ 8 &+ words[1].trailingZeroBitCount >> 3 }
            i &+= 16
        }
        while i < end && base[i] != UInt8(ascii: "?") && base[i] != UInt8(ascii: "#") { i &+= 1 }
        return i
    }

    /// The sum of the 16 lanes (each at most 255).
    @inline(__always)
    private static func sum(_ lanes: Chunk) -> Int {
        let words = unsafeBitCast(lanes, to: SIMD2<UInt64>.self)
        let evenOdd = (words & 0x00FF_00FF_00FF_00FF) &+ ((words &>> 8) & 0x00FF_00FF_00FF_00FF)
        let pairs = evenOdd[0] &+ evenOdd[1]
        return Int((pairs &* 0x0001_0001_0001_0001) &>> 48)
    }
}
