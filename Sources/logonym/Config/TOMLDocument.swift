/// A TOML 1.0 reader for logonym's configuration: every value kind of the specification, with the line of every key,
/// so that every problem can name its key and line.
///
/// It passes the TOML project's conformance suite (`toml-test`, the TOML 1.0.0 cases; see `TOMLTests`).
struct TOMLDocument {
    indirect enum Value {
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        /// An offset date-time, a local date-time, a local date or a local time.
        case dateTime(DateTime)
        /// An array written as a value (`[1, 2]`, `[{ a = 1 }]`).
        case array([Value])
        /// A table: a `[header]`, one made by dotted keys, or an inline table (`{ a = 1 }`).
        case table(Table)
        /// An array of tables (`[[header]]`).
        case tableArray([Table])

        var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .bool: "a boolean"
            case .dateTime(let value): value.typeName
            case .array: "an array"
            case .table: "a table"
            case .tableArray: "an array of tables"
            }
        }
    }

    /// A calendar date (`1979-05-27`).
    struct LocalDate: Equatable {
        var year: Int
        var month: Int
        var day: Int
    }

    /// A time of day (`07:32:00.999`); digits past nanoseconds are dropped.
    struct LocalTime: Equatable {
        var hour: Int
        var minute: Int
        var second: Int
        var nanosecond: Int
    }

    /// A date, a time, or both; with both, an optional offset from UTC in minutes (`nil` for a local date-time).
    struct DateTime: Equatable, CustomStringConvertible {
        var date: LocalDate?
        var time: LocalTime?
        var offsetMinutes: Int?

        var typeName: String {
            switch (date, time, offsetMinutes) {
            case (.some, .some, .some): "an offset date-time"
            case (.some, .some, nil): "a local date-time"
            case (.some, nil, _): "a local date"
            default: "a local time"
            }
        }

        /// RFC 3339 text: `T` between date and time, the fraction without trailing zeros, `Z` for offset zero.
        var description: String {
            func pad(_ value: Int, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            var parts: [String] = []
            if let date { parts.append("\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))") }
            if let time {
                var text = "\(pad(time.hour, 2)):\(pad(time.minute, 2)):\(pad(time.second, 2))"
                if time.nanosecond > 0 {
                    var fraction = pad(time.nanosecond, 9)
                    while fraction.hasSuffix("0") { fraction.removeLast() }
                    text += "." + fraction
                }
                if let offset = offsetMinutes, offset == 0 {
                    text += "Z"
                } else if let offset = offsetMinutes {
                    text += "\(offset < 0 ? "-" : "+")\(pad(abs(offset) / 60, 2)):\(pad(abs(offset) % 60, 2))"
                }
                parts.append(text)
            }
            return parts.joined(separator: "T")
        }
    }

    /// A table: its entries in file order, each with the line it was defined on.
    struct Table {
        private(set) var entries: [(key: String, value: Value, line: Int)] = []
        /// Keys are told apart by their code points, not by Swift's canonical equivalence (TOML keeps `"\u00E9"` and
        /// `"e\u0301"` apart).
        private var index: [[Unicode.Scalar]: Int] = [:]
        var line: Int

        init(line: Int) {
            self.line = line
        }

        subscript(_ key: String) -> (value: Value, line: Int)? {
            index[Array(key.unicodeScalars)].map { (entries[$0].value, entries[$0].line) }
        }

        /// Adds an entry; the reader has already refused a key defined twice.
        mutating func append(_ key: String, _ value: Value, line: Int) {
            precondition(index[Array(key.unicodeScalars)] == nil, "TOML key '\(key)' appended twice")
            index[Array(key.unicodeScalars)] = entries.count
            entries.append((key, value, line))
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
        /// Arrays and inline tables inside one another.
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
        try self.init(scalars: Array(text.unicodeScalars))
    }

    /// Parses a file's bytes, which must be UTF-8 (the error names the line of the first byte that is not).
    init(bytes: some Sequence<UInt8>) throws(SyntaxError) {
        var scalars: [Unicode.Scalar] = []
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var line = 1
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" { line += 1 }
                scalars.append(scalar)
            case .emptyInput:
                break decoding
            case .error:
                throw SyntaxError(line: line, message: "the file is not valid UTF-8")
            }
        }
        try self.init(scalars: scalars)
    }

    private init(scalars: [Unicode.Scalar]) throws(SyntaxError) {
        var parser = TOMLParser(scalars.first == "\u{FEFF}" ? Array(scalars.dropFirst()) : scalars)
        root = try parser.document()
    }
}
