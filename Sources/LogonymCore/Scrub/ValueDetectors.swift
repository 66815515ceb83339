/// What the scrub stage found in a value; counted as `detector:NAME` (the raw values are the scrubber's counter
/// ids).
enum Detector: Int, CaseIterable {
    case email, ip, card, iban, jwt, bearer, userinfo, longValue, phone, nationalID, linkToken, deepNesting, secret

    var name: String {
        switch self {
        case .longValue: "long_value"
        case .nationalID: "national_id"
        case .linkToken: "link_token"
        case .deepNesting: "deep_nesting"
        default: String(describing: self)
        }
    }
}

/// Detectors for personal data in a decoded URL value or path segment. Most match whole tokens (split at blanks and
/// punctuation that cannot be inside them), so `1.2.3.4.tar.gz` is not an address and `SomeBot/1.2.3.4`'s version
/// is not one either; e-mail addresses and phone numbers are found anywhere in the value.
enum ValueDetectors {
    /// The first detector that matches `v`, if any. `versionPosition`: the value stands where versions stand
    /// (`v=`, `ver=`, `/downloads/...`), so a dotted quad is taken for a version here; the address stage still
    /// pseudonymizes it if it is a valid address (fail closed), it is just not replaced whole.
    static func detect(
        _ v: UnsafeBufferPointer<UInt8>,
        _ shape: ValueShape,
        versionPosition: Bool = false
    ) -> Detector? {
        // The shape rules out most detectors: each needs `@`, digits, a separator or some length. A click id or
        // token (letters, digits, `-`, `_`) is one token and needs no phone or e-mail search.
        guard !v.isEmpty else { return nil }
        let digits = shape.digits
        let blankOrDash = shape.has(ByteClass.blankOrDash)
        if (v[0] | 0x20) == UInt8(ascii: "b"), isBearer(v) { return .bearer }
        if shape.has(ByteClass.at) && EmailAddresses.contains(v) { return .email }
        // Cards, IBANs and national ids are often written in groups: the value without blanks and dashes.
        if digits >= 10 && blankOrDash && v.count <= 44 {
            let found: Detector? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: v.count) { scratch in
                var n = 0
                for c in v where c != 0x20 && c != UInt8(ascii: "-") {
                    scratch[n] = c
                    n += 1
                }
                let compact = UnsafeBufferPointer(rebasing: scratch[0..<n])
                if PaymentNumbers.isCard(compact) { return .card }
                if PaymentNumbers.isIBAN(compact) { return .iban }
                return nil
            }
            if let found { return found }
        }
        // A phone needs separators or a `+`, `00` or `tel:` before it; a token of letters, digits and dashes has
        // none of those (`06-12345678` has no letter).
        let doubleZero = v.count >= 12 && v[0] == UInt8(ascii: "0") && v[1] == UInt8(ascii: "0")
        let token = shape.has(ByteClass.letter) && !shape.has(ByteClass.punctuation)
        if digits >= 6 && !token && (shape.has(ByteClass.punctuation | ByteClass.blankOrDash) || doubleZero) {
            if NationalIdentifiers.matchesSpaced(v) { return .nationalID }
            // Phones have 8 digits or more; a `tel:` link 6.
            if (digits >= 8 || shape.has(ByteClass.colon)) && PhoneNumbers.contains(v) { return .phone }
        }
        guard digits > 0 || v.count >= 12 else { return nil }
        guard shape.has(ByteClass.separator) else { return detectToken(v, shape.seen, versionPosition) }
        let table = ByteClass.table
        var tokenStart = 0
        var classes: UInt16 = 0
        for i in 0...v.count {
            let byteClasses = i < v.count ? table[Int(v[i])] : ByteClass.separator
            guard byteClasses & ByteClass.separator != 0 else {
                classes |= byteClasses
                continue
            }
            if i > tokenStart,
                let found = detectToken(UnsafeBufferPointer(rebasing: v[tokenStart..<i]), classes, versionPosition)
            {
                return found
            }
            tokenStart = i + 1
            classes = 0
        }
        return nil
    }

    /// The detectors of one token whose bytes have `classes` (``ByteClass``), asked only when the token has what they
    /// need: cards, IBANs and national ids have digits; a JWT, an IBAN's country, an encoded e-mail (base64 of text
    /// always has letters, hex of an address has the `e` of its dot's `2e`) and a secret's prefix have letters; an
    /// address has a dot or a colon, and digits or a colon.
    static func detectToken(_ t: UnsafeBufferPointer<UInt8>, _ classes: UInt16, _ versionPosition: Bool) -> Detector? {
        guard t.count >= 3 else { return nil }
        let letters = classes & ByteClass.letter != 0
        let digits = classes & ByteClass.digit != 0
        if letters && t[0] == UInt8(ascii: "e"), isJWT(t) { return .jwt }
        if classes & (ByteClass.dot | ByteClass.colon) != 0, digits || classes & ByteClass.colon != 0,
            isAddress(t) && !(versionPosition && isDottedQuad(t))
        {
            return .ip
        }
        if digits {
            if !letters && (13...19).contains(t.count) && PaymentNumbers.isCard(t) { return .card }
            if letters && (15...34).contains(t.count) && PaymentNumbers.isIBAN(t) { return .iban }
            if NationalIdentifiers.matchesToken(t) { return .nationalID }
        }
        guard letters else { return nil }
        if t.count >= 12 && holdsEncodedEmail(t) { return .email }
        if t.count >= 16 && SecretPrefixes.matches(t) { return .secret }
        return nil
    }

    /// `Bearer` (any case), blanks, and a token (``isTokenShaped(_:)``): not `bearer token a` in a search.
    static func isBearer(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        guard v.count >= 19 else { return false }
        let bearer: StaticString = "bearer"
        for k in 0..<6 where v[k] | 0x20 != bearer.utf8Start[k] { return false }
        var i = 6
        while i < v.count && v[i] == 0x20 { i += 1 }
        return i > 6 && isTokenShaped(UnsafeBufferPointer(rebasing: v[i...]))
    }

    /// A secret's shape: at least 12 characters of a token's alphabet (letters, digits, `-._~+/=`) with letters and
    /// digits, or at least 24 of them; not a slug (``isSlug(_:)``).
    static func isTokenShaped(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        guard v.count >= 12 else { return false }
        let table = ByteClass.table
        var all: UInt16 = 0
        for c in v {
            let classes = table[Int(c)]
            guard classes & ByteClass.tokenCharacter != 0 else { return false }
            all |= classes
        }
        guard !isSlug(v) else { return false }
        return (all & ByteClass.letter != 0 && all & ByteClass.digit != 0) || v.count >= 24
    }

    /// Words and numbers joined by `-` or `_` (`2024-update-recipe-best-how`, `thank-you`): each part all letters
    /// or all digits. A token's parts mix them (`c6ko9k-1749c6ad9d38cb48`, a UUID).
    static func isSlug(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        var joined = false
        var letters = false
        var digits = false
        for c in v {
            if c == UInt8(ascii: "-") || c == UInt8(ascii: "_") {
                joined = true
                letters = false
                digits = false
            } else if c &- 0x30 < 10 {
                digits = true
            } else {
                letters = true
            }
            if letters && digits { return false }
        }
        return joined
    }

    /// Three base64url parts, the first a JSON header (`eyJ`).
    static func isJWT(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count >= 20, t[0] == UInt8(ascii: "e"), t[1] == UInt8(ascii: "y"), t[2] == UInt8(ascii: "J") else {
            return false
        }
        var dots = 0
        for c in t {
            if c == UInt8(ascii: ".") {
                dots += 1
            } else if !(isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")) {
                return false
            }
        }
        return dots == 2
    }

    /// Exactly one IPv4 or IPv6 address (with brackets, a port or a zone, as in a log's client field).
    static func isAddress(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        // Only what an address with brackets, port or zone can hold, with a dot or a colon.
        var separated = false
        for c in t {
            if c == UInt8(ascii: ".") || c == UInt8(ascii: ":") {
                separated = true
            } else if !(c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 6 || c == UInt8(ascii: "[") || c == UInt8(ascii: "]")
                || c == UInt8(ascii: "%"))
            {
                return false
            }
        }
        guard separated, let field = AddressField.parse(t, from: 0, to: t.count) else { return false }
        return field.range == 0..<t.count || t[field.range.upperBound] == UInt8(ascii: ":")
            || t[field.range.upperBound] == UInt8(ascii: "]")
    }

    /// Four dot-separated runs of digits and nothing else (`4.9.0.85`).
    static func isDottedQuad(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var dots = 0
        for c in t {
            if c == UInt8(ascii: ".") { dots += 1 } else if c &- 0x30 >= 10 { return false }
        }
        return dots == 3
    }

    /// A base64, base64url or hex token (at least 12 characters) whose decoded bytes hold an e-mail address
    /// (`am9obkBleGFtcGxlLmNvbQ==`, a JSON object in base64). Decoding stops at the first byte that is not printable
    /// text, so a random token costs a few bytes.
    static func holdsEncodedEmail(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count >= 12 else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: t.count) { scratch in
            if t.count % 2 == 0, let n = Hex.decodeText(t, into: scratch),
                EmailAddresses.contains(UnsafeBufferPointer(rebasing: scratch[0..<n]))
            {
                return true
            }
            guard let n = Base64.decodeText(t, into: scratch),
                scratch[0..<n].contains(where: { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "\\") })
            else { return false }
            // JSON escapes (`ann\u0040example.com`) are undone in place.
            let text = PercentDecoding.unescapeBackslashes(UnsafeMutableBufferPointer(rebasing: scratch[0..<n]))
            return EmailAddresses.contains(UnsafeBufferPointer(rebasing: scratch[0..<text]))
        }
    }

    /// Printable ASCII, UTF-8 bytes or a tab or line end: what text decodes to (random bytes soon are not).
    @inline(__always)
    static func isText(_ c: UInt8) -> Bool { c &- 0x20 < 0x5F || c >= 0x80 || c == 0x09 || c == 0x0A || c == 0x0D }

    static func isAlnum(_ c: UInt8) -> Bool {
        c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 26
    }
}

/// E-mail addresses anywhere in a value: `local@domain.tld` where the top-level domain is a real one
/// (``TopLevelDomains``), so `pencil@2x.jpg` is a file name; `mailto:`, `from:`, brackets or braces before it and a
/// dot after it change nothing, and the at sign may be fullwidth or an HTML entity.
enum EmailAddresses {
    static func contains(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        guard v.count >= 6 else { return false }
        for i in 0..<v.count {
            let width = atSign(v, i)
            if width > 0 && matches(v, localEnd: i, domainStart: i + width) { return true }
        }
        return false
    }

    /// The length of an at sign at `i`: `@`, the fullwidth `＠`, or an HTML entity for it (`&#64;`, `&#x40;`,
    /// `&commat;`); 0 for anything else.
    @inline(__always)
    private static func atSign(_ v: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        switch v[i] {
        case UInt8(ascii: "@"): return 1
        case 0xEF: return i + 2 < v.count && v[i + 1] == 0xBC && v[i + 2] == 0xA0 ? 3 : 0
        case UInt8(ascii: "&"):
            for entity in entities where v.count - i >= entity.count {
                var k = 0
                while k < entity.count && (v[i + k] | 0x20) == entity[k] { k += 1 }
                if k == entity.count { return k }
            }
            return 0
        default: return 0
        }
    }

    private static let entities: [[UInt8]] = ["&#64;", "&#x40;", "&commat;"].map { Array($0.utf8) }

    private static func isLocal(_ c: UInt8) -> Bool {
        ValueDetectors.isAlnum(c) || ".!#$%*+-=?^_`{}~".utf8.contains(c)
    }

    /// Letters, digits, dots, dashes, and UTF-8 bytes (an internationalized domain: `bücher.de`).
    private static func isDomain(_ c: UInt8) -> Bool {
        ValueDetectors.isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c >= 0x80
    }

    private static func matches(_ v: UnsafeBufferPointer<UInt8>, localEnd: Int, domainStart: Int) -> Bool {
        guard localEnd > 0, isLocal(v[localEnd - 1]), domainStart < v.count else { return false }
        var end = domainStart
        while end < v.count && isDomain(v[end]) { end += 1 }
        // A sentence's full stop, a dash after it.
        while end > domainStart && (v[end - 1] == UInt8(ascii: ".") || v[end - 1] == UInt8(ascii: "-")) { end -= 1 }
        guard end > domainStart + 2, ValueDetectors.isAlnum(v[domainStart]) else { return false }
        var dot = end - 1
        while dot > domainStart && v[dot] != UInt8(ascii: ".") { dot -= 1 }
        guard v[dot] == UInt8(ascii: "."), end - dot - 1 >= 2 else { return false }
        let tld = UnsafeBufferPointer(rebasing: v[(dot + 1)..<end])
        guard tld.allSatisfy({ ValueDetectors.isAlnum($0) || $0 == UInt8(ascii: "-") }) else { return false }
        return TopLevelDomains.contains(tld)
    }
}

/// Base64 and base64url decoding for detectors (padding optional), of text only.
enum Base64 {
    static let values: [Int8] = (0..<256).map { c -> Int8 in
        switch UInt8(c) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int8(c - 65)
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int8(c - 97 + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int8(c - 48 + 52)
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: -1
        }
    }

    /// Decodes `t` into `out` (at least `t.count` bytes); the decoded count, or nil when `t` is not base64 or
    /// decodes to something other than text (``ValueDetectors/isText(_:)``).
    static func decodeText(_ t: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        var end = t.count
        while end > 0 && t[end - 1] == UInt8(ascii: "=") { end -= 1 }
        guard t.count - end <= 2, end % 4 != 1 else { return nil }
        var n = 0
        var accumulator: UInt32 = 0
        var bits = 0
        for k in 0..<end {
            let value = values[Int(t[k])]
            guard value >= 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                let byte = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                // Text starts with ASCII (an address, JSON): a random token fails within a few bytes.
                guard n == 0 ? byte &- 0x20 < 0x5F : ValueDetectors.isText(byte) else { return nil }
                out[n] = byte
                n += 1
            }
        }
        return n
    }
}

/// Hex decoding for detectors, of text only.
enum Hex {
    /// Like ``Base64/decodeText(_:into:)`` for an even number of hex digits.
    static func decodeText(_ t: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        var n = 0
        var at = false
        var k = 0
        while k + 1 < t.count {
            guard let high = IPAddress.hexValue(t[k]), let low = IPAddress.hexValue(t[k + 1]) else { return nil }
            let byte = high << 4 | low
            guard ValueDetectors.isText(byte) else { return nil }
            at = at || byte == UInt8(ascii: "@")
            out[n] = byte
            n += 1
            k += 2
        }
        return at ? n : nil
    }
}

/// Secrets that announce themselves by a prefix (Stripe, Slack, GitHub, GitLab, AWS, Google API keys): in a path
/// segment or a value, whatever the parameter's name.
enum SecretPrefixes {
    static let prefixes: [[UInt8]] = [
        "sk_live_", "rk_live_", "cs_live_", "sk_test_", "rk_test_", "cs_test_", "whsec_", "xoxb-", "xoxp-", "xoxa-",
        "xoxs-", "ghp_", "gho_", "ghu_", "ghs_", "github_pat_", "glpat-", "AKIA", "ASIA", "AIza",
    ].map { Array($0.utf8) }

    static func matches(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        // Every prefix starts with one of these letters.
        switch t[0] {
        case UInt8(ascii: "s"), UInt8(ascii: "r"), UInt8(ascii: "c"), UInt8(ascii: "w"), UInt8(ascii: "x"),
            UInt8(ascii: "g"), UInt8(ascii: "A"):
            break
        default: return false
        }
        for prefix in prefixes where t.count > prefix.count + 8 && t[0] == prefix[0] {
            if t.starts(with: prefix) { return true }
        }
        return false
    }
}
