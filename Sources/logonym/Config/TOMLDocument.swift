/// A small TOML reader for logonym's configuration: tables, arrays of tables, strings, integers, floats, booleans
/// and arrays, with the line of every key, so that every problem can name its key and line.
struct TOMLDocument {
    indirect enum Value {
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        case array([Value])
        case table(Table)
        case tableArray([Table])

        var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .bool: "a boolean"
            case .array: "an array"
            case .table: "a table"
            case .tableArray: "an array of tables"
            }
        }
    }

    /// A table: its entries in file order, each with the line it was defined on.
    struct Table {
        var entries: [(key: String, value: Value, line: Int)] = []
        var line: Int

        subscript(_ key: String) -> (value: Value, line: Int)? {
            entries.first { $0.key == key }.map { ($0.value, $0.line) }
        }

        fileprivate mutating func set(_ key: String, _ value: Value, line: Int) {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                entries[index] = (key, value, line)
            } else {
                entries.append((key, value, line))
            }
        }
    }

    struct SyntaxError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    var root = Table(line: 0)

    /// What the reader accepts at most; beyond, a ``SyntaxError`` names the line and the limit (a configuration file
    /// is small: these stop a hostile or broken one from exhausting the stack or memory).
    enum Limit {
        /// Arrays inside arrays.
        static let arrayNesting = 32
        /// Parts of a dotted key or table header (`a.b.c`).
        static let keyParts = 16
        /// Characters of one key.
        static let keyLength = 256
        /// Characters of one string value.
        static let stringLength = 65536
        /// Items of one array.
        static let arrayItems = 10000
        /// Bytes of the whole file.
        static let fileBytes = 1 << 20
    }

    /// Parses TOML text.
    init(_ text: String) throws(SyntaxError) {
        var parser = Parser(Array(text.unicodeScalars))
        // The path of the table being filled: keys, and for arrays of tables the index of the last element.
        var currentPath: [(key: String, index: Int?)] = []
        var definedTables = Set<String>()
        while true {
            parser.skipBlankLinesAndComments()
            guard let c = parser.peek else { break }
            let line = parser.line
            if c == "[" {
                let isArray = parser.peek(1) == "["
                parser.advance(isArray ? 2 : 1)
                let keys = try parser.dottedKey()
                guard parser.consume("]"), !isArray || parser.consume("]") else {
                    throw SyntaxError(line: line, message: "a table header must end with \(isArray ? "]]" : "]")")
                }
                try parser.endOfLine()
                let name = keys.joined(separator: ".")
                if isArray {
                    currentPath = try Self.appendTableArray(&root, keys, line: line)
                } else {
                    guard definedTables.insert(name).inserted else {
                        throw SyntaxError(line: line, message: "table [\(name)] is defined twice")
                    }
                    currentPath = try Self.ensureTable(&root, keys.map { ($0, nil) }, line: line)
                }
                continue
            }
            let keys = try parser.dottedKey()
            parser.skipSpaces()
            guard parser.consume("=") else { throw SyntaxError(line: line, message: "expected '=' after the key") }
            parser.skipSpaces()
            let value = try parser.value()
            try parser.endOfLine()
            try Self.assign(&root, currentPath, keys, value, line: line)
        }
    }

    private static func appendTableArray(
        _ root: inout Table,
        _ keys: [String],
        line: Int
    ) throws(SyntaxError)
        -> [(key: String, index: Int?)]
    {
        let parentPath = try ensureTable(&root, Array(keys.dropLast()).map { ($0, nil) }, line: line)
        let last = keys.last!
        var index = 0
        try modify(&root, parentPath, line: line) { (table: inout Table) throws(SyntaxError) in
            switch table[last]?.value {
            case nil:
                table.set(last, .tableArray([Table(line: line)]), line: line)
            case .tableArray(var tables):
                tables.append(Table(line: line))
                index = tables.count - 1
                table.set(last, .tableArray(tables), line: line)
            default:
                throw SyntaxError(line: line, message: "'\(last)' is already defined as something else")
            }
        }
        return parentPath + [(last, index)]
    }

    private static func ensureTable(
        _ root: inout Table,
        _ path: [(key: String, index: Int?)],
        line: Int
    )
        throws(SyntaxError) -> [(key: String, index: Int?)]
    {
        var resolved: [(key: String, index: Int?)] = []
        for (key, _) in path {
            var existingIndex: Int?
            try modify(&root, resolved, line: line) { (table: inout Table) throws(SyntaxError) in
                switch table[key]?.value {
                case nil: table.set(key, .table(Table(line: line)), line: line)
                case .table: break
                case .tableArray(let tables): existingIndex = tables.count - 1
                default: throw SyntaxError(line: line, message: "'\(key)' is already defined as a value")
                }
            }
            resolved.append((key, existingIndex))
        }
        return resolved
    }

    private static func assign(
        _ root: inout Table,
        _ path: [(key: String, index: Int?)],
        _ keys: [String],
        _ value: Value,
        line: Int
    ) throws(SyntaxError) {
        let full = path + keys.dropLast().map { ($0, nil) }
        let resolved = try ensureTable(&root, full, line: line)
        let last = keys.last!
        try modify(&root, resolved, line: line) { (table: inout Table) throws(SyntaxError) in
            if let existing = table[last] {
                throw SyntaxError(line: line, message: "'\(last)' is defined twice (first on line \(existing.line))")
            }
            table.set(last, value, line: line)
        }
    }

    /// Applies `body` to the table at `path` inside `table`.
    private static func modify(
        _ table: inout Table,
        _ path: [(key: String, index: Int?)],
        line: Int,
        _ body: (inout Table) throws(SyntaxError) -> Void
    ) throws(SyntaxError) {
        guard let (key, index) = path.first else {
            try body(&table)
            return
        }
        let rest = Array(path.dropFirst())
        switch table[key]?.value {
        case .table(var inner):
            try modify(&inner, rest, line: line, body)
            table.set(key, .table(inner), line: table[key]!.line)
        case .tableArray(var tables):
            let i = index ?? tables.count - 1
            try modify(&tables[i], rest, line: line, body)
            table.set(key, .tableArray(tables), line: table[key]!.line)
        default:
            throw SyntaxError(line: line, message: "'\(key)' is not a table")
        }
    }
}

/// The character-level reader.
private struct Parser {
    let text: [Unicode.Scalar]
    var position = 0
    var line = 1

    init(_ text: [Unicode.Scalar]) {
        self.text = text
    }

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

    mutating func skipSpaces() {
        while let c = peek, c == " " || c == "\t" { advance() }
    }

    mutating func skipComment() {
        if peek == "#" { while let c = peek, c != "\n" { advance() } }
    }

    mutating func skipBlankLinesAndComments() {
        while true {
            skipSpaces()
            skipComment()
            if peek == "\r" { advance() }
            guard peek == "\n" else { return }
            advance()
        }
    }

    mutating func endOfLine() throws(TOMLDocument.SyntaxError) {
        skipSpaces()
        skipComment()
        if peek == "\r" { advance() }
        guard peek == nil || peek == "\n" else {
            throw .init(line: line, message: "unexpected text after the value")
        }
    }

    mutating func dottedKey() throws(TOMLDocument.SyntaxError) -> [String] {
        var keys: [String] = []
        repeat {
            guard keys.count < TOMLDocument.Limit.keyParts else {
                throw .init(
                    line: line,
                    message: "a key has more than \(TOMLDocument.Limit.keyParts) dotted parts (the limit)"
                )
            }
            skipSpaces()
            if peek == "\"" || peek == "'" {
                keys.append(try string())
            } else {
                var key = ""
                while let c = peek,
                    c.properties.isAlphabetic && c.isASCII || ("0"..."9").contains(c) || c == "_" || c == "-"
                {
                    key.unicodeScalars.append(c)
                    advance()
                }
                guard !key.isEmpty else { throw .init(line: line, message: "expected a key") }
                keys.append(key)
            }
            guard keys.last!.unicodeScalars.count <= TOMLDocument.Limit.keyLength else {
                throw .init(
                    line: line,
                    message: "a key is longer than \(TOMLDocument.Limit.keyLength) characters (the limit)"
                )
            }
            skipSpaces()
        } while consume(".")
        return keys
    }

    /// A value; `depth` counts the arrays it is inside.
    mutating func value(depth: Int = 0) throws(TOMLDocument.SyntaxError) -> TOMLDocument.Value {
        guard let c = peek else { throw .init(line: line, message: "expected a value") }
        switch c {
        case "\"", "'":
            return .string(try string())
        case "[":
            guard depth < TOMLDocument.Limit.arrayNesting else {
                throw .init(
                    line: line,
                    message: "arrays are nested more than \(TOMLDocument.Limit.arrayNesting) deep (the limit)"
                )
            }
            advance()
            var items: [TOMLDocument.Value] = []
            while true {
                skipBlankLinesAndComments()
                if consume("]") { break }
                guard items.count < TOMLDocument.Limit.arrayItems else {
                    throw .init(
                        line: line,
                        message: "an array has more than \(TOMLDocument.Limit.arrayItems) items (the limit)"
                    )
                }
                items.append(try value(depth: depth + 1))
                skipBlankLinesAndComments()
                if consume(",") { continue }
                skipBlankLinesAndComments()
                guard consume("]") else { throw .init(line: line, message: "expected ',' or ']' in an array") }
                break
            }
            return .array(items)
        case "{":
            throw .init(line: line, message: "inline tables are not supported; use a [table]")
        default:
            var word = ""
            while let d = peek, d != " ", d != "\t", d != ",", d != "]", d != "#", d != "\n", d != "\r" {
                word.unicodeScalars.append(d)
                advance()
            }
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            let digits = String(word.unicodeScalars.filter { $0 != "_" })
            if let integer = Int(digits) { return .integer(integer) }
            if let float = Double(digits), digits.contains(".") || digits.contains("e") || digits.contains("E") {
                return .float(float)
            }
            throw .init(line: line, message: "'\(word)' is not a value (strings need quotes)")
        }
    }

    mutating func string() throws(TOMLDocument.SyntaxError) -> String {
        let quote = peek!
        let startLine = line
        advance()
        let start = position
        var result = ""
        while let c = peek {
            if c == "\n" { break }
            advance()
            if c == quote { return result }
            guard position - start <= TOMLDocument.Limit.stringLength else {
                throw .init(
                    line: startLine,
                    message: "a string is longer than \(TOMLDocument.Limit.stringLength) characters (the limit)"
                )
            }
            if c == "\\" && quote == "\"" {
                guard let escape = peek else { break }
                advance()
                switch escape {
                case "n": result += "\n"
                case "t": result += "\t"
                case "r": result += "\r"
                case "\\": result += "\\"
                case "\"": result += "\""
                case "u", "U":
                    let count = escape == "u" ? 4 : 8
                    var hex = ""
                    for _ in 0..<count {
                        if let h = peek { hex.unicodeScalars.append(h) }
                        advance()
                    }
                    guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                        throw .init(line: line, message: "bad unicode escape \\\(escape)\(hex)")
                    }
                    result.unicodeScalars.append(scalar)
                default:
                    throw .init(line: line, message: "unknown escape \\\(escape)")
                }
            } else {
                result.unicodeScalars.append(c)
            }
        }
        throw .init(line: startLine, message: "string is not closed")
    }
}
