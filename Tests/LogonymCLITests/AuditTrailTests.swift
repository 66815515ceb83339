import Foundation
import GRDB
import LogonymCore
import Testing

/// Traceability of reads (every reading command adds one audit entry naming its user) and the audit log's chain
/// (`audit --verify` names the first entry edited, deleted or moved, in the files or in the database).
struct AuditTrailTests {
    /// A state directory with a few windows under hmac, and a configuration for it.
    struct State {
        let scratch: Scratch
        var state: String { scratch.file("state") }
        var config: String { scratch.file("logonym.toml") }

        init(retention: String = "") throws {
            scratch = try Scratch()
            let input = scratch.file("in.log")
            try StatsTests.distinctClientLines(3_000).write(to: URL(fileURLWithPath: input))
            let run = try CLI.run([
                "anonymize", "--method", "hmac", "--window", "1h", "--output-dir", scratch.file("out"),
                "--state-dir", scratch.file("state"), "--summary", "none", input,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            try """
            [state]
            dir = "\(scratch.file("state"))"
            [output]
            dir = "\(scratch.file("out"))"
            [anonymize]
            method = "hmac"
            [retention]
            \(retention)
            [[input]]
            name = "batch"
            paths = ["\(input)"]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        }

        /// Writes `lines` back as the month files.
        func rewriteFiles(_ lines: [(name: String, line: String)]) throws {
            let directory = state + "/audit"
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".jsonl") {
                try FileManager.default.removeItem(atPath: directory + "/" + name)
            }
            for name in Set(lines.map(\.name)) {
                let text = lines.filter { $0.name == name }.map(\.line).joined(separator: "\n") + "\n"
                try text.write(toFile: directory + "/" + name, atomically: false, encoding: .utf8)
            }
        }

        /// The audit entries, as `audit --json` prints them (itself adding one).
        func entries() throws -> [[String: Any]] {
            let result = try CLI.run(["audit", "--state-dir", state, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            return try result.stdoutText.split(separator: "\n").map { try CLI.jsonObject(Data($0.utf8)) }
        }

        /// The month files' lines, in order, with their file names.
        func fileLines() throws -> [(name: String, line: String)] {
            let directory = state + "/audit"
            return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }
                .sorted().flatMap { name in
                    try String(contentsOfFile: directory + "/" + name, encoding: .utf8).split(separator: "\n")
                        .map { (name, String($0)) }
                }
        }

        func verify() throws -> CLI.Result {
            try CLI.run(["audit", "--state-dir", state, "--verify"])
        }

        /// Runs SQL on the state database, as someone who can write it would.
        func sql(_ statement: String) throws {
            let queue = try DatabaseQueue(path: state + "/state.db")
            try queue.write { try $0.execute(sql: statement) }
        }
    }

    static let me = (uid: Int(getuid()), name: String(cString: getpwuid(getuid())!.pointee.pw_name))

    @Test func eachReadingCommandAddsOneReadEntryNamingItsUser() throws {
        let state = try State()
        defer { state.scratch.cleanup() }
        let commands: [(arguments: [String], command: String)] = [
            (["stats", "--state-dir", state.state, "--since", "2030-01-01T00:00:00Z"], "stats"),
            (["audit", "--state-dir", state.state], "audit"),
            (["audit", "--state-dir", state.state, "--verify"], "audit --verify"),
            (["retention", "--config", state.config, "--dry-run"], "retention --dry-run"),
            (["forget", "--config", state.config, "--address", "100.64.0.7", "--dry-run"], "forget --dry-run"),
            (["verify", "--config", state.config], "verify"),
        ]
        for (arguments, command) in commands {
            let before = try State.count(state.state)
            let result = try CLI.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let after = try State.count(state.state)
            #expect(after.count == before.count + 1, "\(command) added \(after.count - before.count) entries")
            let entry = try #require(after.last)
            #expect(entry["event"] as? String == "read")
            #expect(entry["command"] as? String == command)
            #expect(entry["uid"] as? Int == Self.me.uid && entry["user"] as? String == Self.me.name)
        }
        // The stats read names its range, and no entry holds the address forget was given.
        let stats = try #require(try State.count(state.state).first { $0["command"] as? String == "stats" })
        #expect(stats["since"] as? String == "2030-01-01T00:00:00Z")
        #expect(stats["returned"] as? Int == 3)
        for (_, line) in try state.fileLines() { #expect(!line.contains("100.64.0.7")) }
        // Every entry names who made it, the run that made the keys too.
        #expect(try state.entries().allSatisfy { $0["user"] as? String == Self.me.name && $0["command"] != nil })
        #expect(try state.verify().status == 0)
        // --kind keeps one kind.
        let keys = try CLI.run(["audit", "--state-dir", state.state, "--kind", "key", "--json"])
        let kinds = keys.stdoutText.split(separator: "\n").compactMap {
            try? CLI.jsonObject(Data($0.utf8))["event"] as? String
        }
        #expect(!kinds.isEmpty && kinds.allSatisfy { $0 == "key_created" })
        #expect(try CLI.run(["audit", "--state-dir", state.state, "--kind", "reads"]).status == 2)
    }

    @Test func aReadThatCannotBeRecordedShowsNothing() throws {
        let state = try State()
        defer { state.scratch.cleanup() }
        // The audit directory is a file: nothing can be written to the log.
        try FileManager.default.removeItem(atPath: state.state + "/audit")
        try Data().write(to: URL(fileURLWithPath: state.state + "/audit"))
        let result = try CLI.run(["stats", "--state-dir", state.state, "--json"])
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("cannot record this read"))
    }

    /// The files: a line edited, a line deleted, two lines swapped, a line added; each is named.
    @Test(arguments: ["edit", "delete", "swap", "insert"])
    func tamperingWithTheFilesIsFoundAndNamed(_ change: String) throws {
        let state = try State()
        defer { state.scratch.cleanup() }
        for _ in 0..<4 { _ = try CLI.run(["stats", "--state-dir", state.state]) }
        #expect(try state.verify().status == 0)
        var lines = try state.fileLines()
        let name = lines[0].name
        #expect(lines.count >= 6)
        let target = 3
        let id = try #require(try CLI.jsonObject(Data(lines[target].line.utf8))["id"] as? Int)
        switch change {
        case "edit": lines[target].line = lines[target].line.replacingOccurrences(of: "\"stats\"", with: "\"statz\"")
        case "delete": lines.remove(at: target)
        case "swap": lines.swapAt(target, target + 1)
        default: lines.insert(lines[target], at: target + 1)
        }
        try (lines.map(\.line).joined(separator: "\n") + "\n").write(
            toFile: state.state + "/audit/" + name,
            atomically: false,
            encoding: .utf8
        )
        let result = try state.verify()
        #expect(result.status == 1, "\(change): \(result.stdoutText)")
        let first = try #require(result.stdoutText.split(separator: "\n").first.map(String.init))
        // The break is named at the entry changed or the one after it.
        let named = [id, id + 1].contains { first.contains("entry \($0) ") }
        #expect(first.hasPrefix("broken:") && named, "\(change): \(first)")
        #expect(result.stdoutText.contains("(\(name):"), "\(change): \(result.stdoutText)")
    }

    /// The database: an entry edited, deleted, or two entries' contents swapped.
    @Test(arguments: ["edit", "delete", "swap"])
    func tamperingWithTheDatabaseIsFoundAndNamed(_ change: String) throws {
        let state = try State()
        defer { state.scratch.cleanup() }
        // Four reads that differ (their ranges), so that swapping two changes something.
        for day in 1...4 { _ = try CLI.run(["stats", "--state-dir", state.state, "--since", "2030-01-0\(day)"]) }
        switch change {
        case "edit": try state.sql("UPDATE audit SET detail = replace(detail, '\"stats\"', '\"statz\"') WHERE id = 4")
        case "delete": try state.sql("DELETE FROM audit WHERE id = 4")
        default:
            try state.sql(
                "UPDATE audit SET detail = CASE id WHEN 4 THEN (SELECT detail FROM audit WHERE id = 5) ELSE (SELECT detail FROM audit WHERE id = 4) END WHERE id IN (4, 5)"
            )
        }
        let result = try state.verify()
        #expect(result.status == 1, "\(change): \(result.stdoutText)")
        let first = try #require(result.stdoutText.split(separator: "\n").first.map(String.init))
        #expect(first.hasPrefix("broken: entry 4 ") || first.hasPrefix("broken: entry 5 "), "\(change): \(first)")
    }

    @Test func auditRetentionKeepsTheChainVerifiableAndIdsGoingAndAPruneByHandIsFound() throws {
        let state = try State(retention: "audit = \"1d\"")
        defer { state.scratch.cleanup() }
        for _ in 0..<3 { _ = try CLI.run(["stats", "--state-dir", state.state]) }
        let lastBefore = try #require(try State.count(state.state).last?["id"] as? Int)
        // Two days on, every entry is past audit retention: all go, an audit_pruned entry names the anchor.
        let sweep = try CLI.run(["retention", "--config", state.config, "--now=+2d"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        _ = try CLI.run(["stats", "--state-dir", state.state])
        let intact = try state.verify()
        #expect(intact.status == 0, "\(intact.stdoutText)")
        let entries = try state.entries()
        let pruned = try #require(entries.first { $0["event"] as? String == "audit_pruned" })
        #expect((pruned["id"] as? Int ?? 0) > lastBefore, "ids go on after the table was emptied")
        #expect(entries.allSatisfy { ($0["id"] as? Int ?? 0) > lastBefore })
        // The oldest entries deleted from both copies, with the anchor set by hand: found.
        let first = try #require(entries.first?["id"] as? Int)
        try state.sql(
            "INSERT OR REPLACE INTO meta (key, value) SELECT 'audit_anchor', CAST(hash AS BLOB) FROM audit WHERE id = \(first + 1)"
        )
        try state.sql("DELETE FROM audit WHERE id <= \(first + 1)")
        var lines = try state.fileLines()
        lines.removeAll { ($0.line.contains("\"id\":\(first),") || $0.line.contains("\"id\":\(first + 1),")) }
        try state.rewriteFiles(lines)
        let result = try state.verify()
        #expect(result.status == 1 && result.stdoutText.contains("not set by audit retention"), "\(result.stdoutText)")
    }

    /// The files' oldest lines deleted, the database untouched; a forged unchained entry; files a member cannot read.
    @Test func oldestLinesDeletedAndForgedUnchainedEntriesAreFound() throws {
        let state = try State()
        defer { state.scratch.cleanup() }
        for _ in 0..<4 { _ = try CLI.run(["stats", "--state-dir", state.state]) }
        let lines = try state.fileLines()
        try state.rewriteFiles(Array(lines.dropFirst(2)))
        var result = try state.verify()
        #expect(result.status == 1 && result.stdoutText.hasPrefix("broken: entry 1 "), "\(result.stdoutText)")
        try state.rewriteFiles(lines)
        #expect(try state.verify().status == 0)
        try state.sql(
            "INSERT INTO audit (id, at, event, detail) VALUES (0, 1, 'key_destroyed', '{\"event\":\"key_destroyed\"}')"
        )
        result = try state.verify()
        #expect(result.status == 1 && result.stdoutText.hasPrefix("broken: entry 0 "), "\(result.stdoutText)")
    }
}

extension AuditTrailTests.State {
    /// The entries of the state directory's files, without adding one.
    static func count(_ state: String) throws -> [[String: Any]] {
        let directory = state + "/audit"
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.sorted()
            .flatMap { name in
                try String(contentsOfFile: directory + "/" + name, encoding: .utf8).split(separator: "\n")
                    .map { try CLI.jsonObject(Data($0.utf8)) }
            }
    }
}
