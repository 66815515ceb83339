extension TOMLParser {
    /// `"..."`: one line, with escapes.
    mutating func basicString() throws(SyntaxError) -> String {
        let start = (line: line, position: position)
        advance()
        var result = ""
        while true {
            let c = try oneLineCharacter(from: start)
            if c == "\"" {
                advance()
                return result
            }
            if c == "\\" {
                result.unicodeScalars.append(try escape())
                continue
            }
            try checkNotControl(c, in: "a string")
            result.unicodeScalars.append(c)
            advance()
        }
    }

    /// `'...'`: one line, taken as written.
    mutating func literalString() throws(SyntaxError) -> String {
        let start = (line: line, position: position)
        advance()
        var result = ""
        while true {
            let c = try oneLineCharacter(from: start)
            advance()
            if c == "'" { return result }
            try checkNotControl(c, in: "a string")
            result.unicodeScalars.append(c)
        }
    }

    /// `"""..."""`: lines, escapes, and a backslash at the end of a line that joins it to the next text.
    mutating func multilineBasicString() throws(SyntaxError) -> String {
        try multiline(quote: "\"") { (parser: inout TOMLParser, result: inout String) throws(SyntaxError) in
            guard parser.peek == "\\" else { return false }
            var ahead = 1
            while parser.peek(ahead) == " " || parser.peek(ahead) == "\t" { ahead += 1 }
            guard parser.peek(ahead) == "\n" || (parser.peek(ahead) == "\r" && parser.peek(ahead + 1) == "\n") else {
                result.unicodeScalars.append(try parser.escape())
                return true
            }
            // A line-ending backslash: the whitespace and line ends up to the next text are dropped.
            parser.advance(ahead)
            while parser.newline() || parser.peek == " " || parser.peek == "\t" {
                if parser.peek == " " || parser.peek == "\t" { parser.advance() }
            }
            return true
        }
    }

    /// `'''...'''`: lines, taken as written.
    mutating func multilineLiteralString() throws(SyntaxError) -> String {
        try multiline(quote: "'") { _, _ throws(SyntaxError) in false }
    }

    /// The body of a multi-line string: a line end right after the opening quotes is dropped, other line ends are
    /// kept as line feeds, and one or two quotes may stand inside or just before the closing three.
    /// `special` reads what only basic strings have (escapes) and says whether it did.
    private mutating func multiline(
        quote: Unicode.Scalar,
        special: (inout TOMLParser, inout String) throws(SyntaxError) -> Bool
    ) throws(SyntaxError) -> String {
        let start = (line: line, position: position)
        advance(3)
        _ = newline()
        var result = ""
        while true {
            try checkLength(from: start)
            guard let c = peek else {
                throw SyntaxError(line: start.line, message: "a multi-line string is not closed")
            }
            if c == quote {
                var run = 0
                while peek(run) == quote { run += 1 }
                guard run <= 5 else {
                    throw SyntaxError(
                        line: line,
                        message: "\(run) quotes in a row: a multi-line string holds at most two in a row"
                    )
                }
                advance(run)
                result.unicodeScalars.append(contentsOf: repeatElement(quote, count: run >= 3 ? run - 3 : run))
                if run >= 3 { return result }
                continue
            }
            if try special(&self, &result) { continue }
            if newline() {
                result += "\n"
                continue
            }
            try checkNotControl(c, in: "a multi-line string")
            result.unicodeScalars.append(c)
            advance()
        }
    }

    /// An escape sequence after a backslash in a basic string.
    mutating func escape() throws(SyntaxError) -> Unicode.Scalar {
        advance()
        guard let c = peek else { throw SyntaxError(line: line, message: "a string ends inside an escape") }
        advance()
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let count = c == "u" ? 4 : 8
            var hex = ""
            for _ in 0..<count {
                guard let h = peek, h.isASCII, h.properties.isASCIIHexDigit else {
                    throw SyntaxError(line: line, message: "\\\(c) needs \(count) hexadecimal digits, found \(hex)")
                }
                hex.unicodeScalars.append(h)
                advance()
            }
            guard let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) else {
                throw SyntaxError(line: line, message: "\\\(c)\(hex) is not a Unicode scalar value")
            }
            return scalar
        default:
            throw SyntaxError(
                line: line,
                message:
                    "\\\(c.escaped(asASCII: true)) is not an escape (TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\u \\U)"
            )
        }
    }

    private func checkNotControl(_ c: Unicode.Scalar, in what: String) throws(SyntaxError) {
        if Self.isControl(c) {
            throw SyntaxError(line: line, message: "\(Self.describe(c)) is not allowed in \(what); use an escape")
        }
    }

    /// The next character of a one-line string opened at `start`, not yet taken; an error at the line's end.
    private func oneLineCharacter(from start: (line: Int, position: Int)) throws(SyntaxError) -> Unicode.Scalar {
        try checkLength(from: start)
        guard let c = peek, c != "\n", c != "\r" else {
            throw SyntaxError(line: start.line, message: "a string is not closed on its line")
        }
        return c
    }

    private func checkLength(from start: (line: Int, position: Int)) throws(SyntaxError) {
        guard position - start.position <= Limit.stringLength else {
            throw SyntaxError(
                line: start.line,
                message: "a string is longer than \(Limit.stringLength) characters (the limit)"
            )
        }
    }
}
