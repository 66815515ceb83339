/// Phone numbers as people write them in forms and links:
/// - international: `+` or `00` then 8 to 15 digits, with blanks, dots, dashes, slashes or parentheses between
///   groups (`+33 6 22 75 05 58`, `0033612345678`);
/// - national ones written in groups: a leading 0 and at least three groups (`06 12 34 56 78`, `030 1234 5678`),
///   an area code and one group (`0176 16013630`, `06-12345678`, `0176/12345678`), or any three or more groups of
///   digits separated
///   by blanks (`612 34 56 78`, `333 123 4567`), no-break spaces included;
/// - North American ones (`(415) 555-0132`, `415-555-0132`) and `tel:` links.
///
/// Not phones: a bare run of ten digits (ISBN-10s, GTINs and ids look the same), six groups of two digits (lottery
/// draws), an air waybill (`020-12345675`: the serial's last digit is the first seven mod 7), dates.
enum PhoneNumbers {
    static func contains(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        // A number starts at the value's start or after a byte that is neither a letter nor a digit.
        for i in 0..<v.count where i == 0 || !ValueDetectors.isAlnum(v[i - 1]) {
            let c = v[i]
            if c == UInt8(ascii: "+"), i + 1 < v.count, isDigit(v[i + 1]), international(v, i + 1) { return true }
            if c == UInt8(ascii: "("), northAmerican(v, i) { return true }
            if isDigit(c), grouped(v, i) || northAmerican(v, i) || doubleZero(v, i) { return true }
            if (c | 0x20) == UInt8(ascii: "t"), telLink(v, i) { return true }
        }
        return false
    }

    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// The length of a separator between groups at `i`: blank, dot, dash, slash, parenthesis (1), a no-break space
    /// (U+00A0, 2 bytes) or a narrow one (U+202F, 3 bytes); 0 for anything else.
    @inline(__always)
    private static func separatorLength(_ v: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        switch v[i] {
        case 0x20, UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "("), UInt8(ascii: ")"): 1
        case 0xC2: i + 1 < v.count && v[i + 1] == 0xA0 ? 2 : 0
        case 0xE2: i + 2 < v.count && v[i + 1] == 0x80 && v[i + 2] == 0xAF ? 3 : 0
        default: 0
        }
    }

    /// Whether the number ends at `i`: the value's end, or a byte that is neither a letter nor a digit.
    @inline(__always)
    private static func endsAt(_ v: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        i == v.count || !ValueDetectors.isAlnum(v[i])
    }

    /// After the `+` (or `00`): 8 to 15 digits, at most two separators in a row between them.
    private static func international(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        var digits = 0
        var separators = 0
        var i = start
        var lastDigitEnd = start
        while i < v.count {
            if isDigit(v[i]) {
                digits += 1
                separators = 0
                i += 1
                lastDigitEnd = i
            } else if case let length = separatorLength(v, i), length > 0, separators < 2 {
                separators += 1
                i += length
            } else {
                break
            }
        }
        return (8...15).contains(digits) && endsAt(v, lastDigitEnd)
    }

    /// `0033612345678`: `00`, a country code's first digit, 10 to 13 digits in all after the `00`.
    private static func doubleZero(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        guard start + 2 < v.count, v[start] == UInt8(ascii: "0"), v[start + 1] == UInt8(ascii: "0"),
            v[start + 2] &- 0x31 < 9
        else { return false }
        var end = start + 2
        while end < v.count && isDigit(v[end]) { end += 1 }
        return (10...13).contains(end - start - 2) && endsAt(v, end)
    }

    /// Groups of digits with one kind of separator (see the type's description for the forms).
    private static func grouped(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        var groups = 0
        var firstLength = 0
        var lastLength = 0
        var othersShort = true
        var allPairs = true
        var total = 0
        var separator: UInt8 = 0
        var i = start
        var length = 0
        func close() {
            if groups == 0 { firstLength = length } else if length < 2 || length > 4 { othersShort = false }
            allPairs = allPairs && length == 2
            lastLength = length
            groups += 1
            total += length
            length = 0
        }
        while i < v.count {
            if isDigit(v[i]) {
                length += 1
                i += 1
                continue
            }
            let width = separatorLength(v, i)
            // One kind of separator (no-break spaces count as blanks), a digit after it.
            let kind = width > 1 ? 0x20 : v[i]
            guard width > 0, kind != UInt8(ascii: "("), kind != UInt8(ascii: ")"),
                length > 0, separator == 0 || separator == kind, i + width < v.count, isDigit(v[i + width])
            else { break }
            separator = kind
            close()
            i += width
        }
        guard endsAt(v, i) else { return false }
        if length > 0 { close() }
        guard groups >= 2, (9...12).contains(total) else { return false }
        let leadingZero = v[start] == UInt8(ascii: "0")
        if groups == 2 {
            // An area code and a subscriber number: `0176 16013630`, `06-12345678`; not an air waybill.
            guard leadingZero, (2...5).contains(firstLength), lastLength >= 6, total >= 10 else { return false }
            return !(firstLength == 3 && lastLength == 8 && isAirWaybillSerial(v, i - 8))
        }
        // Lottery draws and the like: six or more pairs.
        guard !(allPairs && groups > 5), othersShort, (2...5).contains(firstLength) else { return false }
        return leadingZero || separator == 0x20
    }

    /// An air waybill's serial: 8 digits, the last being the first seven mod 7.
    private static func isAirWaybillSerial(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        var serial = 0
        for k in start..<(start + 7) { serial = serial * 10 + Int(v[k] - 0x30) }
        return serial % 7 == Int(v[start + 7] - 0x30)
    }

    /// `(NXX) NXX-XXXX`, `NXX-NXX-XXXX` or `NXX.NXX.XXXX` (N is 2 to 9).
    private static func northAmerican(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        var i = start
        func take(_ n: Int) -> Bool {
            guard i + n <= v.count else { return false }
            for k in i..<(i + n) where !isDigit(v[k]) { return false }
            i += n
            return true
        }
        if v[i] == UInt8(ascii: "(") {
            i += 1
            guard take(3), i < v.count, v[i] == UInt8(ascii: ")") else { return false }
            i += 1
            if i < v.count && v[i] == 0x20 { i += 1 }
            guard i < v.count, v[i] &- 0x32 < 8, take(3), i < v.count, v[i] == UInt8(ascii: "-") else { return false }
        } else {
            guard v[i] &- 0x32 < 8, take(3), i < v.count else { return false }
            let separator = v[i]
            guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: ".") else { return false }
            i += 1
            guard i < v.count, v[i] &- 0x32 < 8, take(3), i < v.count, v[i] == separator else { return false }
        }
        i += 1
        guard take(4) else { return false }
        return endsAt(v, i)
    }

    /// `tel:`, then at least six digits.
    private static func telLink(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        guard start + 4 < v.count, v[start + 1] | 0x20 == UInt8(ascii: "e"), v[start + 2] | 0x20 == UInt8(ascii: "l"),
            v[start + 3] == UInt8(ascii: ":")
        else { return false }
        var digits = 0
        var i = start + 4
        while i < v.count, isDigit(v[i]) || separatorLength(v, i) == 1 || v[i] == UInt8(ascii: "+") {
            if isDigit(v[i]) { digits += 1 }
            i += 1
        }
        return digits >= 6
    }
}
