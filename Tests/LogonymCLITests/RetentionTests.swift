import Foundation
import LogonymIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Windows, keys, retention, erasure and the audit log (issue 4), on the built binary with a real state directory.
///
/// Lines are dated in 2030 so that the daemon's own sweep (by the wall clock) never touches them; `--now` moves
/// time forward explicitly.
@Suite(.serialized)
struct RetentionTests {
    /// 2030-01-01T00:00:00Z.
    static let base = 1_893_456_000
    static let forgotten = "203.0.113.7"
    static let perHour = 12

    /// `hours` hourly windows of lines; every fourth line is from ``forgotten`` and has `/client-x/` in its path.
    static func windowLines(hours: Int = 10, start: Int = base, perHour: Int = perHour) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for hour in 0..<hours {
            for i in 0..<perHour {
                let time = logTime(start + hour * 3600 + i * (3600 / perHour))
                let client = i % 4 == 0 ? forgotten : "198.51.100.\(hour * perHour + i + 1)"
                let path = i % 4 == 0 ? "/client-x/\(hour)-\(i)" : "/page/\(hour)-\(i)"
                lines.append(Array(#"\#(client) - - [\#(time)] "GET \#(path) HTTP/1.1" 200 5 "-" "curl/8""#.utf8))
            }
        }
        return lines
    }

    /// `01/Jan/2030:00:00:00 +0000`.
    static func logTime(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(
            format: "%02d/%@/%04d:%02d:%02d:%02d +0000",
            Int(parts.tm_mday),
            months[Int(parts.tm_mon)],
            Int(parts.tm_year) + 1900,
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec)
        )
    }

    static func harness() throws -> DaemonHarness {
        // Audit entries are kept ten years: --now runs into 2030, and the entries are written in the present.
        try DaemonHarness(method: "hmac", retention: "output = \"1d\"\naudit = \"3650d\"")
    }

    static func write(_ lines: [[UInt8]], to path: String, append: Bool = false) throws {
        let data = Data(lines.flatMap { $0 + [0x0A] })
        if append, let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(data)
            try handle.close()
        } else {
            try data.write(to: URL(fileURLWithPath: path))
        }
    }

    /// Segment file names (window and part) of the harness's input.
    static func segmentNames(_ daemon: DaemonHarness) -> [String] {
        daemon.segmentPaths.map { ($0 as NSString).lastPathComponent }.sorted(by: DaemonHarness.segmentOrder)
    }

    static func keyFiles(_ daemon: DaemonHarness) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: daemon.root + "/state/keys")) ?? [])
            .filter { $0.hasSuffix(".key") }.sorted()
    }

    /// The lines of one segment file.
    static func lines(of path: String) throws -> [String] {
        String(decoding: try DaemonHarness.decoded(path), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Ten windows of lines, caught up, then `arguments` run until the crash point `point` kills it.
    static func killedMidway(_ arguments: [String], at point: String) throws -> DaemonHarness {
        let daemon = try harness()
        try write(windowLines(), to: daemon.log)
        #expect(try daemon.catchUp().status == 0)
        let killed = try run(daemon, arguments, environment: ["LOGONYM_CRASH_AT": point])
        #expect(killed.killed && killed.status == SIGKILL, "the crash point was not reached")
        return daemon
    }

    static func run(
        _ daemon: DaemonHarness,
        _ arguments: [String],
        stdin: Data? = nil,
        environment: [String: String] = [:]
    ) throws -> CLI.Result {
        try CLI.run(
            [arguments[0], "--config", daemon.config] + arguments.dropFirst(),
            stdin: stdin,
            environment: environment
        )
    }

    static func json(_ result: CLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stderr)")
    }

    /// The audit log as `audit --json` prints it, checked against the JSON-lines files.
    static func audit(_ daemon: DaemonHarness) throws -> [[String: Any]] {
        let result = try run(daemon, ["audit", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let directory = daemon.root + "/state/audit"
        var fileLines: [Substring] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            fileLines += text.split(separator: "\n")
        }
        let printed = result.stdoutText.split(separator: "\n")
        // The files also hold the read `audit` itself recorded after listing.
        #expect(printed.count + 1 == fileLines.count, "the audit files and the database disagree")
        let own = try JSONSerialization.jsonObject(with: Data(try #require(fileLines.last).utf8)) as? [String: Any]
        #expect(own?["event"] as? String == "read" && own?["command"] as? String == "audit")
        for (file, db) in zip(fileLines, printed) {
            let a = try JSONSerialization.jsonObject(with: Data(file.utf8)) as? NSDictionary
            let b = try JSONSerialization.jsonObject(with: Data(db.utf8)) as? NSDictionary
            #expect(a == b)
        }
        return try printed.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    static func count(_ entries: [[String: Any]], _ event: String) -> Int {
        entries.count { $0["event"] as? String == event }
    }

    /// Every segment the state database lists has its committed length and line count, and is valid gzip.
    static func checkSegmentsAgreeWithTheDatabase(_ daemon: DaemonHarness) throws {
        let store = try StateStore(directory: daemon.root + "/state")
        let records = try store.segments()
        #expect(Set(records.map(\.path)) == Set(daemon.segmentPaths), "files and database rows differ")
        for record in records {
            let size = (try FileManager.default.attributesOfItem(atPath: record.path)[.size] as? NSNumber)?.int64Value
            #expect(size == record.length, "\(record.path): \(size ?? -1) bytes, committed \(record.length)")
            #expect(Int64(try lines(of: record.path).count) == record.lines, "\(record.path)")
            let gzip = try CLI.runProgram("/bin/gzip", ["-t", record.path])
            #expect(gzip.status == 0, "\(record.path): \(gzip.stderr)")
        }
    }

    @Test func tenHourlyWindowsExpireStepByStepAndForgetReportsUnlinkableWindows() throws {
        let daemon = try Self.harness()
        defer { daemon.cleanup() }
        try Self.write(Self.windowLines(), to: daemon.log)
        let first = try daemon.catchUp()
        #expect(first.status == 0, "\(first.stderr)")
        let names = (0..<10).map { String(format: "2030-01-01T%02d.log.gz", $0) }
        #expect(Self.segmentNames(daemon) == names)
        #expect(Self.keyFiles(daemon).count == 10)
        let keyMaterial = try Self.keyFiles(daemon).map {
            try Data(contentsOf: URL(fileURLWithPath: daemon.root + "/state/keys/" + $0))
        }

        // One pseudonym per window for the address, a different one in every window.
        var pseudonyms: [String] = []
        for path in daemon.segmentPaths.sorted() {
            let clientLines = try Self.lines(of: path).filter { $0.contains("/client-x/") }
            #expect(clientLines.count == Self.perHour / 4)
            let inWindow = Set(clientLines.map { String($0.split(separator: " ")[0]) })
            #expect(inWindow.count == 1, "\(path): \(inWindow)")
            pseudonyms += inWindow
        }
        #expect(Set(pseudonyms).count == 10)
        #expect(!pseudonyms.contains(Self.forgotten))

        // 03:30: the first window's key (window end 01:00 + one window + one hour) is gone, nothing else.
        var result = try Self.run(daemon, ["retention", "--now", "2030-01-01T03:30:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.segmentNames(daemon) == names)
        #expect(Self.keyFiles(daemon).count == 9)
        #expect(!Self.keyFiles(daemon).contains { $0.hasPrefix("1h-2030-01-01T00-") })

        result = try Self.run(daemon, ["forget", "--address", Self.forgotten, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        var report = try Self.json(result)
        #expect(report["unlinkable"] as? [String] == ["2030-01-01T00"])
        #expect(report["lines_removed"] as? Int == 9 * Self.perHour / 4)
        #expect(report["segments_rewritten"] as? Int == 9)
        for path in daemon.segmentPaths {
            let lines = try Self.lines(of: path)
            let expected = path.hasSuffix("T00.log.gz") ? Self.perHour : Self.perHour * 3 / 4
            #expect(lines.count == expected, "\(path)")
            #expect(lines.contains { $0.contains("/client-x/") } == path.hasSuffix("T00.log.gz"))
        }
        try Self.checkSegmentsAgreeWithTheDatabase(daemon)

        // A day later: output of windows that ended a day ago is gone, and every key (the open last window is
        // closed by the clock first).
        result = try Self.run(daemon, ["retention", "--now", "2030-01-02T05:00:00Z", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.segmentNames(daemon) == Array(names[5...]))
        #expect(Self.keyFiles(daemon).isEmpty)
        result = try Self.run(daemon, ["forget", "--address", Self.forgotten, "--json"])
        report = try Self.json(result)
        #expect(report["unlinkable"] as? [String] == (5..<10).map { String(format: "2030-01-01T%02d", $0) })
        #expect(report["lines_removed"] as? Int == 0)

        result = try Self.run(daemon, ["retention", "--now", "2030-01-02T11:00:00Z", "--dry-run", "--json"])
        #expect((try Self.json(result)["items"] as? [Any])?.count == 5)
        #expect(Self.segmentNames(daemon).count == 5, "a dry run deletes nothing")
        result = try Self.run(daemon, ["retention", "--now", "2030-01-02T11:00:00Z"])
        #expect(result.status == 0)
        #expect(Self.segmentNames(daemon).isEmpty)

        let entries = try Self.audit(daemon)
        #expect(Self.count(entries, "key_created") == 10)
        #expect(Self.count(entries, "key_destroyed") == 10)
        #expect(Self.count(entries, "segment_deleted") == 10)
        #expect(Self.count(entries, "segment_rewritten") == 9)
        #expect(Self.count(entries, "erasure_done") == 2)
        #expect(Self.count(entries, "config_loaded") == 1)

        // No address and no key material anywhere logonym writes for itself.
        var places = [daemon.root + "/state/state.db", daemon.root + "/state/state.db-wal"]
        places += try FileManager.default.contentsOfDirectory(atPath: daemon.root + "/state/audit").map {
            daemon.root + "/state/audit/" + $0
        }
        let addresses = Self.windowLines().map { String(decoding: $0.prefix { $0 != 0x20 }, as: UTF8.self) }
        var needles = Set(addresses).flatMap { address -> [Data] in
            let octets = address.split(separator: ".").compactMap { UInt8($0) }
            return [Data(address.utf8), Data(octets)]
        }
        for key in keyMaterial {
            needles += [key, Data(key.map { String(format: "%02x", $0) }.joined().utf8)]
        }
        for place in places where FileManager.default.fileExists(atPath: place) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: place))
            for needle in needles {
                #expect(bytes.range(of: needle) == nil, "\(place) holds an address or key bytes")
            }
        }
        let outputs = [first.stderr, result.stderr]
        for text in outputs {
            for address in Set(addresses) { #expect(!text.contains(address)) }
        }
    }

    @Test func forgetOnALiveWindowRemovesOnlyThatClientAndTheDaemonKeepsAppending() throws {
        let daemon = try DaemonHarness(method: "hmac")
        defer { daemon.cleanup() }
        let now = Int(Date().timeIntervalSince1970)
        let start = now - now % 3600
        var lines = Self.windowLines(hours: 1, start: start, perHour: 200)
        lines = lines.map {
            Array(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "/page/", with: "/a/").utf8)
        }
        try Self.write(lines, to: daemon.log)
        try daemon.start()
        try waitUntil("the first lines are committed") { try daemon.output().count(of: 0x0A) == 200 }

        let result = try Self.run(daemon, ["forget", "--address", "-", "--json"], stdin: Data(Self.forgotten.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.json(result)["lines_removed"] as? Int == 50)
        let log = try String(contentsOfFile: daemon.root + "/daemon.log", encoding: .utf8)
        #expect(log.contains("maintenance request 1 done"), "the running daemon did the rewrite")
        var text = String(decoding: try daemon.output(), as: UTF8.self)
        #expect(!text.contains("/client-x/"))
        #expect(text.split(separator: "\n").count == 150)

        // The daemon continues the rewritten segment at its new length.
        let more = Self.windowLines(hours: 1, start: start, perHour: 100).map {
            Array(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "/page/", with: "/b/").utf8)
        }
        try Self.write(more, to: daemon.log, append: true)
        try waitUntil("the new lines are committed") { try daemon.output().count(of: 0x0A) == 250 }
        daemon.stop(signal: SIGKILL)
        let again = try daemon.catchUp()
        #expect(again.status == 0, "\(again.stderr)")
        text = String(decoding: try daemon.output(), as: UTF8.self)
        let outputLines = text.split(separator: "\n").map(String.init)
        #expect(outputLines.count == 250)
        let paths = outputLines.map { $0.split(separator: " ")[6] }
        #expect(Set(paths).count == 250, "a line was written twice")
        #expect(outputLines.filter { $0.contains("/client-x/") }.count == 25, "later lines of the client are kept")
        #expect(outputLines.filter { $0.contains(" /a/") }.count == 150)
        try Self.checkSegmentsAgreeWithTheDatabase(daemon)
        #expect(Self.count(try Self.audit(daemon), "segment_rewritten") >= 1)
        // The stats agree with the output: written minus erased.
        let stats = try CLI.jsonObject(try Self.run(daemon, ["stats", "--json"]).stdout)
        let totals = try #require(stats["totals"] as? [String: Any])
        #expect(totals["lines_erased"] as? Int == 50)
        #expect((totals["lines_written"] as? Int ?? 0) - (totals["lines_erased"] as? Int ?? 0) == outputLines.count)
    }

    @Test func aKeyDirectoryOrKeyFileOthersCanReadIsRefusedWithTheFix() throws {
        let daemon = try DaemonHarness(method: "hmac")
        defer { daemon.cleanup() }
        try Self.write(Self.windowLines(hours: 1), to: daemon.log)
        try FileManager.default.createDirectory(atPath: daemon.root + "/state/keys", withIntermediateDirectories: true)
        chmod(daemon.root + "/state/keys", 0o755)
        var result = try daemon.catchUp()
        #expect(result.status != 0)
        #expect(result.stderr.contains("chmod 700 \(daemon.root)/state/keys"), "\(result.stderr)")

        chmod(daemon.root + "/state/keys", 0o700)
        result = try daemon.catchUp()
        #expect(result.status == 0, "\(result.stderr)")
        let key = try #require(Self.keyFiles(daemon).first)
        chmod(daemon.root + "/state/keys/" + key, 0o640)
        result = try daemon.catchUp()
        #expect(result.status != 0)
        #expect(result.stderr.contains("chmod 600 \(daemon.root)/state/keys/\(key)"), "\(result.stderr)")
        result = try Self.run(daemon, ["forget", "--address", Self.forgotten])
        #expect(result.status != 0)
        #expect(result.stderr.contains("chmod 600"), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.forgotten))
    }

    @Test(arguments: ["segment-deleted", "key-destroyed"])
    func aSweepKilledHalfWayFinishesOnTheNextRunWithAnAuditLogThatMatches(_ point: String) throws {
        let daemon = try Self.killedMidway(["retention", "--now", "2030-01-02T05:00:00Z"], at: point)
        defer { daemon.cleanup() }
        let rerun = try Self.run(daemon, ["retention", "--now", "2030-01-02T05:00:00Z"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(Self.segmentNames(daemon) == (5..<10).map { String(format: "2030-01-01T%02d.log.gz", $0) })
        #expect(Self.keyFiles(daemon).isEmpty)
        try Self.checkSegmentsAgreeWithTheDatabase(daemon)
        let entries = try Self.audit(daemon)
        #expect(Self.count(entries, "segment_deleted") == 5)
        #expect(Self.count(entries, "key_destroyed") == 10)
        let deleted = entries.filter { $0["event"] as? String == "segment_deleted" }.compactMap {
            $0["window"] as? String
        }
        #expect(Set(deleted).count == 5)
    }

    @Test(arguments: ["rewrite-journaled", "rewrite-renamed"])
    func aForgetKilledHalfWayLeavesNoPartialSegmentAndCompletes(_ point: String) throws {
        let daemon = try Self.killedMidway(["forget", "--address", Self.forgotten], at: point)
        defer { daemon.cleanup() }
        // Whatever the kill left, every segment in place is whole: the old one, or the new one already renamed.
        for path in daemon.segmentPaths where !(path as NSString).lastPathComponent.hasPrefix(".") {
            #expect(try CLI.runProgram("/bin/gzip", ["-t", path]).status == 0, "\(path)")
        }
        let rerun = try Self.run(daemon, ["forget", "--address", Self.forgotten, "--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        try Self.checkSegmentsAgreeWithTheDatabase(daemon)
        let text = String(decoding: try daemon.output(), as: UTF8.self)
        #expect(!text.contains("/client-x/"))
        #expect(text.split(separator: "\n").count == 10 * Self.perHour * 3 / 4)
        let entries = try Self.audit(daemon)
        #expect(Self.count(entries, "segment_rewritten") == 10, "one entry per rewritten segment")
        #expect(Self.count(entries, "erasure_started") == 2)
        #expect(Self.count(entries, "erasure_done") == 1)
        // The daemon starts on the result and adds nothing twice.
        #expect(try daemon.catchUp().status == 0)
        #expect(String(decoding: try daemon.output(), as: UTF8.self) == text)
    }

    /// Beside the live file, or in logrotate's `olddir` (then given to logonym with the same key).
    @Test(arguments: [nil, "old"])
    func rawInputsAreDeletedOnlyWhenReadToTheirEndAndOldEnough(olddir: String?) throws {
        let daemon = try DaemonHarness(
            extraInputs: olddir.map { "olddir = \"\($0)\"" } ?? "",
            retention: "output = \"off\"\nraw_inputs = \"1d\""
        )
        defer { daemon.cleanup() }
        try Self.write(Self.windowLines(hours: 1), to: daemon.log)
        #expect(try daemon.catchUp().status == 0)
        try daemon.rotate("create" + (olddir.map { "\n    olddir \($0)\n    createolddir 0750" } ?? ""))
        try Self.write(Self.windowLines(hours: 1, start: Self.base + 3600), to: daemon.log)
        let rotated = olddir.map { daemon.root + "/logs/\($0)/access.log.1" } ?? daemon.log + ".1"
        #expect(FileManager.default.fileExists(atPath: rotated), "logrotate put the rotated file there")
        let unrelated = daemon.root + "/logs/error.log"
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: unrelated))
        let twoDaysAgo = Date().addingTimeInterval(-2 * 86_400)
        for path in [rotated, daemon.log, unrelated] {
            try FileManager.default.setAttributes([.modificationDate: twoDaysAgo], ofItemAtPath: path)
        }
        let before = try Self.run(daemon, ["retention", "--dry-run", "--json"])
        #expect((try Self.json(before)["items"] as? [Any])?.isEmpty == true, "not read to its end yet")
        // The daemon reads the rotated file to its end, lets it go, and its own sweep deletes it.
        #expect(try daemon.catchUp().status == 0)
        #expect(!FileManager.default.fileExists(atPath: rotated))
        let after = try Self.run(daemon, ["retention", "--dry-run", "--json"])
        #expect((try Self.json(after)["items"] as? [Any])?.isEmpty == true)
        #expect(FileManager.default.fileExists(atPath: daemon.log), "the live file is never deleted")
        #expect(FileManager.default.fileExists(atPath: unrelated), "a file of no input is never deleted")
        let entries = try Self.audit(daemon)
        #expect(
            entries.filter { $0["event"] as? String == "raw_input_deleted" }.map { $0["path"] as? String } == [rotated]
        )
        // The daemon is not confused by the deleted file.
        #expect(try daemon.catchUp().status == 0)
        #expect(try daemon.output().count(of: 0x0A) == 2 * Self.perHour)
    }

    @Test func anonymizeWithAWindowWritesSegmentsUnderPerWindowKeys() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let input = scratch.file("old.log")
        try Self.write(Self.windowLines(hours: 3), to: input)
        let arguments = [
            "anonymize", "--method", "hmac", "--window", "1h", "--output-dir", scratch.file("out"), "--state-dir",
            scratch.file("state"), "--source", "site1", "--summary", "none", input,
        ]
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let directory = scratch.file("out/site1")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["2030-01-01T00.log.gz", "2030-01-01T01.log.gz", "2030-01-01T02.log.gz"])
        var pseudonyms = Set<String>()
        for name in names {
            let lines = try Self.lines(of: directory + "/" + name)
            #expect(lines.count == Self.perHour)
            pseudonyms.formUnion(lines.filter { $0.contains("/client-x/") }.map { String($0.split(separator: " ")[0]) })
        }
        #expect(pseudonyms.count == 3)
        let keys = try FileManager.default.contentsOfDirectory(atPath: scratch.file("state/keys"))
        #expect(keys.count == 3)
        // A second run over the same file adds nothing (issue 13); with --force it adds parts, and never rewrites a
        // closed segment.
        let closed = try names.map { try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0)) }
        #expect(try CLI.run(arguments).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 3)
        #expect(try CLI.run(arguments + ["--force"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 6)
        let unchanged = try names.map { try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0)) } == closed
        #expect(unchanged)
        // Derived keys: the same master secret gives the same pseudonyms on another node.
        let master = try scratch.key("master")
        var derived: [[String]] = []
        for node in ["a", "b"] {
            let run = try CLI.run([
                "anonymize", "--method", "hmac", "--key-file", master, "--window", "1h", "--output-dir",
                scratch.file("out-\(node)"), "--state-dir", scratch.file("state-\(node)"), "--summary", "none", input,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            derived.append(try Self.lines(of: scratch.file("out-\(node)/batch/2030-01-01T01.log.gz")))
        }
        #expect(derived[0] == derived[1])
        #expect(!derived[0].joined().contains(Self.forgotten))
    }
}

extension Array where Element == UInt8 {
    func count(of byte: UInt8) -> Int { self.count { $0 == byte } }
}
