import Foundation
import Testing

@testable import logonym

/// The configuration's TOML reader: values of every kind, the tables they build, the line of every key, and the
/// line of every error; then the TOML project's own conformance suite.
struct TOMLTests {
    private static func read(_ text: String) throws -> TOMLDocument.Table {
        try TOMLDocument(text).root
    }

    private static func value(_ text: String) throws -> TOMLDocument.Value {
        try #require(try read("v = " + text)["v"]).value
    }

    private static func string(_ text: String) throws -> String {
        guard case .string(let string) = try value(text) else { throw TOMLDocument.SyntaxError(line: 0, message: "") }
        return string
    }

    @Test func multiLineBasicStringsKeepTheirLinesAndJoinBackslashedLineEnds() throws {
        #expect(try Self.string("\"\"\"\none\r\ntwo\"\"\"") == "one\ntwo")
        #expect(try Self.string("\"\"\"a \\\n    \n   b\"\"\"") == "a b")
        #expect(try Self.string("\"\"\"\"quoted\" \"\"\"\"\"") == "\"quoted\" \"\"")
        #expect(try Self.string("\"\"\"tab\\there\"\"\"") == "tab\there")
    }

    @Test func literalStringsAreTakenAsWritten() throws {
        #expect(try Self.string("'C:\\Users\\x'") == "C:\\Users\\x")
        #expect(try Self.string("'''\nfirst\\n\n''second'''") == "first\\n\n''second")
    }

    @Test func everyEscapeOfABasicStringIsDecoded() throws {
        #expect(try Self.string(#""\b\t\n\f\r\"\\""#) == "\u{08}\t\n\u{0C}\r\"\\")
        #expect(try Self.string(#""\u00E9 \U0001F600""#) == "é 😀")
    }

    @Test func integersAreReadInEveryBaseWithUnderscores() throws {
        let cases: [(String, Int)] = [
            ("1_000", 1000), ("+17", 17), ("-0", 0), ("0xDEAD_beef", 0xDEAD_BEEF), ("0o755", 0o755), ("0b1101", 13),
            ("9223372036854775807", .max), ("-9223372036854775808", .min),
        ]
        for (text, expected) in cases {
            guard case .integer(let value) = try Self.value(text) else {
                Issue.record("\(text) is not an integer")
                continue
            }
            #expect(value == expected, "\(text)")
        }
    }

    @Test func floatsIncludeExponentsInfinityAndNaN() throws {
        let cases: [(String, Double)] = [
            ("3.1415", 3.1415), ("-0.01", -0.01), ("5e+22", 5e22), ("6.626e-34", 6.626e-34), ("1_000.000_1", 1000.0001),
            ("inf", .infinity), ("-inf", -.infinity),
        ]
        for (text, expected) in cases {
            guard case .float(let value) = try Self.value(text) else {
                Issue.record("\(text) is not a float")
                continue
            }
            #expect(value == expected, "\(text)")
        }
        guard case .float(let nan) = try Self.value("-nan") else {
            Issue.record("nan is not a float")
            return
        }
        #expect(nan.isNaN)
    }

    @Test func datesAndTimesOfEveryKindKeepTheirParts() throws {
        let cases: [(String, String, String)] = [
            ("1979-05-27T07:32:00Z", "1979-05-27T07:32:00Z", "an offset date-time"),
            ("1979-05-27 00:32:00.999999-07:00", "1979-05-27T00:32:00.999999-07:00", "an offset date-time"),
            ("1979-05-27t07:32:00", "1979-05-27T07:32:00", "a local date-time"),
            ("2024-02-29", "2024-02-29", "a local date"),
            ("00:32:00.5", "00:32:00.5", "a local time"),
        ]
        for (text, canonical, kind) in cases {
            guard case .dateTime(let value) = try Self.value(text) else {
                Issue.record("\(text) is not a date-time")
                continue
            }
            #expect(value.description == canonical)
            #expect(value.typeName == kind)
        }
        guard case .dateTime(let value) = try Self.value("1979-05-27T07:32:00.5+05:30") else {
            Issue.record("not a date-time")
            return
        }
        #expect(value.date == TOMLDocument.LocalDate(year: 1979, month: 5, day: 27))
        #expect(value.time == TOMLDocument.LocalTime(hour: 7, minute: 32, second: 0, nanosecond: 500_000_000))
        #expect(value.offsetMinutes == 330)
    }

    @Test func inlineTablesDottedKeysAndHeadersBuildTheSameTables() throws {
        let forms = [
            "[state]\ndir = \"s\"\n[output.format]\nkind = \"json\"\n",
            "state.dir = \"s\"\noutput.format.kind = \"json\"\n",
            "state = { dir = \"s\" }\noutput = { format.kind = \"json\" }\n",
        ]
        for form in forms {
            let root = try Self.read(form)
            guard case .table(let state) = root["state"]?.value, case .string("s") = state["dir"]?.value,
                case .table(let output) = root["output"]?.value, case .table(let format) = output["format"]?.value,
                case .string("json") = format["kind"]?.value
            else {
                Issue.record("not read as tables: \(form)")
                continue
            }
        }
    }

    @Test func arraysOfTablesCollectTheirElementsAndSubTables() throws {
        let root = try Self.read("[[input]]\nname = \"a\"\n[input.extra]\nx = 1\n\n[[input]]\nname = \"b\"\n")
        guard case .tableArray(let inputs) = root["input"]?.value else {
            Issue.record("input is not an array of tables")
            return
        }
        #expect(inputs.count == 2)
        #expect(inputs.map(\.line) == [1, 6])
        guard case .table(let extra) = inputs[0]["extra"]?.value, case .integer(1) = extra["x"]?.value else {
            Issue.record("[input.extra] is not in the first input")
            return
        }
        #expect(inputs[1]["extra"] == nil)
    }

    @Test func keysThatDifferOnlyInUnicodeNormalizationAreTwoKeys() throws {
        let root = try Self.read("\"\\u00E9\" = 1\n\"e\\u0301\" = 2\n")
        #expect(root.entries.map { Array($0.key.unicodeScalars) } == [["\u{E9}"], ["e", "\u{301}"]])
        guard case .integer(2) = root["e\u{301}"]?.value else {
            Issue.record("the second key is not found by its own code points")
            return
        }
    }

    @Test func everyKeyKeepsTheLineItIsDefinedOnInFileOrder() throws {
        let root = try Self.read("# comment\n\na = \"\"\"\n\n\"\"\"\nb = [\n  1,\n]\n[t]\nc = 1\n")
        #expect(root.entries.map(\.key) == ["a", "b", "t"])
        #expect(root.entries.map(\.line) == [3, 6, 9])
        guard case .table(let table) = root["t"]?.value else {
            Issue.record("t is not a table")
            return
        }
        #expect(table["c"]?.line == 10)
    }

    @Test(arguments: [
        ("a = 1\nb = \"\"\"\nnever closed", 2, "a multi-line string is not closed"),
        ("a = 1\na = 2", 2, "'a' is defined twice (first on line 1)"),
        ("[t]\n[t]", 2, "table [t] is defined twice (first on line 1)"),
        ("a.b = 1\n[a]", 2, "table [a] was already defined by dotted keys on line 1"),
        ("[a.b]\n[a]\nb.c = 1", 3, "'b' is a table defined by a header (line 1)"),
        ("a = [1]\n[[a]]", 2, "'a' is already an array (line 1)"),
        ("t = { a = 1 }\n[t]", 2, "'t' is already a table (line 1)"),
        ("t = { a = 1, }", 1, "an inline table cannot end with a comma"),
        ("t = { a = 1\n}", 1, "an inline table is one line"),
        ("n = 012", 1, "'012' has a leading zero"),
        ("n = 9223372036854775808", 1, "'9223372036854775808' does not fit in a 64-bit integer"),
        ("n = 1__0", 1, "'1__0' is not a value"),
        ("d = 2023-02-29", 1, "'2023-02-29' is not a valid date or time"),
        ("d = 10:00", 1, "'10:00' is not a valid date or time"),
        ("s = \"\\x41\"", 1, "\\x is not an escape"),
        ("s = \"\\uD800\"", 1, "\\uD800 is not a Unicode scalar value"),
        ("\n\ns = \"a\u{7}\"", 3, "the character U+0007 is not allowed in a string"),
        ("a = 1 # bell \u{7}", 1, "is not allowed in a comment"),
        ("a = 1\rb = 2", 1, "unexpected the end of the line after the value"),
        ("a = 1 2", 1, "unexpected '2' after the value"),
        ("a =\n1", 1, "expected a value, found the end of the line"),
        ("[a]x = 1", 1, "unexpected 'x' after the table header"),
    ])
    func invalidTOMLIsRefusedNamingTheLine(_ text: String, _ line: Int, _ message: String) {
        do {
            _ = try TOMLDocument(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func bytesThatAreNotUTF8AreRefusedNamingTheLine() {
        do {
            _ = try TOMLDocument(bytes: Array("a = 1\n# ".utf8) + [0xC3, 0x0A])
            Issue.record("accepted bytes that are not UTF-8")
        } catch {
            #expect(error.line == 2 && error.message == "the file is not valid UTF-8", "\(error)")
        }
        #expect(throws: Never.self) { try TOMLDocument(bytes: [0xEF, 0xBB, 0xBF] + Array("a = 1".utf8)) }
    }
}

/// What the configuration loader makes of TOML beyond its own keys' usual spelling.
struct TOMLConfigTests {
    @Test func aConfigurationWrittenWithInlineTablesDottedKeysAndMultiLineStringsIsAccepted() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("inline.toml")
        let text = """
            state = { dir = "state" }
            output.dir = '''out'''
            anonymize.json_address_keys = [
              "client", # a comment inside an array
              \"\"\"
            peer\"\"\",
            ]
            input = [{ name = "web", paths = ["access.log"] }, { name = "api", paths = ["api.log"] }]

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["check-config", path])
        #expect(result.status == 0, "\(result.stdoutText)")
        #expect(result.stdoutText == path + ": OK (2 inputs)\n")
    }

    @Test func aValueOfAKindTheKeyDoesNotTakeIsRefusedNamingFileLineAndKey() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("kinds.toml")
        let text = """
            state.dir = "state"
            output = { dir = "out", window = 1979-05-27T07:32:00Z, compress = 1 }
            [[input]]
            name = "web"
            paths = ["access.log", 2024-01-01]

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["check-config", path])
        #expect(result.status == 2)
        #expect(
            result.stdoutText == """
                \(path):2: output.window: must be a string, not an offset date-time
                \(path):2: output.compress: must be true or false, not an integer
                \(path):5: input[0].paths: must hold only strings, not a local date
                \(path):5: input[0].paths: needs at least one path

                """
        )
    }

    @Test(arguments: [
        (Array("[state]\ndir = \"state\"\n[state]\n".utf8), "3: -: table [state] is defined twice (first on line 1)"),
        (Array("[state]\n# caf".utf8) + [0xE9, 0x0A], "2: -: the file is not valid UTF-8"),
    ])
    func aTOMLErrorInTheConfigurationNamesFileAndLine(_ bytes: [UInt8], _ message: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("broken.toml")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try CLI.run(["check-config", path])
        #expect(result.status == 2)
        #expect(result.stdoutText == "\(path):\(message)\n")
    }
}

/// The TOML project's conformance suite (`toml-test`), read from `../shared/testdata/toml-test` beside the package
/// (never copied into it): every TOML 1.0.0 case its `files-toml-1.0.0` lists. A valid case's document must decode to
/// the typed values of the `.json` beside it; an invalid case must be refused.
struct TOMLConformanceTests {
    static let suite = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/testdata/toml-test/tests").standardized

    static let isPresent = FileManager.default.fileExists(atPath: suite.appendingPathComponent("files-toml-1.0.0").path)

    @Test(.enabled(if: isPresent, "../shared/testdata/toml-test is not beside the package: the suite did not run"))
    func everyTOML10CaseOfTheConformanceSuitePasses() throws {
        let list = try String(contentsOf: Self.suite.appendingPathComponent("files-toml-1.0.0"), encoding: .utf8)
        let files = list.split(separator: "\n").map(String.init).filter { $0.hasSuffix(".toml") }
        let valid = files.filter { $0.hasPrefix("valid/") }
        let invalid = files.filter { $0.hasPrefix("invalid/") }

        var failures: [String] = []
        for name in valid {
            let data = try Data(contentsOf: Self.suite.appendingPathComponent(name))
            let json = try Data(contentsOf: Self.suite.appendingPathComponent(String(name.dropLast(4)) + "json"))
            let expected = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
            do {
                let document = try TOMLDocument(bytes: data)
                if let mismatch = Self.mismatch(.table(document.root), expected, at: "") {
                    failures.append("\(name): \(mismatch)")
                }
            } catch {
                failures.append("\(name): refused: \(error)")
            }
        }
        var accepted: [String] = []
        for name in invalid {
            let data = try Data(contentsOf: Self.suite.appendingPathComponent(name))
            if (try? TOMLDocument(bytes: data)) != nil { accepted.append(name) }
        }
        let notRun = try FileManager.default.subpathsOfDirectory(atPath: Self.suite.path)
            .filter { $0.hasSuffix(".toml") && !files.contains($0) }

        print(
            """
            toml-test (TOML 1.0.0): valid \(valid.count - failures.count)/\(valid.count) decoded as expected, \
            invalid \(invalid.count - accepted.count)/\(invalid.count) refused; \
            \(notRun.count) cases of TOML 1.1 not run
            """
        )
        #expect(failures.isEmpty, "\(failures.count) valid cases failed:\n\(failures.joined(separator: "\n"))")
        #expect(accepted.isEmpty, "\(accepted.count) invalid cases accepted:\n\(accepted.joined(separator: "\n"))")
        // The suite as copied into ../shared; a changed copy shows here rather than as silently fewer cases.
        #expect(valid.count == 210 && invalid.count == 499, "\(valid.count) valid, \(invalid.count) invalid")
    }

    /// Where a decoded value differs from toml-test's typed JSON (`{"type": ..., "value": ...}` for each scalar).
    static func mismatch(_ value: TOMLDocument.Value, _ expected: Any, at path: String) -> String? {
        switch value {
        case .table(let table):
            guard let object = expected as? [String: Any] else { return "\(path): a table, expected \(expected)" }
            let keys = table.entries.map(\.key)
            guard keys.count == object.count, keys.allSatisfy({ object[$0] != nil }) else {
                return "\(path): keys \(keys.sorted()), expected \(object.keys.sorted())"
            }
            for (key, value, _) in table.entries {
                if let mismatch = mismatch(value, object[key]!, at: path + "." + key) { return mismatch }
            }
            return nil
        case .array(let items):
            return mismatch(items, expected, at: path)
        case .tableArray(let tables):
            return mismatch(tables.map { .table($0) }, expected, at: path)
        default:
            guard let tagged = expected as? [String: Any], let type = tagged["type"] as? String,
                let text = tagged["value"] as? String
            else { return "\(path): \(value.typeName), expected \(expected)" }
            let matches: Bool
            switch value {
            case .string(let string):
                matches = type == "string" && string.unicodeScalars.elementsEqual(text.unicodeScalars)
            case .integer(let integer): matches = type == "integer" && Int(text) == integer
            case .float(let float):
                let number = Double(text)
                matches =
                    type == "float"
                    && (number?.isNaN == true ? float.isNaN : number == float && number?.sign == float.sign)
            case .bool(let bool): matches = type == "bool" && text == String(bool)
            case .dateTime(let dateTime):
                let kinds = [
                    "an offset date-time": "datetime", "a local date-time": "datetime-local",
                    "a local date": "date-local", "a local time": "time-local",
                ]
                matches = kinds[dateTime.typeName] == type && dateTime.description == Self.canonical(text)
            default: matches = false
            }
            return matches ? nil : "\(path): \(value), expected \(type) \(text)"
        }
    }

    private static func mismatch(_ items: [TOMLDocument.Value], _ expected: Any, at path: String) -> String? {
        guard let list = expected as? [Any], list.count == items.count else {
            return "\(path): an array of \(items.count), expected \(expected)"
        }
        for (index, (item, expected)) in zip(items, list).enumerated() {
            if let mismatch = mismatch(item, expected, at: "\(path)[\(index)]") { return mismatch }
        }
        return nil
    }

    /// toml-test's date-time text with the fraction's trailing zeros dropped (`17:45:56.600Z` is `17:45:56.6Z`).
    private static func canonical(_ text: String) -> String {
        guard let dot = text.firstIndex(of: ".") else { return text }
        let digitsEnd = text[text.index(after: dot)...].firstIndex { !$0.isNumber } ?? text.endIndex
        var fraction = String(text[text.index(after: dot)..<digitsEnd])
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return String(text[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + text[digitsEnd...]
    }
}
