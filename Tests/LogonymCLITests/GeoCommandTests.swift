import Foundation
import Testing

/// Geo buckets through the built binary: JSON output, the trailing field, k-anonymous summaries, errors.
struct GeoCommandTests {
    static func geo(_ name: String) -> String { CLI.fixture("geo/" + name) }

    static func line(_ client: String, _ i: Int = 0) -> String {
        #"\#(client) - - [27/Nov/2026:10:00:\#(String(format: "%02d", i % 60)) +0000] "GET /\#(i) HTTP/1.1" 200 5 "-" "x""#
    }

    static func input(_ clients: [String]) -> Data {
        Data(clients.enumerated().map { line($0.element, $0.offset) + "\n" }.joined().utf8)
    }

    @Test func jsonOutputCarriesTheKnownAnswersOfTheTestDatabases() throws {
        let clients = [
            "81.2.69.142", "89.160.20.112", "216.160.83.56", "67.43.156.1", "2001:218::1", "2a02:d280::1",
            "::ffff:89.160.20.112", "8.8.8.8", "192.168.7.7", "fe80::1",
        ]
        let result = try CLI.run(
            [
                "anonymize", "--format", "combined", "--output-format", "json", "--summary", "none",
                "--geo", Self.geo("GeoIP2-Country-Test.mmdb"), "--geo-asn", Self.geo("GeoLite2-ASN-Test.mmdb"),
                "--geo-level", "country+asn",
            ],
            stdin: Self.input(clients)
        )
        #expect(result.status == 0, "\(result.stderr)")
        let geos = try result.stdoutText.split(separator: "\n").map { line -> [String: String] in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["geo"] as? [String: Any]).mapValues { "\($0)" }
        }
        let expected: [[String: String]] = [
            ["continent": "EU", "country": "GB"],
            ["continent": "EU", "country": "SE", "asn": "29518"],
            ["continent": "NA", "country": "US", "asn": "209"],
            ["continent": "AS", "country": "BT", "asn": "35908"],
            ["continent": "AS", "country": "JP"],
            ["continent": "EU", "country": "CZ"],
            ["continent": "EU", "country": "SE", "asn": "29518"],
            ["continent": "unknown", "country": "unknown"],
            ["continent": "private", "country": "private"],
            ["continent": "private", "country": "private"],
        ]
        #expect(geos == expected)
        for client in clients { #expect(!result.stdoutText.contains(client)) }
    }

    @Test(
        .enabled(
            if: CLI.which("goaccess") != nil || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs goaccess (.ci/run installs it)"
        )
    )
    func theAppendedFieldKeepsLinesParseableByGoAccessWithTheREADMEFormat() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = scratch.file("anon.log")
        let run = try CLI.run([
            "anonymize", CLI.fixture("clean-combined.log.gz"), "-o", output, "--summary", "none",
            "--geo", Self.geo("logonym-test.mmdb"), "--geo-field", "append",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.split(separator: "\n").allSatisfy { $0.hasSuffix("\"") && $0.contains(" \"geo=") })
        let general = try CLI.goAccessSummary(
            output,
            [#"--log-format=%h %^[%d:%t %^] "%r" %s %b "%R" "%u" %^"#, "--date-format=%d/%b/%Y", "--time-format=%T"],
            scratch: scratch
        )
        #expect(general["total_requests"] as? Int == 2000)
        #expect(general["failed_requests"] as? Int == 0)
    }

    @Test func bucketsUnderKNeverAppearInTheSummary() throws {
        // logonym-test.mmdb: 192.0.2.0/24 GB, 198.51.100.0/25 DE, 198.51.100.128/25 JP, 203.0.113.0/24 BR.
        var clients: [String] = []
        for i in 1...15 { clients += Array(repeating: "198.51.100.\(i)", count: 3) }
        for i in 1...12 { clients.append("192.0.2.\(i)") }
        for i in 1...4 { clients.append("198.51.100.\(128 + i)") }
        for i in 1...3 { clients.append("203.0.113.\(i)") }
        let result = try CLI.run(
            [
                "anonymize", "--format", "combined", "--summary", "json", "--geo", Self.geo("logonym-test.mmdb"),
                "--geo-k", "10",
            ],
            stdin: Self.input(clients)
        )
        #expect(result.status == 0, "\(result.stderr)")
        let geo = try #require(try CLI.summary(result)["geo"] as? [String: Any])
        let rows = try #require(geo["rows"] as? [[String: Any]])
        #expect(rows.map { $0["bucket"] as? String } == ["EU/DE", "EU/GB"])
        #expect(rows.map { $0["lines"] as? Int } == [45, 12])
        #expect(rows.map { $0["clients"] as? Int } == [15, 12])
        #expect(rows.allSatisfy { ($0["clients"] as? Int ?? 0) >= 10 })
        #expect(geo["suppressed_lines"] as? Int == 7, "JP (4) and BR (3) roll up to AS and SA, then ZZ: still under k")
        let text = try CLI.run(
            ["anonymize", "--format", "combined", "--geo", Self.geo("logonym-test.mmdb")],
            stdin: Self.input(clients)
        )
        #expect(text.stderr.contains("geo         country, k 10: EU/DE 45 lines (15 clients), EU/GB 12 lines"))
        #expect(!text.stderr.contains("JP") && !text.stderr.contains("BR"))
    }

    @Test(arguments: [
        "GeoIP2-City-Test-Invalid-Node-Count.mmdb", "MaxMind-DB-test-broken-search-tree-24.mmdb", "missing.mmdb",
    ])
    func aBrokenDatabaseStopsTheRunBeforeAnythingIsWritten(_ name: String) throws {
        let result = try CLI.run(["anonymize", "--geo", Self.geo(name)], stdin: Self.input(["81.2.69.142"]))
        #expect(result.status == 2)
        #expect(result.stderr.contains("logonym: \(Self.geo(name)): "), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// A companion of `--geo` given alone is a mistake (a forgotten `--geo`), and a bad value is one whether or not
    /// `--geo` is there: both are usage errors naming the flag, as `geo.k = 0` is a configuration error.
    @Test(arguments: [
        (["--geo-k", "0"], "--geo-k goes with --geo"),
        (["--geo-level", "bogus"], "--geo-level goes with --geo"),
        (["--geo-field", "append"], "--geo-field goes with --geo"),
        (["--geo-asn", "auto"], "--geo-asn goes with --geo"),
        (["--geo", "auto", "--geo-k", "0"], "--geo-k: "),
        (["--geo", "auto", "--geo-level", "bogus"], "--geo-level: "),
        (["--geo", "auto", "--geo-field", "bogus"], "--geo-field: "),
    ])
    func companionsOfGeoAreCheckedWithOrWithoutIt(_ flags: [String], _ message: String) throws {
        let result = try CLI.run(["anonymize"] + flags, stdin: Self.input(["81.2.69.142"]))
        #expect(result.status == 2, "\(flags)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func autoUsesWhatItFindsAndSaysSoOrTurnsGeoOff() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let tor = scratch.file("tor")
        try FileManager.default.createDirectory(atPath: tor, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.geo("tor-geoip-sample"), toPath: tor + "/geoip")
        try FileManager.default.copyItem(atPath: Self.geo("tor-geoip6-sample"), toPath: tor + "/geoip6")
        var result = try CLI.run(
            ["anonymize", "--geo", "auto", "--output-format", "json"],
            stdin: Self.input(["80.242.69.1"]),
            environment: ["LOGONYM_GEO_PATH": scratch.file("empty") + ":" + tor]
        )
        #expect(result.status == 0)
        #expect(result.stderr.contains("geo: Tor ranges \(tor)/geoip, \(tor)/geoip6, level country"))
        #expect(result.stdoutText.contains(#""geo":{"continent":"EU","country":"GB"}"#))
        result = try CLI.run(
            ["anonymize", "--geo", "auto", "--output-format", "json"],
            stdin: Self.input(["80.242.69.1"]),
            environment: ["LOGONYM_GEO_PATH": scratch.file("empty")]
        )
        #expect(result.status == 0)
        #expect(result.stderr.contains("geo: no database found"))
        #expect(!result.stdoutText.contains("geo"))
    }

    @Test func theDaemonAppendsBucketsAndCheckConfigNamesABrokenDatabase() throws {
        let daemon = try DaemonHarness(
            extraConfig: """
                [geo]
                database = "\(Self.geo("logonym-test.mmdb"))"
                line_level = "country+asn"
                field = "append"
                """
        )
        defer { daemon.cleanup() }
        try Self.input(["198.51.100.7", "2001:db8:1::9", "10.0.0.1"]).write(to: URL(fileURLWithPath: daemon.log))
        let run = try daemon.catchUp()
        #expect(run.status == 0, "\(run.stderr)")
        let lines = String(decoding: try daemon.output(), as: UTF8.self).split(separator: "\n")
        #expect(
            lines.map { $0.split(separator: " ").last.map(String.init) } == [
                #""geo=EU/DE/AS64501""#, #""geo=AF/ZA/AS64506""#, #""geo=private""#,
            ]
        )
        let broken = try DaemonHarness(extraConfig: "[geo]\ndatabase = \"\(Self.geo("missing.mmdb"))\"")
        defer { broken.cleanup() }
        let check = try CLI.run(["check-config", broken.config])
        #expect(check.status == 2)
        #expect(check.stdoutText.contains("geo.database: \(Self.geo("missing.mmdb")): no such geolocation database"))
    }
}
