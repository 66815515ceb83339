/// National identifiers in the forms people type them, with their check digits where they have one: the French NIR
/// and its key, the Spanish DNI/NIE and its letter, the Italian codice fiscale and its check letter, the Dutch BSN and its 11-test (only written with dots: nine bare
/// digits are as often an order number), the US SSN with its area, group and serial rules, the UK NINO by its
/// prefix rules.
enum NationalIdentifiers {
    /// Whether a token (no blanks) is one of them.
    static func matchesToken(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        switch t.count {
        case 9: return isDNI(t) || isNINO(t)
        case 10:
            guard t[8] == UInt8(ascii: "-") else { return false }
            return stripped(t, UInt8(ascii: "-")).withUnsafeBufferPointer(isDNI)
        case 11: return isSSN(t, separator: UInt8(ascii: "-")) || isDottedBSN(t)
        case 15: return isNIR(t)
        case 16: return isCodiceFiscale(t)
        default: return false
        }
    }

    /// Whether a whole value written with blanks is one: `1 84 12 75 123 456 78`, `AB 12 34 56 C`, `123 45 6789`.
    static func matchesSpaced(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        guard v.count >= 11, v.count <= 24, v.contains(0x20) else { return false }
        if v.count == 11 && isSSN(v, separator: 0x20) { return true }
        let compact = stripped(v, 0x20)
        return compact.withUnsafeBufferPointer { c in
            (c.count == 15 && isNIR(c)) || (c.count == 9 && isNINO(c))
        }
    }

    private static func stripped(_ v: UnsafeBufferPointer<UInt8>, _ separator: UInt8) -> [UInt8] {
        v.filter { $0 != separator }
    }

    @inline(__always) private static func digit(_ c: UInt8) -> Int? { c &- 0x30 < 10 ? Int(c &- 0x30) : nil }

    private static func number(_ t: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var n = 0
        for k in range {
            guard let d = digit(t[k]) else { return nil }
            n = n * 10 + d
        }
        return n
    }

    /// DNI `12345678Z` (the letter is the number mod 23) or NIE `X1234567L` (X, Y, Z stand for 0, 1, 2).
    static func isDNI(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count == 9 else { return false }
        let letters = Array("TRWAGMYFPDXBNJZSQVHLCKE".utf8)
        var n: Int
        switch t[0] | 0x20 {
        case UInt8(ascii: "x"): n = 0
        case UInt8(ascii: "y"): n = 1
        case UInt8(ascii: "z"): n = 2
        default:
            guard let d = digit(t[0]) else { return false }
            n = d
        }
        guard let rest = number(t, 1..<8) else { return false }
        n = n * 10_000_000 + rest
        return t[8] & 0xDF == letters[n % 23]
    }

    /// UK National Insurance number: two prefix letters (not D F I Q U V, the second not O; not BG GB KN NK NT TN ZZ),
    /// six digits, A to D.
    static func isNINO(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count == 9 else { return false }
        let a = t[0] & 0xDF
        let b = t[1] & 0xDF
        let forbidden = Array("DFIQUV".utf8)
        guard a >= 0x41, a <= 0x5A, b >= 0x41, b <= 0x5A, !forbidden.contains(a), !forbidden.contains(b),
            b != UInt8(ascii: "O"), number(t, 2..<8) != nil
        else { return false }
        let pair = String(decoding: [a, b], as: UTF8.self)
        guard !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(pair) else { return false }
        let suffix = t[8] & 0xDF
        return suffix >= UInt8(ascii: "A") && suffix <= UInt8(ascii: "D")
    }

    /// US SSN `AAA-GG-SSSS`: area not 000, 666 or 900-999, group not 00, serial not 0000.
    static func isSSN(_ t: UnsafeBufferPointer<UInt8>, separator: UInt8) -> Bool {
        guard t.count == 11, t[3] == separator, t[6] == separator, let area = number(t, 0..<3),
            let group = number(t, 4..<6), let serial = number(t, 7..<11)
        else { return false }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// Dutch BSN written `1234.56.782`, passing the 11-test.
    static func isDottedBSN(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count == 11, t[4] == UInt8(ascii: "."), t[7] == UInt8(ascii: ".") else { return false }
        var digits: [Int] = []
        for k in 0..<11 where k != 4 && k != 7 {
            guard let d = digit(t[k]) else { return false }
            digits.append(d)
        }
        var sum = 0
        for k in 0..<8 { sum += digits[k] * (9 - k) }
        sum -= digits[8]
        return sum % 11 == 0 && sum != 0
    }

    /// French NIR: sex (1, 2, 7, 8), year, month, department (2A and 2B for Corsica), commune, order, and a key of
    /// 97 minus the 13-digit number mod 97.
    static func isNIR(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count == 15, let sex = digit(t[0]), [1, 2, 7, 8].contains(sex), let month = number(t, 3..<5),
            (1...12).contains(month) || (20...42).contains(month) || (50...99).contains(month)
        else { return false }
        var n = 0
        for k in 0..<13 {
            if let d = digit(t[k]) {
                n = n * 10 + d
                continue
            }
            // Corsica: 2A counts as 19 and 2B as 18 in the key's computation.
            guard k == 6, t[5] == UInt8(ascii: "2"),
                t[6] & 0xDF == UInt8(ascii: "A") || t[6] & 0xDF == UInt8(ascii: "B")
            else { return false }
            n = (n - 2) / 10 * 100 + (t[6] & 0xDF == UInt8(ascii: "A") ? 19 : 18)
        }
        guard let key = number(t, 13..<15) else { return false }
        return key == 97 - n % 97
    }

    /// Italian codice fiscale: six letters, year, month letter, day (plus 40 for women), four characters of the
    /// place, and a check letter from the odd and even positions' tables.
    static func isCodiceFiscale(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count == 16 else { return false }
        func letter(_ k: Int) -> UInt8? {
            let c = t[k] & 0xDF
            return c &- 0x41 < 26 ? c - 0x41 : nil
        }
        for k in [0, 1, 2, 3, 4, 5, 8, 11, 15] where letter(k) == nil { return false }
        for k in [6, 7, 9, 10, 12, 13, 14] where digit(t[k]) == nil { return false }
        guard "ABCDEHLMPRST".utf8.contains(t[8] & 0xDF), let day = number(t, 9..<11),
            (1...31).contains(day) || (41...71).contains(day)
        else { return false }
        let odd: [Int] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]
        var sum = 0
        for k in 0..<15 {
            // A digit counts as the letter of the same rank (0 as A).
            let rank = digit(t[k]) ?? Int(letter(k)!)
            sum += k % 2 == 0 ? odd[rank] : rank
        }
        return Int(letter(15)!) == sum % 26
    }
}
