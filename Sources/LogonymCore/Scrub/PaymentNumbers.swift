/// Payment card numbers and IBANs, told apart from the long numbers URLs are full of (millisecond timestamps,
/// EAN-13 and ISBN product codes, order and status ids): a card needs an issuer's prefix and one of its lengths and
/// the Luhn check, an IBAN a country's code and its length and the mod-97 check.
enum PaymentNumbers {
    /// A payment card: `digits` are 13 to 19 ASCII digits (blanks and dashes already taken out).
    static func isCard(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        guard (13...19).contains(digits.count), digits[0] &- 0x32 < 5,  // Issuers' numbers start with 2 to 6.
            digits.allSatisfy({ $0 &- 0x30 < 10 })
        else { return false }
        guard issuerAccepts(digits), luhn(digits) else { return false }
        // A 13-digit Visa number is also an EAN-13 shape; a valid EAN check digit makes it a product code.
        return !(digits.count == 13 && isEAN13(digits))
    }

    /// The first `n` digits as a number.
    @inline(__always)
    private static func prefix(_ d: UnsafeBufferPointer<UInt8>, _ n: Int) -> Int {
        var value = 0
        for k in 0..<n { value = value * 10 + Int(d[k] &- 0x30) }
        return value
    }

    /// Whether an issuer (ISO/IEC 7812 ranges of the networks in use) issues numbers of this prefix and length.
    static func issuerAccepts(_ d: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = d.count
        let p1 = prefix(d, 1)
        let p2 = prefix(d, 2)
        let p3 = prefix(d, 3)
        let p4 = prefix(d, 4)
        let p6 = prefix(d, 6)
        switch p1 {
        case 4: return length == 13 || length == 16 || length == 19  // Visa
        case 5:
            if (51...55).contains(p2) { return length == 16 }  // Mastercard
            // Maestro
            return [5018, 5020, 5038, 5893].contains(p4) && length >= 13
        case 2:
            if (2221...2720).contains(p4) { return length == 16 }  // Mastercard 2-series
            return (2200...2204).contains(p4) && length >= 16  // Mir
        case 3:
            if p2 == 34 || p2 == 37 { return length == 15 }  // American Express
            if (3528...3589).contains(p4) { return length >= 16 }  // JCB
            if (300...305).contains(p3) || p2 == 36 || p2 == 38 || p2 == 39 { return length >= 14 }  // Diners
            return false
        case 6:
            // Discover, UnionPay, RuPay, Maestro.
            if p4 == 6011 || (644...649).contains(p3) || p2 == 65 || p2 == 62 || p2 == 60 { return length >= 16 }
            if (622126...622925).contains(p6) { return length >= 16 }
            return [6304, 6759, 6761, 6762, 6763].contains(p4) && length >= 13
        default: return false
        }
    }

    static func luhn(_ d: UnsafeBufferPointer<UInt8>) -> Bool {
        var sum = 0
        var double = false
        for k in stride(from: d.count - 1, through: 0, by: -1) {
            var n = Int(d[k] &- 0x30)
            if double {
                n *= 2
                if n > 9 { n -= 9 }
            }
            sum += n
            double.toggle()
        }
        return sum % 10 == 0
    }

    /// An EAN-13 (and ISBN-13) check digit: weights 1 and 3 alternating.
    static func isEAN13(_ d: UnsafeBufferPointer<UInt8>) -> Bool {
        guard d.count == 13 else { return false }
        var sum = 0
        for k in 0..<12 { sum += Int(d[k] &- 0x30) * (k % 2 == 0 ? 1 : 3) }
        return (10 - sum % 10) % 10 == Int(d[12] &- 0x30)
    }

    /// An IBAN (blanks and dashes already taken out): a country's code and its length, two check digits, mod 97.
    static func isIBAN(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard value.count >= 15, value.count <= 34, value[2] &- 0x30 < 10, value[3] &- 0x30 < 10 else { return false }
        let country = UInt16(value[0] | 0x20) << 8 | UInt16(value[1] | 0x20)
        guard ibanLengths[country] == value.count, value.allSatisfy(ValueDetectors.isAlnum) else { return false }
        var remainder = 0
        for k in 0..<value.count {
            let c = value[(k + 4) % value.count]
            if c &- 0x30 < 10 {
                remainder = (remainder * 10 + Int(c - 0x30)) % 97
            } else {
                remainder = (remainder * 100 + Int((c | 0x20) - 0x61) + 10) % 97
            }
        }
        return remainder == 1
    }

    /// IBAN lengths by country (SWIFT's IBAN registry).
    static let ibanLengths: [UInt16: Int] = {
        let table =
            "ad24 ae23 al28 at20 az28 ba20 be16 bg22 bh22 bi27 br29 by28 ch21 cr22 cy28 cz24 de22 dj27 dk18 do28 "
            + "ee20 eg29 es24 fi18 fk18 fo18 fr27 gb22 ge22 gi23 gl18 gr27 gt28 hr21 hu28 ie22 il23 iq23 is26 it27 "
            + "jo30 kw30 kz20 lb28 lc32 li21 lt20 lu20 lv21 ly25 mc27 md24 me22 mk19 mn20 mr27 mt31 mu30 ni28 nl18 "
            + "no15 om23 pk24 pl28 ps29 pt25 qa29 ro24 rs22 ru33 sa24 sc31 sd18 se24 si19 sk24 sm27 so23 st25 sv28 "
            + "tl23 tn24 tr26 ua29 va22 vg24 xk20 ye30"
        var lengths: [UInt16: Int] = [:]
        for entry in table.split(separator: " ") {
            let b = Array(entry.utf8)
            lengths[UInt16(b[0]) << 8 | UInt16(b[1])] = Int(String(decoding: b[2...], as: UTF8.self))
        }
        return lengths
    }()
}
