import Glibc

/// What each byte is to the scrub stage's screens and detectors, one table lookup per byte.
enum ByteClass {
    static let digit: UInt16 = 1
    static let capital: UInt16 = 2
    static let dot: UInt16 = 4
    static let letter: UInt16 = 8
    /// `%+@:=?{[` and a blank: the value may be encoded, a phone, an e-mail, nested or JSON.
    static let trigger: UInt16 = 16
    /// Where a detector's token ends (``ValueDetectors/detect(_:_:versionPosition:)``).
    static let separator: UInt16 = 32
    /// A token's alphabet: letters, digits and `-._~+/=`.
    static let tokenCharacter: UInt16 = 64
    static let at: UInt16 = 128
    /// `%`, `+` or `\`: decoding changes the value (`%40`, a blank, `\u0040`).
    static let escape: UInt16 = 256
    static let quote: UInt16 = 512
    static let colon: UInt16 = 1024
    static let equals: UInt16 = 2048
    static let blankOrDash: UInt16 = 4096
    /// Neither a letter, a digit, `-` nor `_`.
    static let punctuation: UInt16 = 8192

    /// The classes of each byte (raw memory: no bounds check per byte on the hot path). Written once, at first use,
    /// then only read.
    nonisolated(unsafe) static let table: UnsafePointer<UInt16> = {
        let table = UnsafeMutablePointer<UInt16>.allocate(capacity: 256)
        for c in 0..<256 {
            let byte = UInt8(c)
            var classes: UInt16 = 0
            if byte &- 0x30 < 10 { classes |= digit | tokenCharacter }
            if byte &- 0x41 < 26 { classes |= capital | letter | tokenCharacter }
            if byte &- 0x61 < 26 { classes |= letter | tokenCharacter }
            if classes == 0 && byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") { classes |= punctuation }
            if byte == UInt8(ascii: ".") { classes |= dot }
            if "%+@:=?{[ ".utf8.contains(byte) { classes |= trigger }
            if " \t,;()<>\"'|&=/{}".utf8.contains(byte) { classes |= separator }
            if "-._~+/=".utf8.contains(byte) { classes |= tokenCharacter }
            // An at sign, or the start of a fullwidth one or of an HTML entity for it.
            if byte == UInt8(ascii: "@") || byte == 0xEF || byte == UInt8(ascii: "&") { classes |= at }
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "\\") {
                classes |= escape
            }
            if byte == UInt8(ascii: "\"") { classes |= quote }
            if byte == UInt8(ascii: ":") { classes |= colon }
            if byte == UInt8(ascii: "=") { classes |= equals }
            if byte == 0x20 || byte == UInt8(ascii: "-") { classes |= blankOrDash }
            table[c] = classes
        }
        return UnsafePointer(table)
    }()

    /// ``table`` with counts beside the classes, for ``ValueShape``: 1 in bits 0-15 for a digit, 16-31 for a
    /// capital, 32-47 for a dot, and the classes in bits 48-63 (one add and one or per byte).
    nonisolated(unsafe) static let counting: UnsafePointer<UInt64> = {
        let counting = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        for c in 0..<256 {
            let classes = table[c]
            var entry = UInt64(classes) << 48
            if classes & digit != 0 { entry |= 1 }
            if classes & capital != 0 { entry |= 1 << 16 }
            if classes & dot != 0 { entry |= 1 << 32 }
            counting[c] = entry
        }
        return UnsafePointer(counting)
    }()
}

/// What one pass over a value tells the URL walk and the detectors: whether anything at all can match (short words
/// and numbers, `page=2`, `utm_source=google`, `lang=en`, are the common case), whether it may be a nested URL,
/// query or JSON, and which detectors are worth asking. Branch-free per byte: counts, and the union of the bytes'
/// classes.
struct ValueShape {
    let count: Int
    let digits: Int
    let capitals: Int
    let dots: Int
    /// Every ``ByteClass`` some byte has.
    let seen: UInt16

    init(_ v: UnsafeBufferPointer<UInt8>) {
        typealias Chunk = SIMD16<UInt8>
        var digits = 0
        var capitals = 0
        var dots = 0
        var seen: UInt16 = 0
        var i = 0
        if let base = UnsafeRawPointer(v.baseAddress) {
            // 16 bytes at a time while they are letters, digits, `-` and `_` (click ids and tokens, the long
            // values): counted with compares; a chunk with anything else goes byte by byte below.
            while i &+ 16 <= v.count {
                let x = base.loadUnaligned(fromByteOffset: i, as: Chunk.self)
                let digit = (x &- Chunk(repeating: 0x30)) .< Chunk(repeating: 10)
                let capital = (x &- Chunk(repeating: 0x41)) .< Chunk(repeating: 26)
                let lower = (x &- Chunk(repeating: 0x61)) .< Chunk(repeating: 26)
                let dash = x .== Chunk(repeating: UInt8(ascii: "-"))
                let plain = digit .| capital .| lower .| dash .| (x .== Chunk(repeating: UInt8(ascii: "_")))
                guard all(plain) else { break }
                let digitCount = Self.lanes(digit)
                let capitalCount = Self.lanes(capital)
                digits &+= digitCount
                capitals &+= capitalCount
                seen |= ByteClass.tokenCharacter
                if digitCount > 0 { seen |= ByteClass.digit }
                if capitalCount > 0 { seen |= ByteClass.capital | ByteClass.letter }
                if any(lower) { seen |= ByteClass.letter }
                if any(dash) { seen |= ByteClass.blankOrDash }
                i &+= 16
            }
        }
        let counting = ByteClass.counting
        var counts: UInt64 = 0
        var classes: UInt64 = 0
        while i < v.count {
            let entry = counting[Int(v[i])]
            counts &+= entry & 0x0000_FFFF_FFFF_FFFF
            classes |= entry
            i &+= 1
        }
        digits &+= Int(counts & 0xFFFF)
        capitals &+= Int((counts >> 16) & 0xFFFF)
        dots &+= Int((counts >> 32) & 0xFFFF)
        seen |= UInt16(classes >> 48)
        count = v.count
        self.digits = digits
        self.capitals = capitals
        self.dots = dots
        self.seen = seen
    }

    @inline(__always)
    func has(_ classes: UInt16) -> Bool { seen & classes != 0 }

    /// How many lanes of a compare are true.
    @inline(__always)
    private static func lanes(_ mask: SIMDMask<SIMD16<Int8>>) -> Int {
        let words = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
        return (words[0].nonzeroBitCount &+ words[1].nonzeroBitCount) >> 3
    }

    /// False when no detector can match: cards, phones, national ids and IBANs have six digits or more, an IPv4
    /// address four and three dots; encoded e-mail addresses and tokens are long and mix digits or capitals in; `%`
    /// (anything may be encoded), `+` (a blank or a phone's plus), `@`, `:`, `=`, `?`, `{`, `[` and blanks may start
    /// anything. Errs one way only.
    var mayHoldPersonalData: Bool {
        has(ByteClass.trigger) || digits >= PlainURLScreen.detectorDigits || (dots >= 3 && digits >= 4)
            || (count >= 12 && (digits > 0 || capitals >= 2)) || count >= 19
    }
}

/// A value that is itself a URL, a query or JSON, walked rather than replaced whole.
enum NestedValue {
    case url, query, json

    static func kind(_ v: UnsafeBufferPointer<UInt8>, _ shape: ValueShape) -> NestedValue? {
        guard !v.isEmpty else { return nil }
        if shape.has(ByteClass.quote), let first = v.first(where: { $0 != 0x20 }),
            first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
        {
            return .json
        }
        if v[0] == UInt8(ascii: "/") { return .url }
        if shape.has(ByteClass.colon), Scrubber.schemeEnd(v, 0..<v.count) != nil { return .url }
        guard shape.has(ByteClass.equals) else { return nil }
        // `name=value` somewhere; base64's trailing `=` is padding, not a pair.
        var i = 1
        while i + 1 < v.count {
            if v[i] == UInt8(ascii: "="), v[i + 1] != UInt8(ascii: "="),
                ValueDetectors.isAlnum(v[i - 1]) || v[i - 1] == UInt8(ascii: "_") || v[i - 1] == UInt8(ascii: "]")
            {
                return .query
            }
            i += 1
        }
        return nil
    }
}

/// Path segments that say what the next one is, and parameter names that say a version follows. Words are compared
/// by a hash of their folded form (``NameRules/fold(_:_:)``), so nothing is allocated per segment.
enum PathTokens {
    /// `/s/`, `/session/`, `/reset/`, `/token/`, `/magic/`, `/verify/`, ...: a token-shaped segment after one of
    /// these is a session id or a one-time link.
    static func announcesToken(_ b: UnsafeBufferPointer<UInt8>, _ segment: Range<Int>) -> Bool {
        tokenWords.contains(foldedHash(b, segment))
    }

    /// Whether a path has a segment of a one-time link (`/reset/`, `/magic/`, `/verify/`, `/unsubscribe/`, ...):
    /// its query's token-shaped values are the link's secret, whatever their names.
    static func announcesOneTimeLink(_ b: UnsafeBufferPointer<UInt8>, _ path: Range<Int>) -> Bool {
        guard !path.isEmpty else { return false }
        let base = UnsafeRawPointer(b.baseAddress!)
        var start = path.lowerBound
        while start < path.upperBound {
            let slash = memchr(base + start, 0x2F, path.upperBound - start)
            let end = slash.map { base.distance(to: UnsafeRawPointer($0)) } ?? path.upperBound
            // The words have 3 to 13 letters (`resetpassword`); slugs are longer. They start with one of
            // `acimoprsuv`.
            if end - start >= 3, end - start <= 16, oneTimeLinkInitials[Int(b[start] | 0x20) & 0x7F],
                oneTimeLinkWords.contains(foldedHash(b, start..<end))
            {
                return true
            }
            start = end + 1
        }
        return false
    }

    /// `/downloads/`, `/releases/`, `/v/`: a dotted quad after one of these is a version.
    static func announcesVersion(_ b: UnsafeBufferPointer<UInt8>, _ segment: Range<Int>) -> Bool {
        versionWords.contains(foldedHash(b, segment))
    }

    /// `v`, `ver`, `version`, `rev`, `build`: a dotted quad in such a parameter is a version.
    static func namesVersion(_ b: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
        versionNames.contains(foldedHash(b, name))
    }

    /// An ASP.NET cookieless session segment: `(S(lit3py55t21z5v55vlm25s55))`, also `(A(...))` and `(F(...))`.
    static func isCookielessSession(_ b: UnsafeBufferPointer<UInt8>, _ segment: Range<Int>) -> Bool {
        guard segment.count >= 8 else { return false }
        let s = segment.lowerBound
        return b[s] == UInt8(ascii: "(") && b[s + 2] == UInt8(ascii: "(") && (b[s + 1] | 0x20) &- 0x61 < 26
            && b[segment.upperBound - 1] == UInt8(ascii: ")")
    }

    /// FNV-1a of the bytes as ``NameRules/fold(_:_:)`` folds them; 0 for segments too long to be one of the words.
    static func foldedHash(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        guard range.count <= 24 else { return 0 }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        NameRules.forEachFoldedByte(b, range) { hash = (hash ^ UInt64($0)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    private static func hashes(_ words: [String]) -> WordHashes {
        WordHashes(words.map { word in Array(word.utf8).withUnsafeBufferPointer { foldedHash($0, 0..<$0.count) } })
    }

    private static let tokenWords = hashes([
        "s", "session", "sessions", "sid", "reset", "resetpassword", "passwordreset", "password", "token", "tokens",
        "magic", "magiclink", "magiclogin", "login", "verify", "verifyemail", "verification", "confirm",
        "confirmemail", "confirmation", "activate", "activation", "invite", "invitation", "unsubscribe", "optout",
        "auth", "signin", "recover", "recovery", "otp", "onetime",
    ])
    private static let oneTimeLinkWords = hashes([
        "reset", "resetpassword", "passwordreset", "magic", "magiclink", "magiclogin", "verify", "verifyemail",
        "verification", "confirm", "confirmemail", "confirmation", "activate", "activation", "invite", "invitation",
        "unsubscribe", "optout", "recover", "recovery", "onetime", "otp",
    ])
    private static let oneTimeLinkInitials: [Bool] = (0..<128).map { "acimoprsuv".utf8.contains(UInt8($0)) }
    private static let versionWords = hashes([
        "download", "downloads", "release", "releases", "version", "versions", "v", "dist", "pub", "files",
    ])
    private static let versionNames = hashes(["v", "ver", "version", "rev", "build", "appversion", "release"])
}

/// A few dozen word hashes, looked up without hashing again: a 64-bit filter by the low bits, then a scan.
struct WordHashes: Sendable {
    private let filter: UInt64
    private let hashes: [UInt64]

    init(_ hashes: [UInt64]) {
        self.hashes = hashes
        filter = hashes.reduce(0) { $0 | 1 << ($1 & 63) }
    }

    @inline(__always)
    func contains(_ hash: UInt64) -> Bool {
        filter & 1 << (hash & 63) != 0 && hashes.contains(hash)
    }
}
