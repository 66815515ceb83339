import Foundation
import LogonymCore
import Testing

/// `logonym report`: the controller's evidence, whose numbers are those of `stats` and `audit` for the same range.
struct ReportTests {
    /// A state from a windowed hmac run over nine hours of 2030 (or of 2020: keys long past their schedule), with
    /// an access, an erasure and an objection in its audit log.
    static func state(year: Int = 2030) throws -> (Scratch, config: String) {
        let setup = try SubjectAccessTests.Setup(seed: 7)
        if year != 2030 {
            let log = setup.scratch.file("old.log")
            let text = try String(contentsOfFile: setup.scratch.file("in.log"), encoding: .utf8)
                .replacingOccurrences(of: "/Jan/2030:", with: "/Jan/\(year):")
            try text.write(toFile: log, atomically: true, encoding: .utf8)
            let run = try CLI.run([
                "anonymize", "--method", "hmac", "--log-format", SubjectAccessTests.Setup.format, "--window", "1h",
                "--output-dir", setup.scratch.file("out"), "--state-dir", setup.scratch.file("state"), "--summary",
                "none", "--source", "old", log,
            ])
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(try setup.access().status == 0)
        #expect(try CLI.run(["forget", "--config", setup.config, "--address", SubjectAccessTests.subject]).status == 0)
        #expect(try CLI.run(["object", "--config", setup.config, "--address", "192.0.2.1"]).status == 0)
        return (setup.scratch, setup.config)
    }

    @Test func jsonNumbersEqualStatsAndAudit() throws {
        let (scratch, config) = try Self.state()
        defer { scratch.cleanup() }
        let range = ["--since", "2030-01-01T00:00:00Z", "--until", "2030-01-01T06:00:00Z"]
        let report = try CLI.run(["report", "--config", config, "--format", "json"] + range)
        #expect(report.status == 0, "\(report.stderr)")
        let r = try CLI.jsonObject(report.stdout)
        // `audit` lists the same entries: those of the period up to the report's own read.
        let now = ["--since=-1h", "--until=+1h"]
        let whole = try CLI.jsonObject(try CLI.run(["report", "--config", config, "--format", "json"] + now).stdout)
        let audit = try CLI.run(["audit", "--config", config, "--json"] + now)
        #expect(audit.stdoutText.split(separator: "\n").count == whole["audit_entries"] as? Int)
        let stats = try CLI.run(["stats", "--config", config, "--json"] + range)
        let totals = try #require(try CLI.jsonObject(stats.stdout)["totals"] as? [String: Any])
        for field in ["lines_read", "lines_written", "lines_dropped"] {
            #expect(r[field] as? Int == totals[field] as? Int, "\(field)")
        }
        #expect(r["lines_read"] as? Int ?? 0 > 2_000)
        #expect(r["keys_created"] as? Int == 6 && r["keys_late"] as? Int == 0)
        let requests = try #require(whole["requests"] as? [[String: Any]])
        #expect(requests.compactMap { $0["kind"] as? String } == ["access", "erasure", "objection"])
        let chain = try #require(whole["audit_chain"] as? [String: Any])
        #expect(chain["intact"] as? Bool == true)
        // Nothing in it is an address.
        #expect(!report.stdoutText.contains(SubjectAccessTests.subject) && !whole.description.contains("192.0.2.1"))
    }

    @Test func keysLongPastTheirScheduleAreLate() throws {
        let (scratch, config) = try Self.state(year: 2020)
        defer { scratch.cleanup() }
        let r = try CLI.jsonObject(
            try CLI.run(["report", "--config", config, "--format", "json", "--until", "2021-01-01"]).stdout
        )
        #expect(r["keys_created"] as? Int == 9 && r["keys_late"] as? Int == 9)
        let md = try CLI.run(["report", "--config", config, "--until", "2021-01-01"])
        #expect(md.stdoutText.contains("9 created, 0 destroyed, 9 late."))
    }

    /// Headless Chromium renders the HTML report without a console error, and shows the JSON's numbers.
    @Test(.enabled(if: CLI.which("chromium") != nil, "needs chromium (Debian chromium; .ci/run installs it)"))
    func theHTMLReportRendersAndShowsTheJSONsNumbers() throws {
        let (scratch, config) = try Self.state()
        defer { scratch.cleanup() }
        let html = scratch.file("report.html")
        #expect(try CLI.run(["report", "--config", config, "--format", "html", "-o", html]).status == 0)
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(!text.contains("<script") && !text.contains("src=") && !text.contains("href="), "no external assets")
        let json = try CLI.jsonObject(try CLI.run(["report", "--config", config, "--format", "json"]).stdout)
        let chromium = try #require(CLI.which("chromium"))
        let rendered = try CLI.runProgram(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=\(scratch.file("profile"))", "--dump-dom", "file://\(html)",
            ]
        )
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let console = rendered.stderr.split(separator: "\n").filter {
            $0.contains("CONSOLE") || $0.contains("Uncaught")
        }
        #expect(console.isEmpty, "\(console)")
        let dom = rendered.stdoutText
        for field in [
            "lines_read", "lines_written", "lines_dropped", "keys_created", "keys_destroyed", "segments_deleted",
        ] {
            let value = try #require(json[field] as? Int)
            #expect(dom.contains("data-field=\"\(field)\">\(value)<"), "\(field) = \(value)")
        }
        #expect(dom.contains("<svg"), "the charts are in the page")
    }
}
