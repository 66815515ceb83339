import Foundation
import Testing

/// The daemon's `/metrics` and `/stats`, the batch textfile, and what promtool says of them.
struct MetricsTests {
    static let families = [
        "logonym_lines_read_total", "logonym_lines_written_total", "logonym_lines_dropped_total",
        "logonym_lines_unparsable_total", "logonym_addresses_total", "logonym_non_address_values_total",
        "logonym_bytes_in_total", "logonym_bytes_out_total", "logonym_responses_total", "logonym_input_lag_bytes",
        "logonym_input_lag_seconds", "logonym_checkpoint_age_seconds", "logonym_keys_alive",
        "logonym_retention_deletions_total",
    ]

    static var promtoolRequired: Bool {
        CLI.which("promtool") != nil || ProcessInfo.processInfo.environment["CI"] != nil
    }

    /// promtool's verdict on a metrics text (it reads standard input).
    static func promtool(_ text: Data) throws -> CLI.Result {
        let promtool = try #require(CLI.which("promtool"), "promtool (Debian prometheus) is installed by .ci/run")
        return try CLI.runProgram(promtool, ["check", "metrics"], stdin: text)
    }

    @Test(.enabled(if: CLI.which("curl") != nil, "needs curl"))
    func theDaemonServesMetricsThatPromtoolAcceptsAndTheCurrentWindowAsJSON() throws {
        let port = Int.random(in: 20_000...40_000)
        let daemon = try DaemonHarness(extraConfig: "[metrics]\nlisten = \"127.0.0.1:\(port)\"")
        defer { daemon.cleanup() }
        // 300 old lines, then 20 clients in the current window.
        var lines = generatedLines(300)
        let now = RetentionTests.logTime(Int(Date().timeIntervalSince1970))
        for i in 1...20 {
            lines.append(Array(#"203.0.113.\#(i) - - [\#(now)] "GET /now HTTP/1.1" 200 5 "-" "x""#.utf8))
        }
        try Data(lines.flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: daemon.log))
        try daemon.start()
        let curl = try #require(CLI.which("curl"))
        var metrics = ""
        // 20 clients in 65,536 registers: two of them share a register (the estimate says 19) 0.3% of the time,
        // since the window key is random; the estimate is never more than 20.
        let estimates = [19, 20].map { #"logonym_window_distinct_clients{input="web"} \#($0)"# }
        try waitUntil("the metrics show every line") {
            metrics = try CLI.runProgram(curl, ["-s", "http://127.0.0.1:\(port)/metrics"]).stdoutText
            return metrics.contains(#"logonym_lines_written_total{input="web"} 320"#)
                && estimates.contains { metrics.contains($0) }
        }
        let estimate = metrics.contains(estimates[1]) ? 20 : 19
        for family in Self.families {
            #expect(metrics.contains("# TYPE \(family) "), "\(family) missing")
        }
        #expect(metrics.contains(#"logonym_addresses_total{input="web",family="ipv4",method="truncate"} 260"#))
        if Self.promtoolRequired {
            let check = try Self.promtool(Data(metrics.utf8))
            #expect(check.status == 0, "promtool: \(check.stdoutText) \(check.stderr)")
        } else {
            CLI.skipped("promtool check of /metrics", needs: "promtool (Debian prometheus; .ci/run installs it)")
        }
        let stats = try CLI.runProgram(curl, ["-s", "http://127.0.0.1:\(port)/stats"])
        let object = try CLI.jsonObject(stats.stdout)
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["lines_written"] as? Int == 20, "the current window's lines")
        #expect(totals["distinct_clients"] as? Int == estimate, "the same sketch as /metrics")
        #expect((object["rows"] as? [[String: Any]])?.first?["source"] as? String == "web")
        // Each /stats request is a read in the audit log (the requester is not known over HTTP).
        func statsReads() throws -> Int {
            try String(contentsOfFile: try Self.auditFile(daemon), encoding: .utf8).split(separator: "\n")
                .count { $0.contains(#""command":"GET /stats""#) }
        }
        #expect(try statsReads() == 1)
        _ = try CLI.runProgram(curl, ["-s", "http://127.0.0.1:\(port)/stats"])
        #expect(try statsReads() == 2)
        let missing = try CLI.runProgram(
            curl,
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/x"]
        )
        #expect(missing.stdoutText == "404")
        // Nothing in the metrics is an address.
        for line in lines.suffix(20) + lines.prefix(50) {
            let client = String(decoding: line.prefix { $0 != 0x20 }, as: UTF8.self)
            #expect(!metrics.contains(client))
        }
    }

    /// The daemon's audit file of this month.
    static func auditFile(_ daemon: DaemonHarness) throws -> String {
        let directory = daemon.root + "/state/audit"
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.max()
        )
        return directory + "/" + name
    }

    @Test func aNonLoopbackListenAddressIsRefusedUnlessAllowed() throws {
        let daemon = try DaemonHarness(extraConfig: "[metrics]\nlisten = \"0.0.0.0:9464\"")
        defer { daemon.cleanup() }
        var check = try CLI.run(["check-config", daemon.config])
        #expect(check.status == 2)
        #expect(check.stdoutText.contains("metrics.listen: '0.0.0.0:9464' is not a loopback address"))
        let allowed = try DaemonHarness(extraConfig: "[metrics]\nlisten = \"0.0.0.0:9464\"\nallow_remote = true")
        defer { allowed.cleanup() }
        check = try CLI.run(["check-config", allowed.config])
        #expect(check.status == 0, "\(check.stdoutText)")
    }

    @Test func aBatchRunWritesTheSameFamiliesToATextfile() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("logonym.prom")
        let run = try CLI.run(
            [
                "anonymize", "--format", "combined", "--summary", "none", "--metrics-textfile", path, "-o",
                scratch.file("out.log"),
            ],
            stdin: Data(generatedLines(100).flatMap { $0 + [0x0A] })
        )
        #expect(run.status == 0, "\(run.stderr)")
        let text = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(String(decoding: text, as: UTF8.self).contains(#"logonym_lines_read_total{input="batch"} 100"#))
        if Self.promtoolRequired {
            let check = try Self.promtool(text)
            #expect(check.status == 0, "promtool: \(check.stdoutText) \(check.stderr)")
        } else {
            CLI.skipped("promtool check of the textfile", needs: "promtool (Debian prometheus; .ci/run installs it)")
        }
    }
}
