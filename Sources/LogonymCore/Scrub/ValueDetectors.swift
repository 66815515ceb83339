/// What the scrub stage found in a value; counted as `detector:NAME` (the raw values are the scrubber's counter
/// ids).
enum Detector: Int, CaseIterable {
    case email, ip, card, iban, jwt, bearer, userinfo, longValue

    var name: String { self == .longValue ? "long_value" : String(describing: self) }
}

/// Detectors for personal data in a decoded URL value. Each matches whole tokens (split at blanks and
/// punctuation that cannot be inside them), so `1.2.3.4.tar.gz` is not an address and `SomeBot/1.2.3.4`'s version
/// is not one either.
enum ValueDetectors {
    /// The first detector that matches `value`, if any.
    static func detect(_ value: [UInt8]) -> Detector? {
        if value.count >= 7, lowercasedPrefix(value, "bearer ") { return .bearer }
        // Payment cards and IBANs are often written in groups: look at the value without blanks and dashes (an
        // IBAN has at most 34 characters, in groups of four).
        if value.count >= 13 && value.count <= 44 {
            let compact = value.filter { $0 != 0x20 && $0 != UInt8(ascii: "-") }
            if isCard(compact) { return .card }
            if isIBAN(compact) { return .iban }
        }
        var tokenStart = 0
        for i in 0...value.count {
            if i == value.count || isSeparator(value[i]) {
                if i > tokenStart, let found = detectToken(value[tokenStart..<i]) { return found }
                tokenStart = i + 1
            }
        }
        return nil
    }

    static func isSeparator(_ c: UInt8) -> Bool {
        switch c {
        case 0x20, 0x09, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "|"),
            UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "/"):
            return true
        default: return false
        }
    }

    static func detectToken(_ token: ArraySlice<UInt8>) -> Detector? {
        if isEmail(token) { return .email }
        if isJWT(token) { return .jwt }
        if isAddress(token) { return .ip }
        if (13...19).contains(token.count) && isCard(Array(token)) { return .card }
        if (15...34).contains(token.count) && isIBAN(Array(token)) { return .iban }
        return nil
    }

    static func lowercasedPrefix(_ value: [UInt8], _ prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        guard value.count >= p.count else { return false }
        return zip(value, p).allSatisfy { ($0 | 0x20) == $1 || $0 == $1 }
    }

    /// `local@domain.tld`.
    static func isEmail(_ token: ArraySlice<UInt8>) -> Bool {
        guard let at = token.firstIndex(of: UInt8(ascii: "@")), at > token.startIndex else { return false }
        let domain = token[(at + 1)...]
        guard let dot = domain.lastIndex(of: UInt8(ascii: ".")), dot > domain.startIndex, dot < domain.endIndex - 2
        else { return false }
        func isLocal(_ c: UInt8) -> Bool {
            isAlnum(c) || ".!#$%*+-=?^_`{}~".utf8.contains(c)
        }
        return token[..<at].allSatisfy(isLocal)
            && domain.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
            && domain[(dot + 1)...].allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
    }

    /// Three base64url parts, the first a JSON header (`eyJ`).
    static func isJWT(_ token: ArraySlice<UInt8>) -> Bool {
        guard token.count >= 20, token.starts(with: Array("eyJ".utf8)) else { return false }
        var dots = 0
        for c in token {
            if c == UInt8(ascii: ".") {
                dots += 1
            } else if !(isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")) {
                return false
            }
        }
        return dots == 2
    }

    /// Exactly one IPv4 or IPv6 address (with brackets, a port or a zone, as in a log's client field).
    static func isAddress(_ token: ArraySlice<UInt8>) -> Bool {
        guard token.contains(UInt8(ascii: ".")) || token.contains(UInt8(ascii: ":")) else { return false }
        // Only what an address with brackets, port or zone can hold.
        guard
            token.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x3A) || $0 == UInt8(ascii: ".") || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66)
                    || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: "%")
            })
        else { return false }
        let bytes = Array(token)
        return bytes.withUnsafeBufferPointer { buffer in
            guard let field = AddressField.parse(buffer, from: 0, to: buffer.count) else { return false }
            return field.range == 0..<buffer.count || buffer[field.range.upperBound] == UInt8(ascii: ":")
                || buffer[field.range.upperBound] == UInt8(ascii: "]")
        }
    }

    /// 13 to 19 digits passing the Luhn check.
    static func isCard(_ digits: [UInt8]) -> Bool {
        guard (13...19).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        var sum = 0
        for (k, c) in digits.reversed().enumerated() {
            var d = Int(c - 0x30)
            if k % 2 == 1 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return sum % 10 == 0
    }

    /// Two letters, two check digits and 11 to 30 letters or digits, passing ISO 7064 mod 97-10.
    static func isIBAN(_ value: [UInt8]) -> Bool {
        guard (15...34).contains(value.count), value.allSatisfy(isAlnum),
            value[0...1].allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }),
            value[2...3].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return false }
        var remainder = 0
        for c in value[4...] + value[0..<4] {
            if c >= 0x30 && c <= 0x39 {
                remainder = (remainder * 10 + Int(c - 0x30)) % 97
            } else {
                let n = Int((c | 0x20) - 0x61) + 10
                remainder = (remainder * 100 + n) % 97
            }
        }
        return remainder == 1
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A)
    }
}
