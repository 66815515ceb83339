import Foundation
import Testing

/// The scrub stage through the built binary: a gzipped log with planted personal data, the control corpus, the
/// flags and `[scrub]` keys, the daemon, and `stats --by scrubbed`.
struct ScrubCommandTests {
    static func rows(_ name: String) throws -> [String] {
        try String(contentsOfFile: CLI.fixture(name), encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map(String.init)
    }

    static func line(_ request: String, _ referrer: String, agent: String = "curl/8.5.0", user: String = "-") -> String
    {
        #"192.0.2.0 - \#(user) [27/Nov/2026:10:00:00 +0000] "GET \#(request) HTTP/1.1" 200 512 "\#(referrer)" "\#(agent)""#
    }

    /// Every planted URL as a request and as a referrer, gzipped; returns the path and the planted values.
    static func plantedLog(_ scratch: Scratch) throws -> (path: String, values: [String], lines: Int) {
        let planted = try rows("scrub/planted.tsv").map { $0.split(separator: "\t").map(String.init) }
        let text =
            planted.map { line($0[0], "https://www.example.com" + ($0[0].hasPrefix("/") ? $0[0] : "/")) }
            .joined(separator: "\n") + "\n"
        let plain = scratch.file("planted.log")
        try Data(text.utf8).write(to: URL(fileURLWithPath: plain))
        let gzip = try CLI.runProgram("/bin/gzip", ["-kf", plain])
        #expect(gzip.status == 0)
        return (plain + ".gz", planted.map { $0[1] }, planted.count)
    }

    @Test func aGzippedLogLosesEveryPlantedValueAndCountsThemByName() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (log, values, lines) = try Self.plantedLog(scratch)
        let output = scratch.file("out.log")
        let run = try CLI.run(["anonymize", log, "-o", output, "--summary", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.split(separator: "\n").count == lines)
        for value in values {
            #expect(!text.contains(value), "\(value)")
            let decoded = value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value
            #expect(!text.contains(decoded), "\(decoded)")
        }
        let summary = try CLI.summary(run)
        let scrubbed = try #require(summary["scrubbed"] as? [String: Int])
        #expect(scrubbed["param:password"] ?? 0 >= 2)
        #expect(scrubbed["detector:email"] ?? 0 >= 2)
        #expect(scrubbed["detector:card"] ?? 0 >= 2)
        for name in scrubbed.keys {
            #expect(!values.contains { $0.count >= 4 && name.contains($0) }, "\(name)")
        }
        // The same log with the stage off keeps them: the check above can fail.
        let off = try CLI.run(["anonymize", log, "--scrub", "off", "--summary", "json"])
        #expect(off.stdoutText.contains("hunter2") && off.stdoutText.contains("alice%40example.com"))
        #expect(try CLI.summary(off)["scrubbed"] == nil)
    }

    @Test(
        .enabled(
            if: CLI.which("goaccess") != nil || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs goaccess (.ci/run installs it)"
        )
    )
    func goAccessParsesTheScrubbedOutput() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (log, _, lines) = try Self.plantedLog(scratch)
        let output = scratch.file("out.log")
        #expect(try CLI.run(["anonymize", log, "-o", output, "--summary", "none"]).status == 0)
        let general = try CLI.goAccessSummary(output, ["--log-format=COMBINED"], scratch: scratch)
        #expect(general["total_requests"] as? Int == lines)
        #expect(general["failed_requests"] as? Int == 0)
    }

    @Test func theControlCorpusComesOutByteForByte() throws {
        let urls = try Self.rows("scrub/control.txt")
        let agents = try Self.rows("scrub/control-agents.txt")
        let text =
            (urls.map { Self.line($0, $0) } + agents.map { Self.line("/", "-", agent: $0) }).joined(separator: "\n")
            + "\n"
        let run = try CLI.run(["anonymize", "-", "--summary", "none"], stdin: Data(text.utf8))
        #expect(run.status == 0)
        #expect(run.stdoutText == text)
    }

    @Test func badFlagsAndKeysAreNamed() throws {
        let input = Data((Self.line("/", "-") + "\n").utf8)
        for (flags, message) in [
            (["--scrub", "maybe"], "--scrub: 'maybe' is not a scrub switch; use on or off"),
            (["--scrub-mode", "greylist"], "--scrub-mode"),
            (["--remote-user", "hash"], "--remote-user: 'hash' needs a keyed method"),
            (["--user-agent", "short"], "--user-agent"),
            (["--scrub-marker", "a b"], "--scrub-marker"),
            (["--scrub-marker", "x\ny"], "--scrub-marker"),
            (["--scrub-marker", "x\ty"], "--scrub-marker"),
            (["--scrub-marker", "x\\y"], "--scrub-marker"),
        ] {
            let run = try CLI.run(["anonymize", "-"] + flags, stdin: input)
            #expect(run.status == 2, "\(flags)")
            #expect(run.stderr.contains(message), "\(run.stderr)")
        }
        for (config, key) in [
            ("[scrub]\nmode = \"greylist\"", "scrub.mode"),
            ("[scrub]\nremote_user = \"hash\"", "scrub.remote_user"),
            ("[scrub]\nmarker = \"\"", "scrub.marker"),
            ("[scrub]\nmarker = \"x\\ny\"", "scrub.marker"),
            ("[scrub]\nuser_agent = \"short\"", "scrub.user_agent"),
            ("[scrub]\ncolour = \"red\"", "scrub.colour"),
        ] {
            let daemon = try DaemonHarness(extraConfig: config)
            defer { daemon.cleanup() }
            let check = try CLI.run(["check-config", daemon.config])
            #expect(check.status == 2, "\(config)")
            #expect(check.stdoutText.contains(key), "\(check.stdoutText)")
        }
    }

    @Test func theDaemonScrubsAndStatsCountByName() throws {
        let daemon = try DaemonHarness(extraConfig: "[scrub]\nextra_deny = [\"customer\"]\nuser_agent = \"family\"")
        defer { daemon.cleanup() }
        let agent = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
        let lines = [
            Self.line("/a?customer=C-77&q=ok", "-", agent: agent),
            Self.line("/b?email=zed%40example.com", "https://x.example/?token=t0ken", agent: agent),
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: daemon.log))
        let run = try daemon.catchUp()
        #expect(run.status == 0, "\(run.stderr)")
        let output = String(decoding: try daemon.output(), as: UTF8.self)
        #expect(output.contains(#""GET /a?customer=[Filtered]&q=ok HTTP/1.1""#))
        #expect(output.contains(#""https://x.example/?token=[Filtered]" "Firefox/130 (Linux)""#))
        #expect(!output.contains("C-77") && !output.contains("zed") && !output.contains("t0ken"))
        let stats = try CLI.run(["stats", "--config", daemon.config, "--by", "scrubbed", "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: stats.stdout) as? [String: Any])
        let rows = try #require(report["rows"] as? [[String: Any]])
        let counts = Dictionary(
            uniqueKeysWithValues: rows.compactMap { row in
                (row["scrubbed"] as? String).map { ($0, row["values_scrubbed"] as? Int ?? 0) }
            }
        )
        #expect(
            counts == [
                "param:customer": 1, "param:email": 1, "param:token": 1, "field:user_agent": 2,
            ]
        )
    }
}
