import Foundation
import LogonymCore
import Testing

/// `logonym stats` over what a windowed batch run recorded.
struct StatsTests {
    /// `count` lines from `count` distinct clients (every one different) over three hours of 2030-01-01, plus a few
    /// unparsable ones.
    static func distinctClientLines(_ count: Int) -> Data {
        var text = ""
        text.reserveCapacity(count * 90)
        for i in 0..<count {
            let minute = i * 180 / count
            let time = String(format: "01/Jan/2030:%02d:%02d:00 +0000", minute / 60, minute % 60)
            let client =
                i % 5 == 0
                ? "2001:db8:\(i >> 16):\(String(i & 0xFFFF, radix: 16))::1"
                : "100.\(64 + (i >> 16)).\((i >> 8) & 255).\(i & 255)"
            text += "\(client) - - [\(time)] \"GET /\(i) HTTP/1.1\" \(i % 10 == 0 ? 404 : 200) 5 \"-\" \"x\"\n"
            if i % 10_000 == 0 { text += "garbage line \(i)\n" }
        }
        return Data(text.utf8)
    }

    @Test func totalsEqualTheOutputAndDistinctClientsAreWithinTwoPercent() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let input = scratch.file("in.log")
        try Self.distinctClientLines(100_000).write(to: URL(fileURLWithPath: input))
        let run = try CLI.run([
            "anonymize", "--method", "hmac", "--window", "1h", "--output-dir", scratch.file("out"), "--state-dir",
            scratch.file("state"), "--summary", "none", input,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var outputLines = 0
        var outputBytes = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/batch")) {
            let bytes = try DaemonHarness.decoded(scratch.file("out/batch/" + name))
            outputLines += bytes.count { $0 == 0x0A }
            outputBytes += bytes.count
        }
        let result = try CLI.run(["stats", "--state-dir", scratch.file("state"), "--json", "--by", "window"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try CLI.jsonObject(result.stdout)
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(totals["lines_read"] as? Int == 100_010)
        #expect(totals["lines_written"] as? Int == outputLines)
        #expect(totals["bytes_out"] as? Int == outputBytes)
        #expect(totals["unparsable"] as? Int == 10)
        #expect(totals["status_4xx"] as? Int == 10_000)
        let distinct = try #require(totals["distinct_clients"] as? Int)
        #expect(abs(distinct - 100_000) <= 2_000, "estimate \(distinct)")
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(
            rows.compactMap { $0["window"] as? String } == [
                "2030-01-01T00:00:00Z", "2030-01-01T01:00:00Z", "2030-01-01T02:00:00Z",
            ]
        )
        #expect(rows.reduce(0) { $0 + ($1["lines_read"] as? Int ?? 0) } == 100_010)

        // The state database holds counters and sketches, never an address.
        let database = try Data(contentsOf: URL(fileURLWithPath: scratch.file("state/state.db")))
        for i in stride(from: 1, to: 100_000, by: 997) where i % 5 != 0 {
            let text = "100.\(64 + (i >> 16)).\((i >> 8) & 255).\(i & 255)"
            #expect(database.range(of: Data(text.utf8)) == nil, "\(text)")
        }

        // CSV and the table carry the same totals; --merge adds another node's database.
        let csv = try CLI.run(["stats", "--state-dir", scratch.file("state"), "--csv"])
        #expect(csv.stdoutText.split(separator: "\n").last?.hasPrefix("total,100010,\(outputLines),") == true)
        let merged = try CLI.run([
            "stats", "--state-dir", scratch.file("state"), "--merge", scratch.file("state/state.db"), "--json",
        ])
        let mergedTotals = try #require(try CLI.jsonObject(merged.stdout)["totals"] as? [String: Any])
        #expect(mergedTotals["lines_read"] as? Int == 200_020, "sums")
        #expect(mergedTotals["distinct_clients"] as? Int == distinct, "the same clients are not counted twice")
    }
}

extension StatsTests {
    @Test func perCountryStatsAreKAnonymousAndMatchTheTestDatabase() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // logonym-test.mmdb: 192.0.2.0/24 GB, 198.51.100.0/25 DE, 198.51.100.128/25 JP, 203.0.113.0/24 BR.
        var clients: [String] = []
        for i in 1...15 { clients += Array(repeating: "198.51.100.\(i)", count: 3) }
        for i in 1...12 { clients.append("192.0.2.\(i)") }
        for i in 1...4 { clients.append("198.51.100.\(128 + i)") }
        for i in 1...3 { clients.append("203.0.113.\(i)") }
        let lines = clients.enumerated().map { i, client in
            "\(client) - - [01/Jan/2030:00:\(String(format: "%02d", i % 60)):00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\"\n"
        }
        let input = scratch.file("in.log")
        try Data(lines.joined().utf8).write(to: URL(fileURLWithPath: input))
        let run = try CLI.run([
            "anonymize", "--window", "1h", "--output-dir", scratch.file("out"), "--state-dir", scratch.file("state"),
            "--geo", CLI.fixture("geo/logonym-test.mmdb"), "--summary", "none", input,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try CLI.run(["stats", "--state-dir", scratch.file("state"), "--by", "country", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try CLI.jsonObject(result.stdout)
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(rows.map { $0["country"] as? String } == ["EU/DE", "EU/GB"])
        #expect(rows.map { $0["lines_written"] as? Int } == [45, 12])
        #expect(rows.map { $0["distinct_clients"] as? Int } == [15, 12])
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(totals["geo_suppressed_lines"] as? Int == 7)
        #expect(totals["lines_written"] as? Int == clients.count)
        #expect(!result.stdoutText.contains("JP") && !result.stdoutText.contains("BR"), "no bucket under k")
        let lowK = try CLI.run([
            "stats", "--state-dir", scratch.file("state"), "--by", "continent", "--k", "3", "--csv",
        ])
        #expect(lowK.stdoutText.contains("AS,0,4,"), "\(lowK.stdoutText)")
    }
}
