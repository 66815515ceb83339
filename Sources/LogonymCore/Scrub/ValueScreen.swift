/// The cheap questions the URL walk asks before the detectors: can a value hold anything at all, is it a nested URL,
/// query or JSON, does a path segment announce a token or a version.
enum ValueScreen {
    /// False when no detector can match the raw value: short words and numbers (`page=2`, `utm_source=google`,
    /// `lang=en`), the common case. Errs one way only.
    @inline(__always)
    static func mayHoldPersonalData(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var digits = 0
        var uppercase = 0
        var dots = 0
        for i in range {
            let c = b[i]
            if c &- 0x30 < 10 {
                digits &+= 1
            } else if c &- 0x41 < 26 {
                uppercase &+= 1
            } else if c == UInt8(ascii: ".") {
                dots &+= 1
            } else if triggers[Int(c)] {
                // `%` (anything may be encoded), `+` (a blank or a phone's plus), `@`, `:`, `=`, `?`, `{`, `[`.
                return true
            }
        }
        // Cards, phones, national ids and IBANs have six digits or more, an IPv4 address four and three dots;
        // encoded e-mail addresses and tokens are long and mix digits or capitals in.
        return digits >= PlainURLScreen.detectorDigits || (dots >= 3 && digits >= 4)
            || (range.count >= 12 && (digits > 0 || uppercase >= 2)) || range.count >= 19
    }

    private static let triggers: [Bool] = (0..<256).map { c in
        "%+@:=?{[ ".utf8.contains(UInt8(c))
    }
}

/// A value that is itself a URL, a query or JSON, walked rather than replaced whole.
enum NestedValue {
    case url, query, json

    static func kind(_ v: UnsafeBufferPointer<UInt8>) -> NestedValue? {
        guard let first = v.first(where: { $0 != 0x20 }) else { return nil }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "["), v.contains(UInt8(ascii: "\"")) { return .json }
        if v[0] == UInt8(ascii: "/") || Scrubber.schemeEnd(v, 0..<v.count) != nil { return .url }
        // `name=value` somewhere; base64's trailing `=` is padding, not a pair.
        var i = 1
        while i + 1 < v.count {
            if v[i] == UInt8(ascii: "="), v[i + 1] != UInt8(ascii: "="),
                ValueDetectors.isAlnum(v[i - 1])
                    || v[i - 1] == UInt8(ascii: "_") || v[i - 1] == UInt8(ascii: "]")
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
        var start = path.lowerBound
        for i in path.lowerBound...path.upperBound where i == path.upperBound || b[i] == UInt8(ascii: "/") {
            if i - start >= 3, oneTimeLinkWords.contains(foldedHash(b, start..<i)) { return true }
            start = i + 1
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

    /// FNV-1a of the folded bytes (letters lower-cased, digits and bytes over 127 kept, the rest dropped, trailing
    /// digits dropped unless that leaves nothing); 0 for segments too long to be one of the words.
    static func foldedHash(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        guard range.count <= 24 else { return 0 }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var beforeDigits: UInt64? = nil
        var kept = false
        for i in range {
            var c = b[i]
            if c &- 0x41 < 26 { c |= 0x20 }
            let isDigit = c &- 0x30 < 10
            guard isDigit || c &- 0x61 < 26 || c >= 0x80 else { continue }
            if isDigit {
                if beforeDigits == nil && kept { beforeDigits = hash }
            } else {
                beforeDigits = nil
            }
            hash = (hash ^ UInt64(c)) &* 0x0000_0100_0000_01B3
            kept = true
        }
        return beforeDigits ?? hash
    }

    private static func hashes(_ words: [String]) -> Set<UInt64> {
        Set(words.map { word in Array(word.utf8).withUnsafeBufferPointer { foldedHash($0, 0..<$0.count) } })
    }

    private static let tokenWords = hashes([
        "s", "session", "sessions", "sid", "reset", "resetpassword", "passwordreset", "password", "token", "tokens",
        "magic", "magiclink", "login", "verify", "verification", "confirm", "confirmation", "activate", "activation",
        "invite", "invitation", "unsubscribe", "optout", "auth", "signin", "recover", "recovery", "otp", "onetime",
    ])
    private static let oneTimeLinkWords = hashes([
        "reset", "resetpassword", "passwordreset", "magic", "magiclink", "verify", "verification", "confirm",
        "confirmation", "activate", "activation", "invite", "invitation", "unsubscribe", "optout", "recover",
        "recovery", "onetime", "otp",
    ])
    private static let versionWords = hashes([
        "download", "downloads", "release", "releases", "version", "versions", "v", "dist", "pub", "files",
    ])
    private static let versionNames = hashes(["v", "ver", "version", "rev", "build", "appversion", "release"])
}
