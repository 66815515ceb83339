import Foundation
import GRDB
import LogonymCore
import Testing

/// `logonym object`: the lines of an address whose owner objected are dropped at ingest and counted, in the
/// daemon and in windowed batch runs; the address is kept as a keyed hash only.
struct ObjectionTests {
    static let objector = "203.0.113.77"

    /// Lines of the current hour: the objector as client, as a forwarded-for element, inside an unparsable line;
    /// a neighbour in its /24; other clients. Each line's path is unique (`/TAG-N`); `objected` says which hold
    /// the objector.
    static func lines(_ tag: String, count: Int = 200, start: Int) -> (lines: [[UInt8]], objected: Set<String>) {
        var lines: [[UInt8]] = []
        var objected = Set<String>()
        for i in 0..<count {
            let time = RetentionTests.logTime(start + i * 3)
            let path = "/\(tag)-\(i)"
            let line: String
            switch i % 10 {
            case 0: line = "\(objector) - - [\(time)] \"GET \(path) HTTP/1.1\" 200 5 \"-\" \"x\""
            case 1:
                line = "100.64.0.9 - - [\(time)] \"GET \(path) HTTP/1.1\" 200 5 \"-\" \"x\" \"\(objector), 10.0.0.1\""
            case 2: line = "garbage \(path) from \(objector) at \(time)"
            // nginx writes a quote as \x22, whose digits glue onto the quad: only decoding sees the address.
            case 5 where i % 20 == 5: line = "garbage \(path) for=\\x22\(objector):4711\\x22 at \(time)"
            case 3: line = "203.0.113.78 - - [\(time)] \"GET \(path) HTTP/1.1\" 200 5 \"-\" \"x\""
            default: line = "198.51.100.\(i % 250) - - [\(time)] \"GET \(path) HTTP/1.1\" 200 5 \"-\" \"x\""
            }
            if line.contains(objector) { objected.insert(path) }
            lines.append(Array(line.utf8))
        }
        return (lines, objected)
    }

    /// The unique paths in the daemon's output.
    static func writtenPaths(_ daemon: DaemonHarness, tag: String) throws -> Set<String> {
        let text = String(decoding: try daemon.output(), as: UTF8.self)
        return Set(
            text.split(separator: "\n").compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("/\(tag)-") }.map(String.init)
            }
        )
    }

    static func objectedCount(_ daemon: DaemonHarness) throws -> Int {
        let stats = try CLI.run(["stats", "--config", daemon.config, "--json"])
        let totals = try #require(try CLI.jsonObject(stats.stdout)["totals"] as? [String: Any])
        return totals["dropped_objected"] as? Int ?? -1
    }

    @Test func theDaemonDropsAnObjectorsLinesFromTheObjectionOnAndAgainAfterAWithdrawal() throws {
        let daemon = try DaemonHarness(method: "hmac")
        defer { daemon.cleanup() }
        let now = Int(Date().timeIntervalSince1970)
        let start = now - now % 3600
        let before = Self.lines("before", start: start)
        try RetentionTests.write(before.lines, to: daemon.log)
        try daemon.start()
        try waitUntil("the first lines are committed") { try Self.writtenPaths(daemon, tag: "before").count == 200 }

        let object = try CLI.run(
            ["object", "--config", daemon.config, "--address", "-"],
            stdin: Data(Self.objector.utf8)
        )
        #expect(object.status == 0, "\(object.stderr)")
        #expect(!object.stdoutText.contains(Self.objector) && !object.stderr.contains(Self.objector))
        // Past the daemon's next look at the objections (every second).
        Thread.sleep(forTimeInterval: 1.5)
        let during = Self.lines("during", start: start + 1)
        try RetentionTests.write(during.lines, to: daemon.log, append: true)
        let kept = Set(
            during.lines.map { String(decoding: $0, as: UTF8.self) }.compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("/during-") }.map(String.init)
            }
        ).subtracting(during.objected)
        try waitUntil("the lines after the objection are committed") {
            try Self.writtenPaths(daemon, tag: "during") == kept
        }
        try waitUntil("the objected lines are counted") { try Self.objectedCount(daemon) == during.objected.count }
        #expect(during.objected.count == 70)
        // The lines before the objection stay; withdrawn, the objector's lines flow again.
        #expect(try Self.writtenPaths(daemon, tag: "before").count == 200)
        let withdraw = try CLI.run(["object", "--config", daemon.config, "--withdraw", "--address", Self.objector])
        #expect(withdraw.status == 0 && withdraw.stdoutText.contains("withdrawn"), "\(withdraw.stdoutText)")
        Thread.sleep(forTimeInterval: 1.5)
        let after = Self.lines("after", start: start + 2)
        try RetentionTests.write(after.lines, to: daemon.log, append: true)
        try waitUntil("every line after the withdrawal is committed") {
            try Self.writtenPaths(daemon, tag: "after").count == 200
        }
        #expect(try Self.objectedCount(daemon) == during.objected.count)
        // Both changes are in the audit log, as requests, and nothing there or in the state is the address.
        let audit = try CLI.run(["audit", "--config", daemon.config, "--kind", "request", "--json"])
        let events = audit.stdoutText.split(separator: "\n").compactMap {
            try? CLI.jsonObject(Data($0.utf8))["event"] as? String
        }
        #expect(events == ["objection_added", "objection_withdrawn"])
        try Self.expectNoFormOfTheAddress(in: daemon.root + "/state")
    }

    @Test func aWindowedBatchRunFollowsTheStatesObjectionsAndTheHashIsKeyed() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = scratch.file("c.toml")
        try """
        [state]
        dir = "\(scratch.file("state"))"
        [output]
        dir = "\(scratch.file("out"))"
        [anonymize]
        method = "hmac"
        [[input]]
        name = "batch"
        paths = ["\(scratch.file("none.log"))"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["object", "--config", config, "--address", Self.objector, "--until", "+30d"]).status == 0)
        let input = Self.lines("batch", start: RetentionTests.base)
        let log = scratch.file("in.log")
        try RetentionTests.write(input.lines, to: log)
        let run = try CLI.run([
            "anonymize", "--method", "hmac", "--window", "1h", "--output-dir", scratch.file("out"), "--state-dir",
            scratch.file("state"), "--summary", "json", log,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try CLI.jsonObject(Data(run.stderr.utf8))
        #expect((summary["dropped"] as? [String: Any])?["objected"] as? Int == input.objected.count, "\(summary)")
        var written = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/batch")) {
            let text = String(decoding: try DaemonHarness.decoded(scratch.file("out/batch/" + name)), as: UTF8.self)
            for line in text.split(separator: "\n") {
                if let path = line.split(separator: " ").first(where: { $0.hasPrefix("/batch-") }) {
                    written.insert(String(path))
                }
            }
        }
        #expect(written.count == 200 - input.objected.count)
        #expect(written.isDisjoint(with: input.objected))
        // The stored form is the keyed hash under keys/objections.key, not an unkeyed digest of the address.
        let key = try #require(FileManager.default.contents(atPath: scratch.file("state/keys/objections.key")))
        let stored = try DatabaseQueue(path: scratch.file("state/state.db")).read { db in
            try Data.fetchAll(db, sql: "SELECT hash FROM objections")
        }
        let address = try #require(IPAddress(Self.objector))
        #expect(stored == [Data(ObjectionFilter.hash(of: address, key: [UInt8](key)))])
        #expect(stored.first != Data(SHA256Digest.of(Array(Self.objector.utf8))))
        let list = try CLI.run(["object", "--config", config, "--list"])
        #expect(list.stdoutText.contains("1 objections, 1 in force") && !list.stdoutText.contains(Self.objector))
        try Self.expectNoFormOfTheAddress(in: scratch.file("state"))
        // Without their key the objections cannot be followed: the run refuses rather than write the lines.
        try FileManager.default.removeItem(atPath: scratch.file("state/keys/objections.key"))
        let refused = try CLI.run([
            "anonymize", "--method", "hmac", "--window", "1h", "--output-dir", scratch.file("out"), "--state-dir",
            scratch.file("state"), "--summary", "none", "--force", log,
        ])
        #expect(refused.status != 0 && refused.stderr.contains("their key is missing"), "\(refused.stderr)")
    }

    /// Neither the address's text nor its four bytes are in any file of the state directory.
    static func expectNoFormOfTheAddress(in state: String) throws {
        let text = Data(objector.utf8)
        let binary = Data([203, 0, 113, 77])
        for name in try FileManager.default.subpathsOfDirectory(atPath: state) {
            guard let data = FileManager.default.contents(atPath: state + "/" + name) else { continue }
            #expect(data.range(of: text) == nil, "\(name) holds the address")
            #expect(data.range(of: binary) == nil, "\(name) holds the address's bytes")
        }
    }
}
