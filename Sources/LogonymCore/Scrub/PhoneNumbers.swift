/// Phone numbers as people write them in forms and links: international (`+` then 8 to 15 digits, with blanks, dots,
/// dashes, slashes or parentheses between groups), national ones written in groups (`06 12 34 56 78`,
/// `030 1234 5678`, `0176 16013630`: a leading 0), North American ones (`(415) 555-0132`, `415-555-0132`),
/// and `tel:` links. A bare run of ten digits is not one: ISBN-10s, GTINs and ids look the same.
enum PhoneNumbers {
    static func contains(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        // A number starts at the value's start or after a byte that is neither a letter nor a digit.
        for i in 0..<v.count where i == 0 || !ValueDetectors.isAlnum(v[i - 1]) {
            let c = v[i]
            if c == UInt8(ascii: "+"), i + 1 < v.count, v[i + 1] &- 0x30 < 10, international(v, i + 1) { return true }
            if c == UInt8(ascii: "("), northAmerican(v, i) { return true }
            if c &- 0x30 < 10, grouped(v, i) || northAmerican(v, i) { return true }
            if (c | 0x20) == UInt8(ascii: "t"), telLink(v, i) { return true }
        }
        return false
    }

    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    @inline(__always) private static func isGroupSeparator(_ c: UInt8) -> Bool {
        c == 0x20 || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "/")
            || c == UInt8(ascii: "(") || c == UInt8(ascii: ")")
    }

    /// After the `+`: 8 to 15 digits, single separators (or `) ` / ` (`) between them, then no further digit or letter.
    private static func international(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        var digits = 0
        var separators = 0
        var i = start
        var lastDigitEnd = start
        while i < v.count {
            let c = v[i]
            if isDigit(c) {
                digits += 1
                separators = 0
                lastDigitEnd = i + 1
            } else if isGroupSeparator(c) {
                separators += 1
                if separators > 2 { break }
            } else {
                break
            }
            i += 1
        }
        guard (8...15).contains(digits) else { return false }
        return lastDigitEnd == v.count || !ValueDetectors.isAlnum(v[lastDigitEnd])
    }

    /// Groups of digits with one kind of separator (blank, dot or dash), the first starting with 0: three groups or
    /// more, the first of 2 to 5 digits, the others of 2 to 4, 9 to 12 digits in all; or an area code of 3 to 5
    /// digits and one group, 10 to 12 digits in all.
    private static func grouped(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        guard v[start] == UInt8(ascii: "0") else { return false }
        var groups = 0
        var firstLength = 0
        var othersFit = true
        var total = 0
        var separator: UInt8 = 0
        var i = start
        var length = 0
        func close() {
            if groups == 0 { firstLength = length } else if length < 2 || length > 4 { othersFit = false }
            groups += 1
            total += length
            length = 0
        }
        while i < v.count {
            let c = v[i]
            if isDigit(c) {
                length += 1
            } else if c == 0x20 || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") {
                guard length > 0, separator == 0 || separator == c, i + 1 < v.count, isDigit(v[i + 1]) else { break }
                separator = c
                close()
            } else {
                break
            }
            i += 1
        }
        if length > 0 { close() }
        // `06 12 34 56 78`, `030 1234 5678`; or two groups after a 3- to 5-digit area code (`0176 16013630`).
        let threeOrMore = groups >= 3 && (2...5).contains(firstLength) && othersFit && (9...12).contains(total)
        let two = groups == 2 && (3...5).contains(firstLength) && (10...12).contains(total)
        guard threeOrMore || two else { return false }
        return i == v.count || !ValueDetectors.isAlnum(v[i])
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
        return i == v.count || !ValueDetectors.isAlnum(v[i])
    }

    /// `tel:`, then at least six digits.
    private static func telLink(_ v: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        guard start + 4 < v.count, v[start + 1] | 0x20 == UInt8(ascii: "e"), v[start + 2] | 0x20 == UInt8(ascii: "l"),
            v[start + 3] == UInt8(ascii: ":")
        else { return false }
        var digits = 0
        var i = start + 4
        while i < v.count, isDigit(v[i]) || isGroupSeparator(v[i]) || v[i] == UInt8(ascii: "+") {
            if isDigit(v[i]) { digits += 1 }
            i += 1
        }
        return digits >= 6
    }
}
