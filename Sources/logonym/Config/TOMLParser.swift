/// The character-level TOML reader: lines, keys, tables and values (strings in `TOMLParser+Strings.swift`, numbers,
/// booleans and dates in `TOMLParser+Scalars.swift`).
struct TOMLParser {
    typealias SyntaxError = TOMLDocument.SyntaxError
    typealias Limit = TOMLDocument.Limit

    let text: [Unicode.Scalar]
    var position = 0
    var line = 1

    init(_ text: [Unicode.Scalar]) {
        self.text = text
    }

    /// Reads the whole document into its root table.
    mutating func document() throws(SyntaxError) -> TOMLDocument.Table {
        let root = TOMLDocument.TableNode(origin: .header, line: 0)
        var current = root
        while true {
            try skipBlankLinesAndComments()
            guard let c = peek else { break }
            let line = line
            if c == "[" {
                let isArray = peek(1) == "["
                advance(isArray ? 2 : 1)
                let keys = try key()
                guard consume("]"), !isArray || consume("]") else {
                    throw SyntaxError(line: line, message: "a table header must end with \(isArray ? "]]" : "]")")
                }
                try endOfLine(after: "the table header")
                current =
                    isArray
                    ? try TOMLDocument.appendTableArray(root, keys, line: line)
                    : try TOMLDocument.defineTable(root, keys, line: line)
            } else {
                let (keys, value) = try keyValue(depth: 0)
                try endOfLine(after: "the value")
                try TOMLDocument.assign(value, to: keys, in: current, line: line)
            }
        }
        return root.freeze()
    }

    /// `key = value`.
    private mutating func keyValue(depth: Int) throws(SyntaxError) -> ([String], TOMLDocument.Value) {
        let keys = try key()
        guard consume("=") else { throw SyntaxError(line: line, message: "expected '=' after the key") }
        skipWhitespace()
        return (keys, try value(depth: depth))
    }

    // MARK: Characters

    var peek: Unicode.Scalar? { position < text.count ? text[position] : nil }
    func peek(_ offset: Int) -> Unicode.Scalar? { position + offset < text.count ? text[position + offset] : nil }

    mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where position < text.count {
            if text[position] == "\n" { line += 1 }
            position += 1
        }
    }

    mutating func consume(_ c: Unicode.Scalar) -> Bool {
        guard peek == c else { return false }
        advance()
        return true
    }

    /// Control characters other than tab, which TOML allows in no string or comment.
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        (c.value < 0x20 && c != "\t") || c.value == 0x7F
    }

    /// How an unexpected character is named in a message.
    static func describe(_ c: Unicode.Scalar?) -> String {
        guard let c else { return "the end of the file" }
        if c == "\n" || c == "\r" { return "the end of the line" }
        if isControl(c) || c.properties.isWhitespace {
            let hex = String(c.value, radix: 16, uppercase: true)
            return "the character U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return "'\(c)'"
    }

    mutating func skipWhitespace() {
        while let c = peek, c == " " || c == "\t" { advance() }
    }

    /// A line feed or a carriage return and line feed; a carriage return alone is not a line end.
    mutating func newline() -> Bool {
        if peek == "\n" {
            advance()
            return true
        }
        if peek == "\r" && peek(1) == "\n" {
            advance(2)
            return true
        }
        return false
    }

    mutating func skipComment() throws(SyntaxError) {
        guard consume("#") else { return }
        while let c = peek, c != "\n" {
            if c == "\r" && peek(1) == "\n" { return }
            if Self.isControl(c) {
                throw SyntaxError(line: line, message: "\(Self.describe(c)) is not allowed in a comment")
            }
            advance()
        }
    }

    mutating func skipBlankLinesAndComments() throws(SyntaxError) {
        repeat {
            skipWhitespace()
            try skipComment()
        } while newline()
    }

    /// Whitespace and a comment up to the end of the line (or of the file).
    mutating func endOfLine(after what: String) throws(SyntaxError) {
        skipWhitespace()
        try skipComment()
        guard peek == nil || newline() else {
            throw SyntaxError(line: line, message: "unexpected \(Self.describe(peek)) after \(what)")
        }
    }

    // MARK: Keys

    /// A key, dotted or not, with the whitespace after it.
    mutating func key() throws(SyntaxError) -> [String] {
        var keys: [String] = []
        repeat {
            guard keys.count < Limit.keyParts else {
                throw SyntaxError(line: line, message: "a key has more than \(Limit.keyParts) dotted parts (the limit)")
            }
            skipWhitespace()
            if peek == "\"" {
                keys.append(try basicString())
            } else if peek == "'" {
                keys.append(try literalString())
            } else {
                var key = ""
                while let c = peek, Self.isBareKey(c) {
                    key.unicodeScalars.append(c)
                    advance()
                }
                guard !key.isEmpty else {
                    throw SyntaxError(line: line, message: "expected a key, found \(Self.describe(peek))")
                }
                keys.append(key)
            }
            guard keys.last!.unicodeScalars.count <= Limit.keyLength else {
                throw SyntaxError(line: line, message: "a key is longer than \(Limit.keyLength) characters (the limit)")
            }
            skipWhitespace()
        } while consume(".")
        return keys
    }

    static func isBareKey(_ c: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(c) || ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }

    // MARK: Values

    /// A value; `depth` counts the arrays and inline tables it is inside.
    mutating func value(depth: Int) throws(SyntaxError) -> TOMLDocument.Value {
        switch peek {
        case "\"":
            return .string(peek(1) == "\"" && peek(2) == "\"" ? try multilineBasicString() : try basicString())
        case "'":
            return .string(peek(1) == "'" && peek(2) == "'" ? try multilineLiteralString() : try literalString())
        case "[":
            return try array(depth: depth)
        case "{":
            return try inlineTable(depth: depth)
        default:
            return try scalar()
        }
    }

    private mutating func array(depth: Int) throws(SyntaxError) -> TOMLDocument.Value {
        guard depth < Limit.arrayNesting else {
            throw SyntaxError(line: line, message: "arrays are nested more than \(Limit.arrayNesting) deep (the limit)")
        }
        advance()
        var items: [TOMLDocument.Value] = []
        while true {
            try skipBlankLinesAndComments()
            if consume("]") { break }
            guard items.count < Limit.arrayItems else {
                throw SyntaxError(line: line, message: "an array has more than \(Limit.arrayItems) items (the limit)")
            }
            items.append(try value(depth: depth + 1))
            try skipBlankLinesAndComments()
            if consume(",") { continue }
            guard consume("]") else {
                throw SyntaxError(line: line, message: "expected ',' or ']' in an array, found \(Self.describe(peek))")
            }
            break
        }
        return .array(items)
    }

    /// `{ key = value, ... }` on one line, without a trailing comma.
    private mutating func inlineTable(depth: Int) throws(SyntaxError) -> TOMLDocument.Value {
        guard depth < Limit.arrayNesting else {
            throw SyntaxError(
                line: line,
                message: "inline tables and arrays are nested more than \(Limit.arrayNesting) deep (the limit)"
            )
        }
        let table = TOMLDocument.TableNode(origin: .inline, line: line)
        advance()
        skipWhitespace()
        if consume("}") { return .table(table.freeze()) }
        while true {
            let line = line
            let (keys, value) = try keyValue(depth: depth + 1)
            try TOMLDocument.assign(value, to: keys, in: table, line: line)
            skipWhitespace()
            if consume("}") { break }
            guard consume(",") else {
                let found = Self.describe(peek)
                throw SyntaxError(
                    line: self.line,
                    message: "expected ',' or '}' in an inline table, found \(found) (an inline table is one line)"
                )
            }
            skipWhitespace()
            if peek == "}" {
                throw SyntaxError(line: self.line, message: "an inline table cannot end with a comma")
            }
        }
        return .table(table.freeze())
    }
}

@available(*, unavailable)
extension TOMLParser: Sendable {}
