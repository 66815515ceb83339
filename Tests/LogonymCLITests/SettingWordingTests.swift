import Foundation
import Testing

/// A setting given as a flag and as a configuration key follows one rule with one message: only where the value came
/// from differs (`--compression-level: …` against `logonym.toml:5: output.compression_level: …`).
struct SettingWordingTests {
    /// One rule broken twice: by `flags` to `anonymize`, and by `toml`, a line in `[section]` of a configuration.
    struct Case: CustomTestStringConvertible, Sendable {
        var flag: String
        var flags: [String]
        var section: String
        var toml: String
        var key: String

        var testDescription: String { "\(flag) and \(key)" }
    }

    static let windowed = ["--window", "1h", "--output-dir", "out", "--state-dir", "state"]

    static let cases: [Case] = [
        Case(
            flag: "--compression-level",
            flags: ["--compression-level", "12"],
            section: "output",
            toml: "compression_level = 12",
            key: "output.compression_level"
        ),
        Case(
            flag: "--max-line-bytes",
            flags: ["--max-line-bytes", "100"],
            section: "anonymize",
            toml: "max_line_bytes = 100",
            key: "anonymize.max_line_bytes"
        ),
        Case(
            flag: "--ipv4-prefix",
            flags: ["--ipv4-prefix", "32"],
            section: "anonymize",
            toml: "ipv4_prefix = 32",
            key: "anonymize.ipv4_prefix"
        ),
        Case(
            flag: "--ipv6-prefix",
            flags: ["--ipv6-prefix", "200"],
            section: "anonymize",
            toml: "ipv6_prefix = 200",
            key: "anonymize.ipv6_prefix"
        ),
        Case(
            flag: "--preset",
            flags: ["--preset", "lax"],
            section: "anonymize",
            toml: "preset = \"lax\"",
            key: "anonymize.preset"
        ),
        Case(
            flag: "--method",
            flags: ["--method", "rot13"],
            section: "anonymize",
            toml: "method = \"rot13\"",
            key: "anonymize.method"
        ),
        Case(
            flag: "--on-unparsable",
            flags: ["--on-unparsable", "keep"],
            section: "anonymize",
            toml: "on_unparsable = \"keep\"",
            key: "anonymize.on_unparsable"
        ),
        Case(
            flag: "--key-mode",
            flags: windowed + ["--method", "hmac", "--key-mode", "shared"],
            section: "anonymize",
            toml: "key_mode = \"shared\"",
            key: "anonymize.key_mode"
        ),
        Case(
            flag: "--format",
            flags: ["--format", "fancy"],
            section: "input",
            toml: "format = \"fancy\"",
            key: "input[0].format"
        ),
        Case(
            flag: "--log-format",
            flags: ["--log-format", "$remote_addr$status"],
            section: "input",
            toml: "log_format = \"$remote_addr$status\"",
            key: "input[0].log_format"
        ),
        Case(
            flag: "--source",
            flags: windowed + ["--source", ".hidden"],
            section: "input",
            toml: "name = \".hidden\"",
            key: "input[0].name"
        ),
        Case(
            flag: "--output-format",
            flags: ["--output-format", "xml"],
            section: "output",
            toml: "format = \"xml\"",
            key: "output.format"
        ),
        Case(
            flag: "--window",
            flags: ["--window", "2h"],
            section: "output",
            toml: "window = \"2h\"",
            key: "output.window"
        ),
        Case(
            flag: "--remote-user",
            flags: ["--remote-user", "hash"],
            section: "scrub",
            toml: "remote_user = \"hash\"",
            key: "scrub.remote_user"
        ),
        Case(
            flag: "--remote-user",
            flags: ["--remote-user", "mask"],
            section: "scrub",
            toml: "remote_user = \"mask\"",
            key: "scrub.remote_user"
        ),
        Case(
            flag: "--user-agent",
            flags: ["--user-agent", "short"],
            section: "scrub",
            toml: "user_agent = \"short\"",
            key: "scrub.user_agent"
        ),
        Case(
            flag: "--scrub-marker",
            flags: ["--scrub-marker", "a b"],
            section: "scrub",
            toml: "marker = \"a b\"",
            key: "scrub.marker"
        ),
        Case(
            flag: "--geo-level",
            flags: ["--geo", CLI.fixture("geo/logonym-test.mmdb"), "--geo-level", "city"],
            section: "geo",
            toml: "line_level = \"city\"",
            key: "geo.line_level"
        ),
        Case(
            flag: "--geo-field",
            flags: ["--geo", CLI.fixture("geo/logonym-test.mmdb"), "--geo-field", "prepend"],
            section: "geo",
            toml: "field = \"prepend\"",
            key: "geo.field"
        ),
        Case(
            flag: "--geo-k",
            flags: ["--geo", CLI.fixture("geo/logonym-test.mmdb"), "--geo-k", "0"],
            section: "geo",
            toml: "k = 0",
            key: "geo.k"
        ),
    ]

    /// A valid configuration with `line` added to `[section]`.
    static func configuration(_ section: String, _ line: String) -> String {
        var sections: [(String, [String])] = [
            ("[state]", ["dir = \"state\""]),
            ("[output]", ["dir = \"out\""]),
            ("[anonymize]", []),
            ("[scrub]", []),
            ("[geo]", ["database = \"\(CLI.fixture("geo/logonym-test.mmdb"))\""]),
            ("[[input]]", ["name = \"web\"", "paths = [\"access.log\"]"]),
        ]
        let header = section == "input" ? "[[input]]" : "[\(section)]"
        let key = line.prefix { $0 != " " }
        for index in sections.indices where sections[index].0 == header {
            sections[index].1.removeAll { $0.hasPrefix(key + " ") }
            sections[index].1.append(line)
        }
        return sections.map { ([$0.0] + $0.1).joined(separator: "\n") }.joined(separator: "\n") + "\n"
    }

    @Test(arguments: cases)
    func aFlagAndAKeyOfOneRuleAreRefusedInTheSameWords(_ rule: Case) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }

        let flagged = try CLI.run(["anonymize", "-", "--summary", "none"] + rule.flags, stdin: Data())
        #expect(flagged.status == 2, "\(flagged.stderr)")
        let flagPrefix = "logonym: \(rule.flag): "
        let flagLine = flagged.stderr.split(separator: "\n").first { $0.hasPrefix(flagPrefix) }
        let flagMessage = try #require(flagLine, "no '\(flagPrefix)' in \(flagged.stderr)").dropFirst(flagPrefix.count)

        let path = scratch.file("logonym.toml")
        let text = Self.configuration(rule.section, rule.toml)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let lineNumber = try #require(text.split(separator: "\n").firstIndex { $0 == rule.toml }) + 1
        let checked = try CLI.run(["check-config", path])
        #expect(checked.status == 2, "\(checked.stdoutText)")
        let keyPrefix = "\(path):\(lineNumber): \(rule.key): "
        let keyLine = checked.stdoutText.split(separator: "\n").first { $0.hasPrefix(keyPrefix) }
        let keyMessage = try #require(keyLine, "no '\(keyPrefix)' in \(checked.stdoutText)").dropFirst(keyPrefix.count)

        #expect(!flagMessage.isEmpty)
        #expect(flagMessage == keyMessage)
    }
}
