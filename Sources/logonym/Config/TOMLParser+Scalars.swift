extension TOMLParser {
    /// A value without quotes or brackets: a boolean, an integer, a float, or a date and time.
    mutating func scalar() throws(SyntaxError) -> TOMLDocument.Value {
        let line = line
        var word: [Unicode.Scalar] = []
        func readWord(_ parser: inout TOMLParser) {
            while let c = parser.peek, Self.isBareKey(c) || c == "+" || c == "." || c == ":" {
                word.append(c)
                parser.advance()
            }
        }
        readWord(&self)
        // A date and a time may be separated by a space.
        if word.count == 10, Self.date(word) != nil, peek == " ", let h = peek(1), let m = peek(2), peek(3) == ":",
            Self.isDigit(h), Self.isDigit(m)
        {
            word.append(" ")
            advance()
            readWord(&self)
        }
        let text = String(String.UnicodeScalarView(word))
        guard !word.isEmpty else {
            throw SyntaxError(line: line, message: "expected a value, found \(Self.describe(peek))")
        }
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if word.contains(":") || (word.count >= 5 && word[..<4].allSatisfy(Self.isDigit) && word[4] == "-") {
            guard let dateTime = Self.dateTime(word) else {
                throw SyntaxError(line: line, message: "'\(text)' is not a valid date or time")
            }
            return .dateTime(dateTime)
        }
        if let value = try Self.integer(text, line: line) { return .integer(value) }
        if let value = Self.float(word) { return .float(value) }
        throw SyntaxError(line: line, message: "'\(text)' is not a value (strings need quotes)")
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    /// Digits with single underscores between them, or `nil`.
    private static func digits(
        _ text: some StringProtocol,
        where isDigit: (Unicode.Scalar) -> Bool = isDigit
    ) -> String? {
        var result = ""
        var previous: Unicode.Scalar = "_"
        for c in text.unicodeScalars {
            if c == "_" {
                guard previous != "_" else { return nil }
            } else {
                guard isDigit(c) else { return nil }
                result.unicodeScalars.append(c)
            }
            previous = c
        }
        return previous == "_" ? nil : result
    }

    /// A decimal integer without leading zeros, or a `0x`, `0o` or `0b` one; `nil` if it is not written as one.
    private static func integer(_ text: String, line: Int) throws(SyntaxError) -> Int? {
        let radixes: [(String, Int, (Unicode.Scalar) -> Bool)] = [
            ("0x", 16, { $0.isASCII && $0.properties.isASCIIHexDigit }), ("0o", 8, { ("0"..."7").contains($0) }),
            ("0b", 2, { $0 == "0" || $0 == "1" }),
        ]
        for (prefix, radix, isDigit) in radixes where text.hasPrefix(prefix) {
            guard let digits = digits(text.dropFirst(2), where: isDigit) else { return nil }
            guard let value = Int(digits, radix: radix) else {
                throw SyntaxError(line: line, message: "'\(text)' does not fit in a 64-bit integer")
            }
            return value
        }
        let sign = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.prefix(1)) : ""
        guard let digits = digits(text.dropFirst(sign.count)) else { return nil }
        guard digits == "0" || !digits.hasPrefix("0") else {
            throw SyntaxError(line: line, message: "'\(text)' has a leading zero, which TOML integers may not have")
        }
        guard let value = Int(sign + digits) else {
            throw SyntaxError(line: line, message: "'\(text)' does not fit in a 64-bit integer")
        }
        return value
    }

    /// `[sign] integer (fraction [exponent] | exponent)`, with the integer part as for integers.
    private static func float(_ word: [Unicode.Scalar]) -> Double? {
        let text = String(String.UnicodeScalarView(word))
        let sign = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.prefix(1)) : ""
        let body = text.dropFirst(sign.count)
        let exponentParts = body.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false) }
        guard exponentParts.count <= 2 else { return nil }
        let mantissa = exponentParts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard mantissa.count == 2 || exponentParts.count == 2,
            let integer = digits(mantissa[0]), integer == "0" || !integer.hasPrefix("0")
        else { return nil }
        var number = sign + integer
        if mantissa.count == 2 {
            guard let fraction = digits(mantissa[1]) else { return nil }
            number += "." + fraction
        }
        if exponentParts.count == 2 {
            var exponent = exponentParts[1]
            let exponentSign = exponent.hasPrefix("-") || exponent.hasPrefix("+") ? String(exponent.prefix(1)) : ""
            exponent = exponent.dropFirst(exponentSign.count)
            guard let digits = digits(exponent) else { return nil }
            number += "e" + exponentSign + digits
        }
        return Double(number)
    }

    /// `YYYY-MM-DD` as the first ten characters, checked against the calendar.
    private static func date(_ word: [Unicode.Scalar]) -> TOMLDocument.LocalDate? {
        guard word.count >= 10, word[4] == "-", word[7] == "-",
            let year = number(word[0..<4]), let month = number(word[5..<7]), let day = number(word[8..<10]),
            (1...12).contains(month)
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return nil }
        return TOMLDocument.LocalDate(year: year, month: month, day: day)
    }

    /// `HH:MM:SS[.fraction]` from the start of `word`, and the characters it took.
    private static func time(_ word: ArraySlice<Unicode.Scalar>) -> (TOMLDocument.LocalTime, Int)? {
        let s = word.startIndex
        guard word.count >= 8, word[s + 2] == ":", word[s + 5] == ":",
            let hour = number(word[s..<s + 2]), let minute = number(word[s + 3..<s + 5]),
            let second = number(word[s + 6..<s + 8]), hour < 24, minute < 60, second <= 60
        else { return nil }
        var length = 8
        var nanosecond = 0
        if word.count > 8, word[s + 8] == "." {
            var fraction = word[(s + 9)...].prefix { isDigit($0) }
            guard !fraction.isEmpty else { return nil }
            length += 1 + fraction.count
            fraction = fraction.prefix(9)
            nanosecond = number(fraction)!
            for _ in fraction.count..<9 { nanosecond *= 10 }
        }
        return (TOMLDocument.LocalTime(hour: hour, minute: minute, second: second, nanosecond: nanosecond), length)
    }

    /// An offset date-time, a local date-time, a local date or a local time (RFC 3339, with `T`, `t` or a space
    /// between date and time, and seconds required).
    static func dateTime(_ word: [Unicode.Scalar]) -> TOMLDocument.DateTime? {
        guard let date = date(word) else {
            guard let (time, length) = time(word[...]), length == word.count else { return nil }
            return TOMLDocument.DateTime(time: time)
        }
        if word.count == 10 { return TOMLDocument.DateTime(date: date) }
        guard word.count > 11, ["T", "t", " "].contains(word[10]),
            let (time, length) = time(word[11...])
        else { return nil }
        var offset = word[(11 + length)...]
        if offset.isEmpty { return TOMLDocument.DateTime(date: date, time: time) }
        if offset.elementsEqual(["Z"]) || offset.elementsEqual(["z"]) {
            return TOMLDocument.DateTime(date: date, time: time, offsetMinutes: 0)
        }
        guard offset.count == 6, let sign = offset.popFirst(), sign == "+" || sign == "-",
            offset[offset.startIndex + 2] == ":",
            let hours = number(offset.prefix(2)), let minutes = number(offset.suffix(2)), hours < 24, minutes < 60
        else { return nil }
        return TOMLDocument.DateTime(
            date: date,
            time: time,
            offsetMinutes: (sign == "-" ? -1 : 1) * (hours * 60 + minutes)
        )
    }

    /// The value of a run of decimal digits.
    private static func number(_ digits: some Collection<Unicode.Scalar>) -> Int? {
        guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1.value - 48) }
    }
}
